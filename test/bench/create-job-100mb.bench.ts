// Benchmark: creating a job whose argument is 100 MB (a Float64Array of 12.5 M values; a 100 MB Buffer) on the `local`
// system, against a raw sha256 of the same 100 MB in the same run (target: creation ≤ 2× raw sha256).
// Creation = RemoteJob.create (encode, bundle, cache key) + writing the stage dir (the "stage dirs written and claimed"
// step of start(), read from its XPR_TIMING trace); submission and the run of the job that follow are not timed.
// Codec format 2: the argument is hashed as its raw bytes and written as a container of raw blobs (no base64), so
// creation is about one sha256 pass plus one write of the 100 MB.
// Run: node --import tsx test/bench/create-job-100mb.bench.ts [reps=3]
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteJob, prepareJob } from '../../src/job/index.ts';
import { envReport } from '../fixtures/ops/basic.ts';
import { makeProject } from '../helpers/project.ts';

const reps = Number(process.argv[2] ?? 3);
const MB = 1 << 20;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Median ms of `run` over `reps` runs after one warm-up run.
function timeSync(run: () => unknown): number {
  run();
  return median(Array.from({ length: reps }, () => {
    const t0 = performance.now();
    run();
    return performance.now() - t0;
  }));
}

interface Creation {
  prepareMs: number;
  writeMs: number;
}

// One job creation in a fresh project (so nothing is reused): RemoteJob.create, then start() on `local`, of which only
// the stage-dir step is counted; the job is then waited for (untimed) so it does not run during the next measurement.
async function createOnce(arg: unknown): Promise<Creation> {
  const p = makeProject(undefined, { XPR_TIMING: '1' });
  const ctx = p.context();
  try {
    const t0 = performance.now();
    const job = await RemoteJob.create({ op: envReport, args: [arg] as never, name: 'big' }, ctx);
    const prepareMs = performance.now() - t0;
    await job.start({ system: 'local', resources: { num_cores: 1, max_time: '10m' }, partialNode: true });
    const lap = p.logLines.map((l) => /stage dirs written and claimed \+([\d.]+) s/.exec(l)).find((m) => m !== null);
    if (!lap) throw new Error(`no timing line for the stage dir in:\n${p.logLines.join('')}`);
    await job.result({ timeoutS: 600 });
    return { prepareMs, writeMs: Number(lap[1]) * 1000 };
  } finally {
    await ctx.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
}

async function timeCreation(arg: unknown): Promise<Creation & { totalMs: number }> {
  await createOnce(arg);
  const runs: Creation[] = [];
  for (let i = 0; i < reps; i++) runs.push(await createOnce(arg));
  const totals = runs.map((r) => r.prepareMs + r.writeMs);
  return { prepareMs: median(runs.map((r) => r.prepareMs)), writeMs: median(runs.map((r) => r.writeMs)), totalMs: median(totals) };
}

const scratchDir = mkdtempSync(join(tmpdir(), 'xpr-bench-'));

async function main(): Promise<void> {
  const floats = new Float64Array(12_500_000);
  for (let i = 0; i < floats.length; i++) floats[i] = Math.sin(i) * 1000;
  const bytes = Buffer.alloc(100 * MB);
  for (let i = 0; i < bytes.length; i += 4096) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  // Bundling the op is a fixed cost, shared by every job of a process; it is measured with an empty argument list.
  await prepareJob({ op: envReport });
  const empty = await timeCreation([]);
  console.log(`job creation on 'local' with a 100 MB argument vs raw sha256 of the same 100 MB (median of ${reps} runs, after a warm-up):`);
  console.log(`  fixed cost (no argument): create ${empty.prepareMs.toFixed(1)} ms + stage dir ${empty.writeMs.toFixed(1)} ms`);
  for (const [name, value, raw] of [
    ['Float64Array(12.5e6)', floats, Buffer.from(floats.buffer)],
    ['Buffer(100 MB)', bytes, bytes],
  ] as const) {
    const rawMs = timeSync(() => createHash('sha256').update(raw).digest('hex'));
    // Floors, for what limits the ratio: hashing then writing the raw bytes (what format 2 does, with no encoding at
    // all), and hashing then writing their base64 text (what format 1 stored and hashed), from memory already made.
    const file = join(scratchDir, 'floor');
    const rawFloorMs = timeSync(() => {
      createHash('sha256').update(raw).digest('hex');
      writeFileSync(file, raw);
    });
    const base64 = Buffer.from(raw.toString('base64'), 'latin1');
    const textFloorMs = timeSync(() => {
      createHash('sha256').update(base64).digest('hex');
      writeFileSync(file, base64);
    });
    const c = await timeCreation(value);
    const ratio = (ms: number): string => `${(ms / rawMs).toFixed(2)}x`;
    console.log(
      `  ${name.padEnd(20)} raw sha256 ${rawMs.toFixed(1)} ms; creation ${c.totalMs.toFixed(1)} ms = ${ratio(c.totalMs)} ` +
        `(create ${c.prepareMs.toFixed(1)} + stage dir ${c.writeMs.toFixed(1)}); beyond the fixed cost ${ratio(c.totalMs - empty.totalMs)}  [target <= 2x]`,
    );
    console.log(
      `  ${''.padEnd(20)} floors: sha256 + write of the raw bytes ${rawFloorMs.toFixed(1)} ms = ${ratio(rawFloorMs)}; ` +
        `sha256 + write of their base64 text (format 1) ${textFloorMs.toFixed(1)} ms = ${ratio(textFloorMs)}`,
    );
  }
}

try {
  await main();
} finally {
  rmSync(scratchDir, { recursive: true, force: true });
}
