// A job runs on the values its cache key was computed from: changing a typed array after RemoteJob.create (a buffer
// reused in a loop) reaches neither the job nor its key; payloads spooled for a reused job are not left behind.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteJob } from '../../src/index.ts';
import { sumArray } from '../fixtures/ops/arrays.ts';
import { makeProject } from '../helpers/project.ts';

const oneCore = { system: 'local', resources: { num_cores: 1, max_time: '5m' }, partialNode: true } as const;

test('a buffer reused between create and start: each job runs on what it held at create', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const spool = join(p.root, 'xpr-stage', '.spool');
  try {
    const buf = new Float64Array(1 << 16);
    const jobs: RemoteJob<number>[] = [];
    for (const fill of [1, 2, 3]) {
      buf.fill(fill);
      jobs.push(await RemoteJob.create<number>({ op: sumArray, args: [buf] }, ctx));
    }
    buf.fill(100);
    for (const j of jobs) await j.start(oneCore);
    t.deepEqual(await Promise.all(jobs.map((j) => j.result({ checkIntervalS: 0.2 }))), [1, 2, 3].map((f) => f * (1 << 16)));
    t.deepEqual(readdirSync(spool), [], 'every spooled payload moved into its job dir');

    buf.fill(2);
    const again = await RemoteJob.create<number>({ op: sumArray, args: [buf] }, ctx);
    t.true(again.attached, 'the same values find the same job');
    t.deepEqual(readdirSync(spool), [], 'a reused job leaves no spooled payload');
  } finally {
    await ctx.close();
  }
});
