// Benchmark: the cost of durable commits. Claims per second with synchronous=FULL (the store's setting: a committed
// claim survives an OS crash) against NORMAL (the former setting), in the same run, on the same filesystem.
// Run: node --import tsx test/bench/store-sync.bench.ts [claims per round, default 2000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../src/store/index.ts';

const n = Number(process.argv[2] ?? 2000);
const rounds = 3;

function claimsPerSecond(synchronous: 'FULL' | 'NORMAL', round: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-bench-sync-'));
  const store = JobStore.open(dir, { synchronous });
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    store.claim({
      id: `j${round}_${i}`, cacheKey: `k${round}_${i}`, name: `job_${i}`, system: 'local', stageDir: `/s/${i}`, runDir: `/r/${i}`,
      outputDir: '/o', envHash: 'e', details: {},
    });
  }
  const rate = n / ((performance.now() - start) / 1000);
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const full: number[] = [];
const normal: number[] = [];
for (let r = 0; r < rounds; r++) { // interleaved, so load changes hit both alike
  normal.push(claimsPerSecond('NORMAL', r));
  full.push(claimsPerSecond('FULL', r));
}
const [f, nm] = [median(full), median(normal)];
console.log(`store claims/s (${n} claims x ${rounds} rounds, ${tmpdir()}): NORMAL ${nm.toFixed(0)}, FULL ${f.toFixed(0)}; FULL/NORMAL = ${(f / nm).toFixed(2)}`);
