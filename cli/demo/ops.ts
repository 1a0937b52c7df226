// Ops used by `xpr demo` (and the README): small, deterministic, CPU-bound functions.
// Each is a named export, which is what makes it shippable to a job.

// Estimate pi from `samples` points of a seeded pseudo-random sequence (same seed, same answer).
export function estimatePi(samples: number, seed: number): { seed: number; samples: number; pi: number; host: string } {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = next();
    const y = next();
    if (x * x + y * y <= 1) inside++;
  }
  return { seed, samples, pi: (4 * inside) / samples, host: process.env.HOSTNAME ?? 'this machine' };
}

// The op form autoparallelize uses: a batch of items in, one result per item out.
export function squareAll(items: number[]): number[] {
  return items.map((x) => x * x);
}

// The batch form autoparallelize calls: one pi estimate per seed.
export function estimatePiBatch(seeds: number[], samples: number): Array<ReturnType<typeof estimatePi>> {
  return seeds.map((seed) => estimatePi(samples, seed));
}
