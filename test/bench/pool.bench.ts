// Benchmark: local pool overhead per tiny item against a plain sequential loop over the same op, in one run.
// Run: node --import tsx test/bench/pool.bench.ts   (10 000 items; batch sizes 1 and 100; in-thread and 2 workers)
// Also times worker start with esbuild-bundled .mjs worker and op files (as in a job), where workers need no tsx.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runPool } from '../../src/pool/pool.ts';
import { identity } from '../fixtures/autopara/ops.ts';

const codeFile = fileURLToPath(new URL('../fixtures/autopara/ops.ts', import.meta.url));
const count = 10_000;
const items = Array.from({ length: count }, (_, i) => ({ i, x: i * 0.5 }));
const reps = 5;

// Median wall time in ms over `reps` runs, after one warm-up run.
async function time(run: () => unknown): Promise<number> {
  await run();
  const times: number[] = [];
  for (let k = 0; k < reps; k++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function sequential(batchSize: number): unknown[] {
  const out: unknown[] = [];
  for (let first = 0; first < items.length; first += batchSize) out.push(...identity(items.slice(first, first + batchSize)));
  return out;
}

// Steady-state time per item of the last run: from the first finished batch to the last one (excludes worker start).
let steadyUsPerItem = 0;
const pool = async (batchSize: number, numWorkers: number, list: unknown[] = items) => {
  let first = 0;
  let last = 0;
  let done = 0;
  const result = await runPool({
    codeFile, exportName: 'identity', items: list, batchSize, numWorkers, extraArgs: [],
    onBatchDone: (_i, outcomes) => {
      const now = performance.now();
      if (first === 0) { first = now; done = 0; } else done += outcomes.length;
      last = now;
    },
  });
  steadyUsPerItem = done > 0 ? ((last - first) * 1000) / done : 0;
  return result;
};

const rows: string[][] = [];
const startup = await time(() => pool(1, 2, items.slice(0, 2)));
rows.push(['pool start (2 workers, 2 items), .ts under tsx', startup.toFixed(1), '', '', '']);
const bundleDir = mkdtempSync(join(tmpdir(), 'xpr-pool-bench-'));
try {
  const opts = { bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' } as const;
  await build({ ...opts, entryPoints: [fileURLToPath(new URL('../../src/pool/pool-worker.ts', import.meta.url))], outfile: join(bundleDir, 'worker.mjs') });
  await build({ ...opts, entryPoints: [codeFile], outfile: join(bundleDir, 'ops.mjs') });
  const bundled = await time(() => runPool({
    codeFile: join(bundleDir, 'ops.mjs'), exportName: 'identity', items: items.slice(0, 2), batchSize: 1, numWorkers: 2, extraArgs: [],
    workerScript: join(bundleDir, 'worker.mjs'),
  }));
  rows.push(['pool start (2 workers, 2 items), bundled .mjs', bundled.toFixed(1), '', '', '']);
} finally {
  rmSync(bundleDir, { recursive: true, force: true });
}
for (const batchSize of [1, 100]) {
  const base = await time(() => sequential(batchSize));
  rows.push([`sequential loop, batch ${batchSize}`, base.toFixed(2), '1', '', '']);
  for (const numWorkers of [1, 2]) {
    const steady: number[] = [];
    const ms = await time(async () => { await pool(batchSize, numWorkers); steady.push(steadyUsPerItem); });
    steady.sort((a, b) => a - b);
    rows.push([
      `runPool, batch ${batchSize}, ${numWorkers === 1 ? 'in-thread' : '2 workers'}`,
      ms.toFixed(1),
      (ms / base).toFixed(0),
      ((ms - base) * 1000 / count).toFixed(2),
      steady[Math.floor(steady.length / 2)]!.toFixed(2),
    ]);
  }
}
const header = ['case', 'median ms', 'x sequential', 'overhead us/item', 'steady us/item'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
console.log(`${count} items of {i, x}, op = identity, median of ${reps} after a warm-up, node ${process.version}`);
console.log('steady = first to last finished batch, per item (worker start excluded)');
console.log(line(header));
for (const r of rows) console.log(line(r));
