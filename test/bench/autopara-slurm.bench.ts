// Benchmark: the user's path — N one-item jobs through autoparallelize routed by WFL_EXPYRE_INFO over ssh into Slurm —
// against the raw loop of N `sbatch --wrap true` in one ssh session, same run, order ABBA. Also the job-side overhead:
// job start (a pre_cmd's timestamp) to the op's first line, against a bare `node -e` start on the node.
// Needs the test cluster (. /tmp/xpr-cluster/env.sh):  node --import tsx test/bench/autopara-slurm.bench.ts [N=40] [--xpr-only]
import { randomUUID } from 'node:crypto';
import { autoparallelize } from '../../src/index.ts';
import { clusterProject, benchCluster } from '../helpers/cluster.ts';
import { rawSbatchLoop, bareNodeStartMs, loadavg } from './fixtures/raw-sbatch.ts';
import { sinceJobStart } from './fixtures/stamp-op.ts';

const N = Number(process.argv[2] ?? 40);
const cluster = benchCluster();

async function viaAutopara(): Promise<{ totalS: number; submitS: number; commands: number; connections: number; polls: number; sideMs: number[] }> {
  const p = clusterProject(cluster);
  const info = {
    sys_name: 'slurm_ssh', job_name: 'bench', resources: { num_cores: 1, max_time: '10m' }, partial_node: true,
    num_inputs_per_queued_job: 1, check_interval: 10, pre_cmds: ['export XPR_BENCH_T0=$(date +%s%N)'],
    // as wfl configs do: one worker per core of the job (2 here), which a one-item chunk must not start
    env_vars: ['WFL_NUM_PYTHON_SUBPROCESSES=2'],
  };
  const ctx = p.context({ WFL_EXPYRE_INFO: JSON.stringify({ 'autopara-slurm.bench.ts::viaAutopara': info }) });
  try {
    const salt = randomUUID();
    const items = Array.from({ length: N }, (_, k) => ({ k, salt }));
    const t0 = performance.now();
    const handle = await autoparallelize(sinceJobStart, items, { context: ctx, wait: false, progress: 'silent' });
    const submitS = (performance.now() - t0) / 1000;
    const results = await handle.collect({ progress: 'silent' });
    const totalS = (performance.now() - t0) / 1000;
    const s = ctx.transportStats().slurm_ssh!;
    if (results.failures.length || results.length !== N) throw new Error(`${results.failures.length} of ${N} items failed`);
    if (process.env.XPR_TIMING === '1') process.stderr.write(p.logLines.filter((l) => l.includes('timing:')).join(''));
    return { totalS, submitS, commands: s.commandsRun, connections: s.connectionsOpened, polls: (await ctx.poller('slurm_ssh')).pollsRun, sideMs: results as number[] };
  } finally {
    await ctx.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (v: number): string => v.toFixed(2);
if (process.argv[3] === '--xpr-only') {
  // One xpr run alone, e.g. with XPR_TIMING=1 to see where its submit time goes.
  const b = await viaAutopara();
  console.log(`xpr: total ${f(b.totalS)} s, all submitted after ${f(b.submitS)} s, ${b.commands} remote commands`);
  process.exit(0);
}
const load0 = loadavg();
const a1 = await rawSbatchLoop(cluster, N);
const b1 = await viaAutopara();
const b2 = await viaAutopara();
const a2 = await rawSbatchLoop(cluster, N);
// A floor, not the target's baseline: the same raw loop whose jobs each start a bare Node (what any Node job pays).
const c1 = await rawSbatchLoop(cluster, N, undefined, 'node -e 0');
const bareMs = await bareNodeStartMs(cluster);
const sideMs = median([...b1.sideMs, ...b2.sideMs]);
const raw = (a1.totalS + a2.totalS) / 2;
const xpr = (b1.totalS + b2.totalS) / 2;
console.log(`\n${N} one-item jobs, autoparallelize + WFL_EXPYRE_INFO, ssh -> Slurm, order ABBA (loadavg ${load0} at start, ${loadavg()} at end):`);
console.log(`  raw sbatch loop (A):  total ${f(a1.totalS)} s, ${f(a2.totalS)} s (submitting ${f(a1.submitS)} s, ${f(a2.submitS)} s)`);
console.log(`  xpr autoparallelize:  total ${f(b1.totalS)} s, ${f(b2.totalS)} s (all submitted after ${f(b1.submitS)} s, ${f(b2.submitS)} s)`);
console.log(`  ratio xpr / raw:      ${f(xpr / raw)}x`);
console.log(`  floor: raw loop of \`sbatch --wrap 'node -e 0'\`: total ${f(c1.totalS)} s (${f(c1.totalS / raw)}x the raw loop; xpr is ${f(xpr / c1.totalS)}x this floor)`);
console.log(`  remote commands:      ${b1.commands}, ${b2.commands} in ${b1.connections}, ${b2.connections} SSH connection(s); polls ${b1.polls}, ${b2.polls}`);
console.log(`  job side: job start -> op's first line, median ${sideMs.toFixed(0)} ms (max ${Math.max(...b1.sideMs, ...b2.sideMs).toFixed(0)} ms) vs bare node start -> first line ${bareMs} ms = ${(sideMs / bareMs).toFixed(2)}x`);
