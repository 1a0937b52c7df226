// Benchmark: remote commands per poll with N live jobs (default 1000) via ssh into Slurm. The jobs are submitted held
// (`#SBATCH --hold`: pending, never run), awaited by 10 callers of N/10 jobs each for a while, then cancelled by id and
// their dirs removed. Compared in the same run with one status command per job (what per-job polling costs).
// Needs the test cluster: `bash test/cluster/up.sh && . /tmp/xpr-cluster/env.sh`, then
//   node --import tsx test/bench/poll-commands.bench.ts [N=1000]
import { prepareJob, startJobs, cancelJobs, cleanJobs, JobWaitTimeoutError } from '../../src/job/index.ts';
import { pollJobs } from '../../src/system/system-ops.ts';
import { quoteArgv } from '../../src/transport/quote.ts';
import { add } from '../fixtures/ops/basic.ts';
import { clusterProject, benchCluster } from '../helpers/cluster.ts';

const N = Number(process.argv[2] ?? 1000);
const CALLERS = 10;
const WAIT_S = 15;
const cluster = benchCluster();

const p = clusterProject(cluster);
const ctx = p.context();
const f = (v: number, d = 2): string => v.toFixed(d);
try {
  const t0 = performance.now();
  const salt = Date.now();
  const prepared = await Promise.all(Array.from({ length: N }, (_, k) => prepareJob({ op: add, args: [k, salt], name: 'pollbench', cwd: p.dir })));
  const started = await startJobs(ctx, prepared, {
    system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true, headerExtra: ['#SBATCH --hold'],
  });
  const submitS = (performance.now() - t0) / 1000;
  const ids = started.map((s) => s.row.id);
  const live = ctx.store.list({ ids }).filter((r) => r.schedulerId !== null);
  const session = await ctx.session('slurm_ssh');
  const inQueue = await session.transport.exec(['bash', '-c', `squeue -h -t PENDING -o %i -j ${quoteArgv([live.map((r) => r.schedulerId).join(',')])} | wc -l`], { idempotent: true });
  console.log(`\n${N} jobs submitted held in ${f(submitS, 1)} s; ${inQueue.stdout.toString().trim()} pending in squeue`);

  const poller = await ctx.poller('slurm_ssh');
  const before = ctx.transportStats().slurm_ssh!.commandsRun;
  const pollsBefore = poller.pollsRun;
  const tw = performance.now();
  const per = Math.ceil(N / CALLERS);
  await Promise.all(
    Array.from({ length: CALLERS }, (_, c) =>
      poller.wait(ids.slice(c * per, (c + 1) * per), { timeoutS: WAIT_S, checkIntervalS: 3 }).catch((err: unknown) => {
        if (!(err instanceof JobWaitTimeoutError)) throw err;
      }),
    ),
  );
  const waitS = (performance.now() - tw) / 1000;
  // A poll still in flight when the waits timed out (it may be waiting on the system for up to check_interval) ends
  // on its own: let it, so it is counted on both sides.
  for (let k = 0; k < 20 && ctx.transportStats().slurm_ssh!.commandsRun - before > poller.pollsRun - pollsBefore; k++) {
    await new Promise((r) => setTimeout(r, 500));
  }
  const polls = poller.pollsRun - pollsBefore;
  const commands = ctx.transportStats().slurm_ssh!.commandsRun - before;

  // One poll of all N, timed on its own; and the per-job alternative: N status commands of one job each (sampled).
  const rows = ctx.store.list({ ids }).map((r) => ({ id: r.id, schedulerId: r.schedulerId }));
  let t = performance.now();
  await pollJobs(session, rows);
  const pollAllS = (performance.now() - t) / 1000;
  const SAMPLE = 20;
  t = performance.now();
  for (const r of rows.slice(0, SAMPLE)) await pollJobs(session, [r]);
  const perJobS = ((performance.now() - t) / 1000 / SAMPLE) * N;

  console.log(`${CALLERS} callers waiting for ${per} jobs each, ${f(waitS, 1)} s, check_interval 3 s:`);
  console.log(`  polls ${polls}, remote commands ${commands}: ${f(commands / Math.max(1, polls))} commands per poll for ${N} live jobs (target 1 per system)`);
  console.log(`  one poll of all ${N} jobs: ${f(pollAllS)} s; one status command per job instead: ~${f(perJobS, 1)} s per round and ${N} commands (${f(perJobS / pollAllS, 0)}x slower)`);
} finally {
  // Every job this run submitted is cancelled by its id, then its dirs removed.
  const mine = ctx.store.list({ system: 'slurm_ssh' });
  const t = performance.now();
  await cancelJobs(ctx, mine.filter((r) => r.schedulerId !== null || r.state === 'staged'));
  await cleanJobs(ctx, ctx.store.list({ system: 'slurm_ssh' }));
  console.log(`  cleanup: ${mine.length} jobs cancelled by id and removed in ${f((performance.now() - t) / 1000, 1)} s`);
  await ctx.close();
}
