// Benchmark: start-up of the installed `xpr` command. `xpr ls` on a project whose store holds 1000 jobs, run as the
// compiled CLI (dist/cli/bin.js, what `npm install` puts on the PATH), against `node -e 0` measured in the same run.
// Target: ratio <= 3. Run: npm run build && node --import tsx test/bench/cli-start.bench.ts
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JobStore } from '../../src/store/index.ts';
import { makeProject } from '../helpers/project.ts';

const bin = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
if (!existsSync(bin)) {
  console.error('dist/cli/bin.js is missing: run `npm run build` first');
  process.exit(2);
}
const p = makeProject();
const store = JobStore.open(p.root);
for (let i = 0; i < 1000; i++) {
  const id = `bench-${String(i).padStart(4, '0')}`;
  store.claim({ id, cacheKey: `k${i}`, name: `job${i % 7}`, system: 'local', stageDir: `/s/${id}`, runDir: `/r/${id}`, outputDir: '/o', envHash: 'e', details: {} });
}
store.close();

const reps = Number(process.argv[2] ?? 7);
const wall = (argv: string[]): number => {
  const t0 = performance.now();
  execFileSync(process.execPath, argv, { cwd: p.dir, env: p.env, stdio: 'ignore' });
  return performance.now() - t0;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// Interleaved, so a load change on the machine hits both alike.
const base: number[] = [];
const ls: number[] = [];
wall([bin, 'ls']); // warm the file cache
for (let i = 0; i < reps; i++) {
  base.push(wall(['-e', '0']));
  ls.push(wall([bin, 'ls']));
}
const b = median(base);
const l = median(ls);
console.log(`xpr ls on a 1000-job store (median of ${reps}): ${l.toFixed(0)} ms; node -e 0: ${b.toFixed(0)} ms; ratio ${(l / b).toFixed(2)} (target <= 3)`);
