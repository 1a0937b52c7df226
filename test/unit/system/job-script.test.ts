// Job script bodies: env var values are quoted except ${VAR} references; names are validated; ids are safe.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { normalizeEnvVars, renderJobBody } from '../../../src/system/job-script.ts';
import { renderEnvValue } from '../../../src/system/env-value.ts';
import { sanitizeJobName, makeJobId } from '../../../src/job/ids.ts';
import { JobOptionError } from '../../../src/job/errors.ts';

const evalInBash = (value: string, env: Record<string, string> = {}, form: 'literal' | 'word' = 'literal'): string =>
  execFileSync('bash', ['-c', `X=${renderEnvValue(value, form, 'test')}; printf %s "$X"`], { env: { PATH: process.env.PATH, ...env } }).toString();
const bashWord = (word: string, env: Record<string, string> = {}): string =>
  execFileSync('bash', ['-c', `X=${word}; printf %s "$X"`], { env: { PATH: process.env.PATH, ...env } }).toString();

for (const hostile of ["it's", '$(touch /tmp/xpr-pwned)', '`id`', 'a;b', 'a\nb', '*', '', ' spaced ', '"double"', '\\back', 'ünïcødé']) {
  test(`env var value ${JSON.stringify(hostile)} arrives verbatim`, (t) => {
    t.is(evalInBash(hostile), hostile);
  });
}

test('object form: only ${NAME} references are expanded on the node; a bare $NAME is literal text', (t) => {
  t.is(evalInBash('n=${EXPYRE_NUM_CORES_PER_NODE}/$HOME_X!', { EXPYRE_NUM_CORES_PER_NODE: '16', HOME_X: 'h' }), 'n=16/$HOME_X!');
});

test('object form: {A: "pa$word"} arrives as pa$word (a password is not cut at its $)', (t) => {
  const [v] = normalizeEnvVars({ A: 'pa$word' });
  t.is(evalInBash(v!.value, { word: 'X' }, v!.form), 'pa$word');
  for (const value of ['$1', '$$', 'cost $5', '$(id)', '${', '$}', 'a$b${c']) t.is(evalInBash(value), value, value);
});

test('list-form values are read as a shell word, as ExPyRe\'s `export` did (quotes removed, references expanded)', (t) => {
  const env = { EXPYRE_NCORES_PER_NODE: '16', HOME: '/h' };
  for (const word of [`'{ "ncore": '\${EXPYRE_NCORES_PER_NODE}'}'`, '"a b $HOME"', "'$HOME'", 'a\\ b', 'x"$HOME"y', '$', 'cost\\$5', '']) {
    t.is(evalInBash(word, env, 'word'), bashWord(word, env), word);
  }
  t.is(evalInBash(`'{ "ncore": '\${EXPYRE_NCORES_PER_NODE}'}'`, env, 'word'), '{ "ncore": 16}');
});

test('list-form values never run commands: $(...) and backticks are refused with the entry named', (t) => {
  for (const word of ['$(id)', '`id`', '"$(id)"', '${HOME:-x}', "'unterminated", 'cost$5', '$$']) {
    t.throws(() => normalizeEnvVars([`X=${word}`]), { instanceOf: JobOptionError, message: /env_vars\.X/ }, word);
  }
});

test('env_vars as a list or an object; an entry without "=" or a bad name is an error', (t) => {
  t.deepEqual(normalizeEnvVars(['A=1', 'B=x=y']), [{ name: 'A', value: '1', form: 'word' }, { name: 'B', value: 'x=y', form: 'word' }]);
  t.deepEqual(normalizeEnvVars({ A: '1' }), [{ name: 'A', value: '1', form: 'literal' }]);
  t.throws(() => normalizeEnvVars(['OMP_NUM_THREADS']), { instanceOf: JobOptionError, message: /env_vars\[0\].*NAME=value/ });
  t.throws(() => normalizeEnvVars({ 'BAD NAME': 'x' }), { instanceOf: JobOptionError, message: /not a valid environment variable name/ });
});

test('job names are reduced to scheduler-safe characters and ids are padding-free', (t) => {
  t.is(sanitizeJobName('my job; rm -rf /'), 'my_job_rm_-rf');
  t.is(sanitizeJobName('42abc'), 'abc');
  t.is(sanitizeJobName('!!!'), 'job');
  const id = makeJobId('relax', 'ab'.repeat(32));
  t.regex(id, /^relax_[a-z2-7]{12}_[a-z2-7]{4}$/);
});

test('the runner runs without --enable-source-maps: it maps stacks lazily itself (pool/stack-maps.ts)', (t) => {
  const body = renderJobBody({
    jobId: 'j1', jobDir: '/base/j1', runnerPath: '/base/_code/runner-x.mjs', nodeCmd: 'node',
    fit: { partition: { name: 'p', schedulerName: 'p', numCores: 1, maxTimeS: null, maxMemKb: null, header: [] }, numNodes: 1, numCores: 1, numCoresPerNode: 1, maxTimeS: 600 },
    systemCommands: [], preCmds: [], postCmds: [], envVars: [],
  });
  t.regex(body, /^node \/base\/_code\/runner-x\.mjs \/base\/j1 > /m);
  t.notRegex(body, /source-maps/);
});
