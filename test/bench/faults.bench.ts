// Fault benchmark: many trials of a 50-job run via ssh into Slurm whose driver is SIGKILLed at random moments (1-3
// times, then run to the end), and of a kill inside the sbatch -> id-file window. Counts, per trial and in total,
// Slurm's own submissions per job (duplicates, never submitted) and wrong or missing results.
// Needs the test cluster: `. /tmp/xpr-cluster/env.sh`, then
//   node --import tsx test/bench/faults.bench.ts [minutes=10 (or XPR_BENCH_FAULT_MINUTES)] [jobs=50]
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterProject, benchCluster } from '../helpers/cluster.ts';
import {
  killAndRerun, startDriver, parseOutput, wrongOrMissing, slurmSubmissions, countSubmissions, newTag, sleep, sbatchWrapper,
  partitions, type Outcome,
} from '../fixtures/faults/harness.ts';

const minutes = Number(process.argv[2] ?? process.env.XPR_BENCH_FAULT_MINUTES ?? 10);
const n = Number(process.argv[3] ?? 50);
const c = benchCluster();
const env = { XPR_DIED_GRACE_S: '20' };

// A kill moment: half while the driver starts jobs (claim, stage, submit), half while it polls and collects.
const killMoment = (): number => (Math.random() < 0.5 ? 1500 + Math.random() * 3500 : 5000 + Math.random() * 25_000);

interface TrialResult {
  kind: 'random' | 'window';
  kills: number;
  killTimesMs: number[];
  final: Outcome;
}

async function randomTrial(tag: string): Promise<TrialResult> {
  const p = clusterProject(c);
  const killAt = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, killMoment);
  const trial = await killAndRerun(p, ['slurm_ssh', tag, String(n), '0.5'], killAt, env);
  return { kind: 'random', kills: trial.kills, killTimesMs: trial.killTimesMs, final: trial.final };
}

// The driver is killed while 8 sbatch calls have been accepted but their id files are not written; one more random kill.
async function windowTrial(tag: string): Promise<TrialResult> {
  const hook = sbatchWrapper();
  const p = clusterProject(c, { slurm_hook: { host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', partitions, pre_submit_cmds: hook.preSubmit } });
  writeFileSync(join(hook.dir, 'hang'), '');
  const first = startDriver(p, ['slurm_hook', tag, String(n), '0.5'], env);
  const hung = (): string[] => readdirSync(hook.dir).filter((f) => f.startsWith('hung.'));
  for (let i = 0; i < 300 && hung().length < Math.min(8, n); i++) await sleep(100);
  first.child.kill('SIGKILL');
  await first.done;
  rmSync(join(hook.dir, 'hang'));
  for (const f of hung()) {
    try {
      process.kill(Number(f.slice(5)), 'SIGKILL'); // the wrapper's sleep, started by this trial
    } catch {
      // already gone
    }
  }
  const trial = await killAndRerun(p, ['slurm_hook', tag, String(n), '0.5'], [killMoment()], env);
  return { kind: 'window', kills: trial.kills + 1, killTimesMs: trial.killTimesMs, final: trial.final };
}

const deadline = Date.now() + minutes * 60_000;
const totals = { trials: 0, kills: 0, jobs: 0, submissions: 0, duplicates: 0, neverSubmitted: 0, wrongOrMissing: 0, byKind: { random: 0, window: 0 } };
console.log(`faults bench: ${n}-job runs via ssh into Slurm, driver SIGKILLed at random moments; ~${minutes} min`);
const t0 = Date.now();
for (let i = 0; Date.now() < deadline; i++) {
  const tag = newTag();
  const started = Date.now();
  const r = i % 4 === 3 ? await windowTrial(tag) : await randomTrial(tag);
  await sleep(1500); // slurmdbd catches up with the last records
  const counts = countSubmissions(slurmSubmissions(c, tag), n);
  const bad = wrongOrMissing(r.final, n);
  totals.trials++;
  totals.byKind[r.kind]++;
  totals.kills += r.kills;
  totals.jobs += n;
  totals.submissions += counts.submissions;
  totals.duplicates += counts.duplicates;
  totals.neverSubmitted += counts.neverSubmitted;
  totals.wrongOrMissing += bad.length;
  console.log(
    `trial ${i + 1} (${r.kind}, ${tag}): ${r.kills} kill(s)${r.kind === 'window' ? ' (one in the sbatch window)' : ''}, ` +
      `random ones at [${r.killTimesMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')}] s; ` +
      `submissions ${counts.submissions}/${n}, duplicates ${counts.duplicates}, never submitted ${counts.neverSubmitted}, ` +
      `wrong or missing results ${bad.length}${r.final.notOk.length ? ` (${r.final.notOk.slice(0, 3).join('; ')})` : ''}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
console.log(
  `TOTAL: ${totals.trials} trials (${totals.byKind.random} random-kill, ${totals.byKind.window} sbatch-window), ${totals.kills} SIGKILLs, ` +
    `${totals.jobs} jobs, ${totals.submissions} submissions in Slurm accounting: duplicates ${totals.duplicates}, ` +
    `never submitted ${totals.neverSubmitted}, wrong or missing results ${totals.wrongOrMissing}; ${((Date.now() - t0) / 60_000).toFixed(1)} min`,
);
process.exit(totals.duplicates + totals.neverSubmitted + totals.wrongOrMissing === 0 ? 0 : 1);
