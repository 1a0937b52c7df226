// State times of a job that ran while no driver was watching come from the job's own marker files (when its script
// started and wrote its exit code), not from when the next driver noticed.
import test from 'ava';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteJob } from '../../src/index.ts';
import { JobFiles } from '../../src/runner/contract.ts';
import { sleepThenReturn } from '../fixtures/ops/basic.ts';
import { makeProject } from '../helpers/project.ts';

const oneCore = { system: 'local', resources: { num_cores: 1, max_time: '5m' }, partialNode: true } as const;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a job that started and ended while the driver was gone gets its running and succeeded times from its files', async (t) => {
  const p = makeProject();
  const ctx1 = p.context();
  const job1 = await RemoteJob.create<string>({ op: sleepThenReturn, args: [1500, 'v'] }, ctx1);
  await job1.start(oneCore);
  const dir = job1.row!.stageDir;
  await ctx1.close(); // the driver goes away before the job is seen running
  const exit = join(dir, JobFiles.exit);
  for (let i = 0; i < 600 && !existsSync(exit); i++) await sleep(100);
  t.true(existsSync(exit), 'the job ended');
  await sleep(2500); // the next driver comes later
  const ctx2 = p.context();
  const job2 = await RemoteJob.create<string>({ op: sleepThenReturn, args: [1500, 'v'] }, ctx2);
  await job2.start(oneCore);
  t.is(await job2.result(), 'v');
  const events = ctx2.store.events(job2.id!);
  const at = (s: string): number | undefined => events.find((e) => e.toState === s)?.at;
  // File times have whole seconds: an event is never placed before the job's previous one.
  const before = (s: string): number => Math.max(...events.filter((e) => e.toState !== s && e.at <= at(s)!).map((e) => e.at));
  const fileS = (f: string): number => Math.floor(statSync(f).mtimeMs / 1000);
  t.is(at('running'), Math.max(fileS(join(dir, JobFiles.started)), before('running')), 'running since its start file');
  t.is(at('succeeded'), Math.max(fileS(exit), at('running')!), 'succeeded when its exit file was written');
  await ctx2.close();
});
