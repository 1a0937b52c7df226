// Benchmark: finish-to-result latency via ssh into Slurm. N jobs (default 30) each sleep 1-3 s and return the time
// they finished; N callers wait for one job each (one shared poller, default check_interval of 10 s). Reports the
// median and p95 of (result in the caller's hands - op's end), against one poll round trip measured in the same run.
// Then 2 jobs of 20 s awaited with check_interval 30 s: they end long after polling has backed off.
// Needs the test cluster: `bash test/cluster/up.sh && . /tmp/xpr-cluster/env.sh`, then
//   node --import tsx test/bench/latency.bench.ts [N=30]
import { randomBytes } from 'node:crypto';
import { prepareJob, startJobs, outcomeOf, cancelJobs, cleanJobs } from '../../src/job/index.ts';
import { LIVE_STATES } from '../../src/store/index.ts';
import { pollJobs } from '../../src/system/system-ops.ts';
import { sleepThenNow } from './fixtures/latency-ops.ts';
import { clusterProject, benchCluster } from '../helpers/cluster.ts';

const N = Number(process.argv[2] ?? 30);
const cluster = benchCluster();

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

const p = clusterProject(cluster);
const ctx = p.context();
try {
  const tag = randomBytes(4).toString('hex');
  const prepared = await Promise.all(
    Array.from({ length: N }, (_, k) => prepareJob({ op: sleepThenNow, args: [1000 + (k % 5) * 500, `${tag}-${k}`], name: `lat_${k}`, cwd: p.dir })),
  );
  const started = await startJobs(ctx, prepared, { system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true });
  const afterSubmit = ctx.transportStats().slurm_ssh!.commandsRun;
  const poller = await ctx.poller('slurm_ssh');
  const t0 = Date.now();
  // N independent callers, as N RemoteJob.result() calls would be; no check_interval given: the remote default (10 s).
  const latencies = await Promise.all(
    started.map(async (s) => {
      const [row] = await poller.wait([s.row.id]);
      const { endMs } = outcomeOf(row!) as { endMs: number };
      return Date.now() - endMs;
    }),
  );
  const totalS = (Date.now() - t0) / 1000;
  const polls = poller.pollsRun;
  const commands = ctx.transportStats().slurm_ssh!.commandsRun - afterSubmit;
  // The floor: one poll command (squeue + sacct + marker files of one job) round trip, measured now.
  const session = await ctx.session('slurm_ssh');
  const one = { id: started[0]!.row.id, schedulerId: ctx.store.get(started[0]!.row.id)!.schedulerId };
  const trips: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    await pollJobs(session, [one]);
    trips.push(performance.now() - t);
  }
  const trip = quantile(trips, 0.5);
  const med = quantile(latencies, 0.5);
  const p95 = quantile(latencies, 0.95);
  const f = (ms: number): string => (ms / 1000).toFixed(2);
  console.log(`\nfinish-to-result latency, ${N} jobs of 1-3 s via ssh -> Slurm, one waiter per job, check_interval 10 s (default):`);
  console.log(`  median ${f(med)} s, p95 ${f(p95)} s, max ${f(Math.max(...latencies))} s (target about 1.5 s)`);
  console.log(`  one poll round trip (the floor): ${f(trip)} s; median latency / poll round trip: ${(med / trip).toFixed(1)}x`);
  console.log(`  all ${N} done in ${totalS.toFixed(1)} s with ${polls} polls (${(totalS / polls).toFixed(2)} s apart on average), ${commands} remote commands after submit`);

  // Long jobs: by their end the pause between polls has grown to several seconds.
  const long = await Promise.all([0, 1].map((k) => prepareJob({ op: sleepThenNow, args: [20_000, `${tag}-long-${k}`], name: `lat_long_${k}`, cwd: p.dir })));
  const longStarted = await startJobs(ctx, long, { system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true });
  const pollsBefore = poller.pollsRun;
  const tl = Date.now();
  const longLat = await Promise.all(
    longStarted.map(async (s) => {
      const [row] = await poller.wait([s.row.id], { checkIntervalS: 30 });
      return Date.now() - (outcomeOf(row!) as { endMs: number }).endMs;
    }),
  );
  console.log(`  2 jobs of 20 s, check_interval 30 s: latency ${longLat.map(f).join(' s, ')} s; ${poller.pollsRun - pollsBefore} polls in ${((Date.now() - tl) / 1000).toFixed(1)} s`);
} finally {
  // Every job of this run: cancelled by id if still live (after a failure), then its dirs removed.
  const mine = ctx.store.list({ system: 'slurm_ssh' });
  await cancelJobs(ctx, mine.filter((r) => LIVE_STATES.includes(r.state)));
  await cleanJobs(ctx, ctx.store.list({ system: 'slurm_ssh' }));
  await ctx.close();
}
