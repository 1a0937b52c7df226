// Secret env vars (JobDefinition.secretEnvVars) as hostile input: names are checked before they reach a shell, values
// are taken verbatim and never parsed as shell words, never appear in error messages, and stay out of stored hashes.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareJob } from '../../../src/job/spec.ts';
import { JobOptionError } from '../../../src/job/errors.ts';

test('secretEnvVars must name variables that env_vars sets; rotating a secret value does not make a new job', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-secret-'));
  const { add } = await import('../../fixtures/ops/basic.ts');
  const err = await t.throwsAsync(prepareJob({ op: add, args: [1, 2], envVars: { A: '1' }, secretEnvVars: ['TOKEN'], cwd: dir }), { instanceOf: JobOptionError });
  t.is(err.option, 'secret_env_vars');
  t.false(err.message.includes('1'), 'no value in the message');
  const bad = await t.throwsAsync(prepareJob({ op: add, args: [1, 2], envVars: { 'A;touch x': 'v' }, secretEnvVars: ['A;touch x'], cwd: dir }), { instanceOf: JobOptionError });
  t.regex(bad.message, /"A;touch x" is not a valid environment variable name/);
  const a = await prepareJob({ op: add, args: [1, 2], envVars: ['TOKEN=old`$(x)`'], secretEnvVars: ['TOKEN'], cwd: dir });
  const b = await prepareJob({ op: add, args: [1, 2], envVars: ['TOKEN=new'], secretEnvVars: ['TOKEN'], cwd: dir });
  t.is(a.envHash, b.envHash);
  t.is(a.cacheKey, b.cacheKey);
  t.deepEqual(a.envVars, []);
  t.deepEqual(a.secretEnv, [{ name: 'TOKEN', value: 'old`$(x)`', form: 'literal' }], 'list form: taken verbatim, never parsed as shell');
});
