import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareJob, resolveInputFiles, JobOptionError } from '../../../src/job/index.ts';
import { runCommandSteps } from '../../../src/fit/command-op.ts';

const dir = mkdtempSync(join(tmpdir(), 'xpr-cmdkey-'));
writeFileSync(join(dir, 'a.xyz'), 'one');
writeFileSync(join(dir, 'b.xyz'), 'one');
writeFileSync(join(dir, 'c.xyz'), 'two');
const elsewhere = mkdtempSync(join(tmpdir(), 'xpr-cmdkey-other-'));
writeFileSync(join(elsewhere, 'd.xyz'), 'one');

const key = async (argv: string[], inputs: Array<{ local: string; remote: string }>) =>
  (await prepareJob({ op: runCommandSteps, args: [{ steps: [{ argv }] }], inputFiles: inputs, cwd: dir })).cacheKey;

test('input files map to chosen names in the job dir, from anywhere', async (t) => {
  const files = await resolveInputFiles([{ local: 'a.xyz', remote: 'in/train.xyz' }, { local: join(elsewhere, 'd.xyz'), remote: 'd.xyz' }, 'c.xyz'], dir);
  t.deepEqual(files.map((f) => f.rel), ['c.xyz', 'd.xyz', 'in/train.xyz']);
  await t.throwsAsync(resolveInputFiles([{ local: 'a.xyz', remote: '../x' }], dir), { instanceOf: JobOptionError, message: /input_files/ });
  await t.throwsAsync(resolveInputFiles([{ local: 'missing.xyz', remote: 'x' }], dir), { instanceOf: JobOptionError, message: /missing\.xyz/ });
  await t.throwsAsync(resolveInputFiles([{ local: 'a.xyz', remote: 'x' }, { local: 'c.xyz', remote: 'x' }], dir), { instanceOf: JobOptionError, message: /both arrive/ });
});

test('the cache key of a command job is the command plus the input contents under their job-dir names', async (t) => {
  const base = await key(['gap_fit', 'at_file=t.xyz'], [{ local: 'a.xyz', remote: 't.xyz' }]);
  t.is(await key(['gap_fit', 'at_file=t.xyz'], [{ local: 'b.xyz', remote: 't.xyz' }]), base, 'same contents from another file: same key');
  t.not(await key(['gap_fit', 'at_file=t.xyz'], [{ local: 'c.xyz', remote: 't.xyz' }]), base, 'other contents');
  t.not(await key(['gap_fit', 'at_file=t.xyz'], [{ local: 'a.xyz', remote: 'u.xyz' }]), base, 'other name in the job');
  t.not(await key(['gap_fit', 'at_file=t.xyz', 'rnd_seed=2'], [{ local: 'a.xyz', remote: 't.xyz' }]), base, 'other command');
});
