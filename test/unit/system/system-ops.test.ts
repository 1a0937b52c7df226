// The shell text xpr generates for batched system commands, run through a real bash.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { preSubmit } from '../../../src/system/system-ops.ts';

const bash = (line: string): string => execFileSync('bash', ['-c', line], { encoding: 'utf8' });

test('pre_submit_cmds tokens: operators stay operators, NAME=value stays an assignment, the rest arrives verbatim', (t) => {
  t.deepEqual(preSubmit([]), []);
  const [line] = preSubmit(['FOO=a b', 'printenv', 'FOO', ';', 'echo', 'x=$HOME', '*', '&&', 'echo', 'done']);
  t.is(bash(line!), 'a b\nx=$HOME *\ndone\n');
});
