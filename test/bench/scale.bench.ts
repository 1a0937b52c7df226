// Benchmark: how the driver's cost grows with the work. For 10^4, 10^5 (and 10^6: XPR_BENCH_SCALE_MAX=1e6) tiny items
// on the `local` queue, 10 jobs each: time and peak RSS of plan+submit, collectCall (first: waits and harvests; then
// from the store), a fully cached rerun; store size on disk; and `xpr ls` / `xpr ls --json` on stores of 10^4 and
// 10^5 jobs made through the store API (beside `node -e 0` and `xpr --version` of the same run). Ratios of consecutive sizes show the growth (10x work = 10x is linear).
//   node --import tsx test/bench/scale.bench.ts [max items, default 1e5]
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { makeProject } from '../helpers/project.ts';
import { JobStore, STORE_FILE } from '../../src/store/index.ts';

const max = Number(process.argv[2] ?? process.env.XPR_BENCH_SCALE_MAX ?? 1e5);
const sizes = [1e4, 1e5, 1e6].filter((n) => n <= max);
const tsx = import.meta.resolve('tsx');
const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const du = (dir: string): number => Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) / 1024;

type Step = { ms: number; rssMB: number; wallMs: number; [k: string]: unknown };
function step(p: { dir: string; env: NodeJS.ProcessEnv }, args: string[]): Step {
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, ['--import', tsx, here('./fixtures/scale-script.ts'), ...args], { cwd: p.dir, env: p.env, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { ...JSON.parse(stdout.trim().split('\n').pop()!), wallMs: performance.now() - t0 };
}

const rows: Array<Record<string, number>> = [];
for (const n of sizes) {
  const p = makeProject({ systems: { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } } });
  const perJob = n / 10;
  const submit = step(p, ['submit', String(n), String(perJob)]);
  const harvest = step(p, ['collect', String(submit.callKey)]);
  const collect = step(p, ['collect', String(submit.callKey)]);
  const rerun = step(p, ['rerun', String(n), String(perJob)]);
  if (!harvest.ok || !collect.ok || !rerun.ok) throw new Error(`wrong results at n=${n}`);
  rows.push({
    n, submitMs: submit.ms, submitMB: submit.rssMB, harvestMs: harvest.ms, collectMs: collect.ms, collectMB: collect.rssMB,
    rerunMs: rerun.ms, rerunCpuMs: rerun.cpuMs as number, submitCpuMs: submit.cpuMs as number, collectCpuMs: collect.cpuMs as number, rerunWallMs: rerun.wallMs, rerunMB: rerun.rssMB,
    storeMB: statSync(join(p.root, STORE_FILE)).size / 2 ** 20, rootMB: du(p.root),
  });
  console.error(`n=${n} done (loadavg ${loadavg()})`);
}

// `xpr ls` on stores of 10^4 and 10^5 ended jobs, rows written straight through the store API.
const lsRows: Array<Record<string, number>> = [];
for (const jobs of [1e4, 1e5]) {
  const p = makeProject({});
  const store = JobStore.open(p.root);
  for (let k = 0; k < jobs; k++) {
    const id = `scale_chunk_${k}_${String(k).padStart(12, '0')}_abcd`;
    store.claim({ id, cacheKey: `key${k}`, name: `scale_chunk_${k}`, system: 'q', stageDir: `/tmp/x/${id}`, runDir: `/tmp/r/${id}`, outputDir: p.dir, envHash: 'e', details: { fit: { partition: 'node', numCores: 1 } } });
  }
  store.close();
  const cli = here('../../cli/xpr.mjs');
  const time = (args: string[]): { ms: number; lines: number } => {
    const t0 = performance.now();
    const out = execFileSync(process.execPath, [cli, ...args], { cwd: p.dir, env: { ...p.env, NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 1 << 30 });
    return { ms: performance.now() - t0, lines: out.split('\n').length - 1 };
  };
  const nodeStart = (): number => {
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    return performance.now() - t0;
  };
  const node0 = nodeStart();
  const baseline = time(['--version']);
  const table = time(['ls']);
  const json = time(['ls', '--json']);
  lsRows.push({ jobs, nodeMs: Math.min(node0, nodeStart()), baseMs: baseline.ms, lsMs: table.ms, lsLines: table.lines, jsonMs: json.ms, jsonLines: json.lines });
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (x: number): string => `${x.toFixed(0)} MB`;
const ratio = (k: number, key: string): string => (k === 0 ? '' : ` (${(rows[k]![key]! / rows[k - 1]![key]!).toFixed(1)}x)`);
console.log(`\nscale, local queue, 10 jobs per call, batch 1000 (loadavg ${loadavg()}); (Nx) = ratio to the previous size`);
rows.forEach((r, k) => {
  console.log(`  ${r.n!.toExponential(0)} items: plan+submit ${s(r.submitMs!)}${ratio(k, 'submitMs')} cpu ${s(r.submitCpuMs!)}${ratio(k, 'submitCpuMs')} ${mb(r.submitMB!)}${ratio(k, 'submitMB')}; ` +
    `collectCall ${s(r.collectMs!)}${ratio(k, 'collectMs')} cpu ${s(r.collectCpuMs!)}${ratio(k, 'collectCpuMs')} ${mb(r.collectMB!)}${ratio(k, 'collectMB')} (first, waiting for the jobs: ${s(r.harvestMs!)}); ` +
    `cached rerun ${s(r.rerunMs!)}${ratio(k, 'rerunMs')} cpu ${s(r.rerunCpuMs!)}${ratio(k, 'rerunCpuMs')} (process wall ${s(r.rerunWallMs!)}) ${mb(r.rerunMB!)}${ratio(k, 'rerunMB')}; ` +
    `store ${mb(r.storeMB!)}${ratio(k, 'storeMB')}, project dir ${mb(r.rootMB!)}`);
});
lsRows.forEach((r, k) => {
  const g = (key: string): string => (k === 0 ? '' : ` (${(r[key]! / lsRows[k - 1]![key]!).toFixed(1)}x)`);
  console.log(`  xpr ls on ${r.jobs} jobs: ${s(r.lsMs!)}${g('lsMs')} = ${(r.lsMs! / r.nodeMs!).toFixed(1)}x node -e 0, ${r.lsLines} lines; --json ${s(r.jsonMs!)}${g('jsonMs')}, ${r.jsonLines} lines; (xpr --version: ${s(r.baseMs!)}, node -e 0: ${s(r.nodeMs!)})`);
});
