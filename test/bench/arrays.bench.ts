// Benchmark: one autoparallelize call of 10 000 tiny items via ssh into Slurm, its chunks submitted as job arrays vs
// as separate jobs, in the same run (fresh project each, so nothing is cached). Reports submit time, total time,
// remote commands and queue submissions. Needs the test cluster: `bash test/cluster/up.sh && . /tmp/xpr-cluster/env.sh`,
//   node --import tsx test/bench/arrays.bench.ts [items=10000] [items per job=100]
// Order ABBA (separate, arrays, arrays, separate) after an untimed warm-up, since the queue is shared with other runs.
import { autoparallelize } from '../../src/index.ts';
import { double } from '../fixtures/autopara/ops.ts';
import { clusterProject, benchCluster } from '../helpers/cluster.ts';

const ITEMS = Number(process.argv[2] ?? 10_000);
const PER_JOB = Number(process.argv[3] ?? 100);
const cluster = benchCluster();
const items = Array.from({ length: ITEMS }, (_, i) => i);

interface Run { submitS: number; totalS: number; jobs: number; submissions: number; commandsToSubmit: number; commandsTotal: number; polls: number }

async function run(jobArray: boolean, n = ITEMS): Promise<Run> {
  const p = clusterProject(cluster);
  const ctx = p.context();
  try {
    const remoteInfo = {
      sys_name: 'slurm_ssh', job_name: jobArray ? 'bench_arr' : 'bench_sep', resources: { num_cores: 1, max_time: '10m' }, partial_node: true,
      num_inputs_per_queued_job: PER_JOB, check_interval: 10, timeout: 3600, job_array: jobArray,
    };
    const t0 = performance.now();
    const handle = await autoparallelize(double, items.slice(0, n), { context: ctx, remoteInfo, wait: false, progress: 'silent' });
    const submitS = (performance.now() - t0) / 1000;
    const commandsToSubmit = ctx.transportStats().slurm_ssh!.commandsRun;
    const out = await handle.collect({ progress: 'silent' });
    const totalS = (performance.now() - t0) / 1000;
    if (out.failures.length || out.some((v, i) => v !== 2 * i)) throw new Error(`wrong results (${out.failures.length} failures)`);
    const rows = ctx.store.list();
    // Queue submissions: one per array (its tasks share the array id), one per plain job.
    const submissions = new Set(rows.map((r) => (jobArray ? (r.schedulerId ?? '').replace(/_\d+$/, '') : r.schedulerId))).size;
    const poller = await ctx.poller('slurm_ssh');
    return { submitS, totalS, jobs: rows.length, submissions, commandsToSubmit, commandsTotal: ctx.transportStats().slurm_ssh!.commandsRun, polls: poller.pollsRun };
  } finally {
    await ctx.close();
  }
}

// Untimed warm-up: bundling the op and the runner, first connections.
await run(false, 2 * PER_JOB);
await run(true, 2 * PER_JOB);
const runs = { separate: [] as Run[], arrays: [] as Run[] };
for (const jobArray of [false, true, true, false]) runs[jobArray ? 'arrays' : 'separate'].push(await run(jobArray));
const mean = (rs: Run[], k: 'submitS' | 'totalS'): number => rs.reduce((a, r) => a + r[k], 0) / rs.length;
const f = (v: number): string => v.toFixed(2);
const line = (label: string, r: Run): string =>
  `  ${label} submit ${f(r.submitS)} s, total ${f(r.totalS)} s; ${r.jobs} jobs in ${r.submissions} queue submission(s); ` +
  `remote commands: ${r.commandsToSubmit} to submit, ${r.commandsTotal} in all (${r.polls} polls)`;
console.log(`\n${ITEMS} tiny items, ${PER_JOB} per job, one autoparallelize call via ssh -> Slurm, same run:`);
for (const r of runs.separate) console.log(line('separate jobs:', r));
for (const r of runs.arrays) console.log(line('job arrays:   ', r));
console.log(`  mean ratio arrays / separate: submit ${f(mean(runs.arrays, 'submitS') / mean(runs.separate, 'submitS'))}x, ` +
  `total ${f(mean(runs.arrays, 'totalS') / mean(runs.separate, 'totalS'))}x`);
