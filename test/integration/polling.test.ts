// Adaptive polling through real ssh into real Slurm: every wait in one process on one system shares one poller, which
// runs one status command per poll, never two within 0.5 s, quickly after a submission and backing off while quiet.
import test from 'ava';
import { RemoteJob } from '../../src/index.ts';
import type { XprContext } from '../../src/index.ts';
import { sleepThenReturn } from '../fixtures/ops/basic.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';

const opts = { system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true } as const;

// Record when each status command (the poll script: squeue and the jobs' marker files) leaves for the system.
async function statusCommandTimes(ctx: XprContext): Promise<number[]> {
  const session = await ctx.session('slurm_ssh');
  const times: number[] = [];
  const exec = session.transport.exec.bind(session.transport);
  session.transport.exec = (argv, o) => {
    const text = `${argv.join(' ')} ${o?.stdin?.toString() ?? ''}`;
    if (/\bsqueue\b/.test(text) && text.includes('@@xpr-files')) times.push(Date.now());
    return exec(argv, o);
  };
  return times;
}

const gaps = (times: number[]): number[] => times.slice(1).map((t, k) => t - times[k]!);

test('two callers in one process share one poller: one status command per poll covers both jobs', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const times = await statusCommandTimes(ctx);
    const j1 = await RemoteJob.create<string>({ op: sleepThenReturn, args: [12_000, 'one'] }, ctx);
    const j2 = await RemoteJob.create<string>({ op: sleepThenReturn, args: [1000, 'two'] }, ctx);
    await j1.start(opts);
    const t0 = Date.now();
    const first = j1.result({ checkIntervalS: 5 });
    // The second caller comes once the first job has run quietly for 5 s: the poller has backed off to pauses of
    // seconds, spent waiting on the system. The new caller's job must not wait for the end of such a pause.
    while (j1.state !== 'running' && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 5000));
    await j2.start(opts);
    const t2 = Date.now();
    const [r1, r2] = await Promise.all([first, j2.result({ checkIntervalS: 5 })]);
    const elapsed = Date.now() - t0;
    t.deepEqual([r1, r2], ['one', 'two']);
    const poller = await ctx.poller('slurm_ssh');
    t.is(await ctx.poller('slurm_ssh'), poller, 'one poller per system');
    // Every status command came from that poller (one may have been cut short for the new caller).
    t.true(times.length - poller.pollsRun <= 1, `${times.length} status commands, ${poller.pollsRun} polls`);
    const next = times.find((x) => x >= t2);
    t.log(`new caller polled after ${next! - t2} ms`);
    t.true(next !== undefined && next - t2 < 1000, `the new caller's job was polled ${next! - t2} ms after it asked`);
    // Two pollers would each poll from the start: more commands, and pairs of them close together.
    t.true(times.length <= Math.floor(elapsed / 500) + 1, `${times.length} status commands in ${elapsed} ms`);
    t.true(gaps(times).every((g) => g >= 450), `gaps between status commands (ms): ${gaps(times).join(' ')}`);
  } finally {
    await ctx.close();
  }
});

test('polls start fast after a submission and back off towards check_interval while the job runs quietly', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const times = await statusCommandTimes(ctx);
    const job = await RemoteJob.create<string>({ op: sleepThenReturn, args: [12_000, 'slow'] }, ctx);
    await job.start(opts);
    const submitted = Date.now();
    t.is(await job.result({ checkIntervalS: 4 }), 'slow');
    const g = gaps(times);
    t.true(times[0]! - submitted < 1000, `first poll ${times[0]! - submitted} ms after submission`);
    t.true(g.slice(0, 2).every((x) => x < 1200), `the first polls come quickly: ${g.join(' ')}`);
    t.true(g.some((x) => x >= 3000), `it backs off while nothing changes: ${g.join(' ')}`);
    t.true(g.every((x) => x >= 450 && x <= 4000 + 2500), `never faster than 0.5 s nor (beyond a poll's own time) much slower than check_interval: ${g.join(' ')}`);
    t.true(times.length < 12_000 / 500, `${times.length} polls for a 12 s job`);
  } finally {
    await ctx.close();
  }
});

test('a job that ends during a long pause reaches its caller at once: the poll waits on the system for its exit marker', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const times = await statusCommandTimes(ctx);
    const { sleepThenNow } = await import('../bench/fixtures/latency-ops.ts');
    const job = await RemoteJob.create<{ endMs: number }>({ op: sleepThenNow, args: [20_000, `${Date.now()}`] }, ctx);
    await job.start(opts);
    // check_interval 30 s: by the job's end, polls have backed off to pauses of several seconds.
    const { endMs } = await job.result({ checkIntervalS: 30 });
    const latency = Date.now() - endMs;
    const g = gaps(times);
    t.true(g.some((x) => x >= 3000), `polls backed off: ${g.join(' ')}`);
    t.true(latency < 2500, `result ${latency} ms after the op returned`);
  } finally {
    await ctx.close();
  }
});
