// A rerun that reattaches to a job which already succeeded gets its output files back, as the first run did.
import test from 'ava';
import { mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteJob, runJob } from '../../src/index.ts';
import { readInputWriteOutput } from '../fixtures/ops/basic.ts';
import { makeProject } from '../helpers/project.ts';

const oneCore = { system: 'local', resources: { num_cores: 1, max_time: '5m' }, partialNode: true } as const;

test('RemoteJob reattached to a succeeded job copies its output files back', async (t) => {
  const p = makeProject();
  mkdirSync(join(p.dir, 'data'));
  writeFileSync(join(p.dir, 'data', 'in.txt'), 'hello\n');
  const def = { op: readInputWriteOutput, inputFiles: ['data/*.txt'], outputFiles: ['out.txt'] };
  const ctx1 = p.context();
  t.is(await runJob({ ...def, ...oneCore, context: ctx1 }), 'hello');
  await ctx1.close();
  rmSync(join(p.dir, 'out.txt'));
  const ctx2 = p.context();
  const job = await RemoteJob.create<string>(def, ctx2);
  await job.start(oneCore);
  t.true(job.attached);
  t.is(await job.result(), 'hello');
  t.true(existsSync(join(p.dir, 'out.txt')), 'the output file is back');
  t.is(readFileSync(join(p.dir, 'out.txt'), 'utf8'), 'HELLO\n');
  t.is(ctx2.store.list().length, 1, 'no second job');
  await ctx2.close();
});
