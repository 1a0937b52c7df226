// Benchmark: the dashboard's /api/jobs on a 10 000-job store against `xpr ls --json` on the same store, in the same
// run. Both are real processes of the CLI: `xpr ls --json` timed from spawn to exit, /api/jobs timed per request to a
// running `xpr dashboard` (first request, then the median of 5). Target: /api/jobs under 5x `xpr ls --json`.
//   node --import tsx test/bench/dashboard.bench.ts [jobs=10000]
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JobStore } from '../../src/store/index.ts';
import type { JobState } from '../../src/store/index.ts';
import { makeProject } from '../helpers/project.ts';

const N = Number(process.argv[2] ?? 10_000);
const XPR = join(import.meta.dirname, '../../cli/xpr.mjs');
const run = promisify(execFile);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

// A store of N jobs in the states a long-lived project has: most ended, some live, each with its history.
const p = makeProject();
const t0 = performance.now();
const store = JobStore.open(p.root);
const paths: Record<string, JobState[]> = {
  succeeded: ['staged', 'submitted', 'queued', 'running', 'succeeded', 'processed'],
  failed: ['staged', 'submitted', 'running', 'failed'],
  died: ['staged', 'submitted', 'queued', 'died'],
  running: ['staged', 'submitted', 'queued', 'running'],
  queued: ['staged', 'submitted', 'queued'],
};
const kinds = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'died', 'running', 'queued'];
for (let i = 0; i < N; i++) {
  const id = `job${String(i).padStart(6, '0')}_bench`;
  store.claim({
    id, cacheKey: `k${i}`, name: `relax_${i % 37}`, system: i % 3 ? 'archer2' : 'local', stageDir: join(p.root, 'xpr-stage', id), runDir: `runs/${id}`,
    outputDir: p.dir, envHash: 'e', details: { mode: 'call', fit: { partition: 'standard', numCores: 128, maxTimeS: 3600 }, resources: { num_nodes: 1 } },
  });
  for (const s of paths[kinds[i % kinds.length]!]!) store.transition(id, s, { ...(s === 'submitted' ? { schedulerId: String(100000 + i) } : {}) });
}
store.close();
console.log(`store of ${N} jobs made in ${f(performance.now() - t0)}`);

// `xpr ls --json`, spawn to exit (3 runs).
const lsMs: number[] = [];
let lsLines = 0;
for (let k = 0; k < 3; k++) {
  const t = performance.now();
  const { stdout } = await run(process.execPath, [XPR, 'ls', '--json'], { cwd: p.dir, env: p.env, maxBuffer: 1 << 30 });
  lsMs.push(performance.now() - t);
  lsLines = stdout.trim().split('\n').length;
}

// `xpr dashboard`, then GET /api/jobs (first, then 5 more).
const dash = spawn(process.execPath, [XPR, 'dashboard'], { cwd: p.dir, env: p.env, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    dash.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
      if (m) resolve(m[0]);
    });
    dash.once('exit', (code) => reject(new Error(`xpr dashboard exited with ${code}: ${out}`)));
  });
  const api = url.replace('/?token=', '/api/jobs?token=');
  const get = async (): Promise<{ ms: number; jobs: number; bytes: number }> => {
    const t = performance.now();
    const r = await fetch(api);
    const text = await r.text();
    const ms = performance.now() - t;
    return { ms, jobs: (JSON.parse(text) as { jobs: unknown[] }).jobs.length, bytes: text.length };
  };
  const first = await get();
  const warm: number[] = [];
  for (let k = 0; k < 5; k++) warm.push((await get()).ms);
  const ls = median(lsMs);
  const apiMs = median(warm);
  console.log(`${N} jobs (${lsLines} lines from ls, ${first.jobs} jobs and ${(first.bytes / 2 ** 20).toFixed(1)} MiB from /api/jobs):`);
  console.log(`  xpr ls --json (process spawn to exit, median of 3): ${f(ls)}  [${lsMs.map(f).join(', ')}]`);
  console.log(`  GET /api/jobs, first request:                       ${f(first.ms)}  = ${(first.ms / ls).toFixed(2)}x ls`);
  console.log(`  GET /api/jobs, median of 5 more:                    ${f(apiMs)}  = ${(apiMs / ls).toFixed(2)}x ls (target < 5x)`);
  if (first.jobs !== N || lsLines !== N) {
    console.error(`FAIL: expected ${N} jobs from both`);
    process.exitCode = 1;
  } else if (Math.max(first.ms, apiMs) >= 5 * ls) {
    console.error('FAIL: /api/jobs took 5x `xpr ls --json` or more');
    process.exitCode = 1;
  }
} finally {
  dash.kill('SIGTERM');
}
