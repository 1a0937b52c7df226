// Benchmark: rerunning a fully cached 10 000-item autoparallelize call (remote path, local queue) in a new process,
// against a process that only starts and imports xpr, in the same run. Reported: wall time of each process and the
// work beyond process start; with and without an outputs file. Run: node --import tsx test/bench/cached-rerun.bench.ts
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { makeProject } from '../helpers/project.ts';

const p = makeProject({ systems: { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } } });
const tsx = import.meta.resolve('tsx');
const script = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const run = (name: string, args: string[] = []): { wallMs: number; out: Record<string, number | boolean> } => {
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, ['--import', tsx, script(name), ...args], { cwd: p.dir, env: p.env, encoding: 'utf8' });
  return { wallMs: performance.now() - t0, out: JSON.parse(stdout.trim().split('\n').pop()!) };
};
const outputs = join(p.dir, 'results.jsonl');
const first = run('rerun-script.ts', [outputs]);
const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = Array.from({ length: 3 }, () => run('baseline-script.ts'));
const cached = Array.from({ length: 3 }, () => run('rerun-script.ts'));
const skipped = Array.from({ length: 3 }, () => run('rerun-script.ts', [outputs]));
const f = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const baseWall = median(base.map((b) => b.wallMs));
console.log(`10 000 items, 1000 per job, local queue (median of 3 runs each):`);
console.log(`  first run (computes, 10 jobs):            wall ${f(first.wallMs)}, jobs in store ${first.out.jobs}, correct ${first.out.ok}`);
console.log(`  baseline: start + import xpr only:        wall ${f(baseWall)}`);
for (const [label, rs] of [['rerun, item cache (no outputs file):', cached], ['rerun, outputs file matches:        ', skipped]] as const) {
  const wall = median(rs.map((r) => r.wallMs));
  const call = median(rs.map((r) => r.out.callMs as number));
  console.log(`  ${label}     wall ${f(wall)} = baseline + ${f(wall - baseWall)}; the call itself ${f(call)}; jobs in store ${rs[0]!.out.jobs}; correct ${rs.every((r) => r.out.ok)}`);
}
