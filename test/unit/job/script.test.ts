// Job script bodies: env var values are quoted except ${VAR} references; names are validated; ids are safe.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { shellValueWithVars, normalizeEnvVars } from '../../../src/job/script.ts';
import { sanitizeJobName, makeJobId } from '../../../src/job/ids.ts';
import { JobOptionError } from '../../../src/job/errors.ts';

const evalInBash = (value: string, env: Record<string, string> = {}): string =>
  execFileSync('bash', ['-c', `X=${shellValueWithVars(value)}; printf %s "$X"`], { env: { PATH: process.env.PATH, ...env } }).toString();

for (const hostile of ["it's", '$(touch /tmp/xpr-pwned)', '`id`', 'a;b', 'a\nb', '*', '', ' spaced ', '"double"', '\\back', 'ünïcødé']) {
  test(`env var value ${JSON.stringify(hostile)} arrives verbatim`, (t) => {
    t.is(evalInBash(hostile), hostile);
  });
}

test('${NAME} and $NAME references are expanded on the node', (t) => {
  t.is(evalInBash('n=${EXPYRE_NUM_CORES_PER_NODE}/$HOME_X!', { EXPYRE_NUM_CORES_PER_NODE: '16', HOME_X: 'h' }), 'n=16/h!');
});

test('env_vars as a list or an object; an entry without "=" or a bad name is an error', (t) => {
  t.deepEqual(normalizeEnvVars(['A=1', 'B=x=y']), [['A', '1'], ['B', 'x=y']]);
  t.deepEqual(normalizeEnvVars({ A: '1' }), [['A', '1']]);
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
