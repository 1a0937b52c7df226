import test from 'ava';
import { checkHeaderTemplate } from '../../../src/config/header-template.ts';
import { findJsonError, parseJsonText } from '../../../src/config/json-position.ts';
import { splitShellWords } from '../../../src/config/shell-words.ts';

const jsonErrors: Array<[string, number, number, RegExp]> = [
  ['{"a":}', 1, 6, /expected a value, unexpected "}"/],
  ['{"a": 1,}', 1, 9, /trailing comma before "}"/],
  ['[1, 2,]', 1, 7, /trailing comma before "]"/],
  ['{"a" 1}', 1, 6, /expected ":" after the property name/],
  ['{"a": tru}', 1, 7, /expected a value, unexpected "t"/],
  ['', 1, 1, /unexpected end of file/],
  ['{"a":1}x', 1, 8, /unexpected content after the JSON value/],
  ['{"a":"x\n"}', 1, 8, /control character/],
  ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected "," or "}", unexpected "\\""/],
  ["{'a': 1}", 1, 2, /expected a double-quoted property name/],
  ['{"a": \'x\'}', 1, 7, /strings must use double quotes/],
  ['{"a": 01}', 1, 8, /expected "," or "}"/],
  ['{"a": "\\q"}', 1, 8, /invalid escape "\\q"/],
  ['{"a": "open', 1, 7, /unterminated string/],
  ['{\n"systems": {\n', 3, 1, /unexpected end of file/],
  ['\uFEFF{"a": }', 1, 7, /expected a value/],
];
for (const [text, line, column, message] of jsonErrors) {
  test(`parseJsonText locates the error in ${JSON.stringify(text)} at ${line}:${column}`, (t) => {
    const parsed = parseJsonText(text);
    t.false(parsed.ok);
    if (!parsed.ok) {
      t.like(parsed.problem, { line, column });
      t.regex(parsed.problem.message, message);
    }
  });
}

test('findJsonError accepts everything JSON.parse accepts', (t) => {
  for (const text of ['{}', '[]', '0', '-1.5e+3', '"\\u00e9\\n"', ' {"a": [1, {"b": null}], "c": true, "d": false} ', '{"a":"\u{1F600}"}']) {
    t.is(findJsonError(text), null, text);
    t.true(parseJsonText(text).ok);
  }
});

const words: Array<[string, string[]]> = [
  ['ssh', ['ssh']],
  ['  ssh   -p 2222  ', ['ssh', '-p', '2222']],
  [`ssh -o 'ProxyJump=a b'`, ['ssh', '-o', 'ProxyJump=a b']],
  ['ssh -o "Proxy Command=\\"x\\" $HOME"', ['ssh', '-o', 'Proxy Command="x" $HOME']],
  ['ssh -i /a\\ b/key', ['ssh', '-i', '/a b/key']],
  [`a"b c"'d e'f`, ['ab cd ef']],
  [`''`, ['']],
  ['ssh -o "a\\nb"', ['ssh', '-o', 'a\\nb']],
];
for (const [text, argv] of words) {
  test(`splitShellWords splits ${JSON.stringify(text)} without a shell`, (t) => {
    t.deepEqual(splitShellWords(text), argv);
  });
}

test('splitShellWords rejects unclosed quotes and a trailing backslash', (t) => {
  t.throws(() => splitShellWords(`ssh 'x`), { message: 'unclosed single quote at character 5' });
  t.throws(() => splitShellWords('ssh "x'), { message: 'unclosed double quote at character 5' });
  t.throws(() => splitShellWords('ssh \\'), { message: 'trailing backslash' });
});

test('checkHeaderTemplate accepts ExPyRe\'s fields, format specs and escaped braces', (t) => {
  for (const line of ['#SBATCH --nodes={num_nodes}', '#$ -pe smp {num_cores}', '#PBS -l select={num_nodes}:ncpus={num_cores_per_node}',
    '#SBATCH --time={max_time}', '#SBATCH -J {id} -p {partition} -q {queue}', '#SBATCH --ntasks={num_cores:d}', 'echo {{literal}}', 'plain']) {
    t.is(checkHeaderTemplate(line), null, line);
  }
});

test('checkHeaderTemplate rejects unknown and positional fields', (t) => {
  t.regex(checkHeaderTemplate('#SBATCH --mem={mem}')!, /unknown template field "\{mem\}"/);
  t.regex(checkHeaderTemplate('#SBATCH -n {}')!, /unknown template field "\{\}"/);
});
