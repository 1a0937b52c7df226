// max_queued_jobs through real ssh into real Slurm: jobs over the limit stay staged and go to the queue as earlier
// ones end; squeue, sampled while they run, never lists more of them than the limit; the limit holds across drivers.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { prepareJob, startJobs } from '../../src/job/index.ts';
import type { XprContext } from '../../src/index.ts';
import { sleepThenReturn } from '../fixtures/ops/basic.ts';
import { clusterEnv, clusterProject, type ClusterEnv } from '../helpers/cluster.ts';

const LIMIT = 2;
const res = { num_cores: 1, max_time: '10m' };

function throttledProject(c: ClusterEnv) {
  return clusterProject(c, {
    slurm_thr: {
      host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', max_queued_jobs: LIMIT,
      partitions: { debug: { num_cores: availableParallelism(), max_time: null, max_mem: '1GB' } },
    },
  });
}

// Sample squeue (over its own ssh connection) every 250 ms for live jobs whose name starts with `tag`, until stopped.
function sampleQueue(ctx: XprContext, tag: string): { stop: () => Promise<number[]> } {
  const counts: number[] = [];
  let stopped = false;
  const run = (async () => {
    const session = await ctx.session('slurm_thr');
    while (!stopped) {
      const r = await session.transport.exec(['squeue', '-h', '-t', 'PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED', '-o', '%j'], { idempotent: true });
      if (r.code === 0) counts.push(r.stdout.toString('utf8').split('\n').filter((n) => n.startsWith(tag)).length);
      await new Promise((ok) => setTimeout(ok, 250));
    }
  })();
  return { stop: async () => ((stopped = true), await run, counts) };
}

const newTag = (): string => `thr${randomBytes(3).toString('hex')}`;

const prepare = (dir: string, tag: string, from: number, n: number) =>
  Promise.all(Array.from({ length: n }, (_, k) => prepareJob({ op: sleepThenReturn, args: [1500, from + k], name: `${tag}_${from + k}`, cwd: dir })));

test('max_queued_jobs=2: of 6 jobs 2 are submitted, 4 held staged; squeue never lists more than 2 and all complete', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = throttledProject(c);
  const ctx = p.context();
  const watch = p.context();
  const tag = newTag();
  const sampler = sampleQueue(watch, tag);
  try {
    const started = await startJobs(ctx, await prepare(p.dir, tag, 0, 6), { system: 'slurm_thr', resources: res, partialNode: true });
    t.deepEqual(started.map((s) => s.row.state), ['submitted', 'submitted', 'staged', 'staged', 'staged', 'staged']);
    t.true(p.logLines.some((l) => /4 job\(s\) held back by max_queued_jobs=2/.test(l)), p.logLines.join(''));
    const poller = await ctx.poller('slurm_thr');
    const rows = await poller.wait(started.map((s) => s.row.id), { checkIntervalS: 2 });
    t.deepEqual(rows.map((r) => r.state), Array(6).fill('succeeded'));
    t.true(rows.every((r) => r.schedulerId !== null));
    const counts = await sampler.stop();
    t.true(counts.length >= 10, `${counts.length} samples`);
    t.is(Math.max(...counts), LIMIT, `jobs in squeue per sample: ${counts.join(' ')}`);
    t.true(p.logLines.some((l) => /held job\(s\) submitted, 0 still held back/.test(l)), p.logLines.join(''));
  } finally {
    await sampler.stop();
    await ctx.close();
    await watch.close();
  }
});

test('the limit is counted in the job store: two drivers share it, and jobs held by a driver that stopped go ahead with the next', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = throttledProject(c);
  const watch = p.context();
  const tag = newTag();
  const sampler = sampleQueue(watch, tag);
  const a = p.context();
  const b = p.context();
  try {
    // Driver A starts 3 jobs and goes away without waiting: 2 are in the queue, 1 stays staged.
    const first = await startJobs(a, await prepare(p.dir, tag, 0, 3), { system: 'slurm_thr', resources: res, partialNode: true });
    t.deepEqual(first.map((s) => s.row.state), ['submitted', 'submitted', 'staged']);
    await a.close();
    // Driver B (another store connection, another poller) starts 3 more while A's are still in the queue: all held.
    const second = await startJobs(b, await prepare(p.dir, tag, 3, 3), { system: 'slurm_thr', resources: res, partialNode: true });
    t.deepEqual(second.map((s) => s.row.state), ['staged', 'staged', 'staged']);
    // A restarted A waits for its jobs while B waits for its own: both submit held jobs as places free up.
    const a2 = p.context();
    try {
      const [ra, rb] = await Promise.all([
        (await a2.poller('slurm_thr')).wait(first.map((s) => s.row.id), { checkIntervalS: 2 }),
        (await b.poller('slurm_thr')).wait(second.map((s) => s.row.id), { checkIntervalS: 2 }),
      ]);
      t.deepEqual([...ra, ...rb].map((r) => r.state), Array(6).fill('succeeded'));
    } finally {
      await a2.close();
    }
    const counts = await sampler.stop();
    t.true(Math.max(...counts) <= LIMIT, `jobs in squeue per sample: ${counts.join(' ')}`);
    t.is(Math.max(...counts), LIMIT);
  } finally {
    await sampler.stop();
    await b.close();
    await watch.close();
  }
});

test('max_queued_jobs must be a whole number >= 1: the error names the key and what is expected', async (t) => {
  const { makeProject } = await import('../helpers/project.ts');
  const p = makeProject({ systems: { bad: { host: null, scheduler: 'slurm', partitions: { debug: { num_cores: 2 } }, max_queued_jobs: 0 } } });
  const err = t.throws(() => p.context());
  t.regex(err!.message, /systems\.bad\.max_queued_jobs/);
  t.regex(err!.message, /whole number of jobs >= 1/);
});
