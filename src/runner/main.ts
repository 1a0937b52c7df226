// The program that runs inside a job on the compute node: decode inputs, run the op, write results atomically.
// Bundled into one ESM file (bundle/runner-bundle.ts); needs only Node.js. Usage: node runner.mjs <job dir>
import { readFileSync, renameSync, appendFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, workerData } from 'node:worker_threads';
import { encode, encodeChunks, decode, decodeBytes, writeChunksSync } from '../codec/index.ts';
import { runPool, poolWorkerMain, type ItemOutcome } from '../pool/pool.ts';
import { installStackMaps } from '../pool/stack-maps.ts';
import { BaseFiles, JobFiles, RUNNER_SPEC_VERSION, type RunnerSpec } from './contract.ts';
import { measureRunnerUsage } from './usage.ts';
import { explainMissingPackage } from './missing-package.ts';
import { dirname } from 'node:path';

// Entry point: run the job in the dir given as argv[2] (default: cwd). Exit code 0 = result written; the process
// exits once the outcome is written.
// In a worker thread started by the map-mode pool on this same file, serve the pool instead (it installs the stack
// maps of its thread). Stacks are source-mapped lazily (pool/stack-maps.ts), not by `node --enable-source-maps`.
export async function runnerMain(): Promise<void> {
  if (!isMainThread) {
    if ((workerData as { xprPoolWorker?: number } | null)?.xprPoolWorker) poolWorkerMain();
    return;
  }
  installStackMaps();
  const jobDir = resolve(process.argv[2] ?? '.');
  try {
    const spec = JSON.parse(readFileSync(join(jobDir, JobFiles.spec), 'utf8')) as RunnerSpec;
    if (spec.version !== RUNNER_SPEC_VERSION) {
      throw new Error(`job spec version ${spec.version} is not supported by this runner (expects ${RUNNER_SPEC_VERSION})`);
    }
    const op = spec.mode === 'call' ? await loadOp(jobDir, spec) : null;
    const args = decodeBytes(readFileSync(join(jobDir, JobFiles.input))) as unknown[];
    if (op) await runCall(jobDir, op, args);
    else {
      const items = decodeBytes(readFileSync(join(jobDir, JobFiles.itemsIn))) as unknown[];
      await runMap(jobDir, spec, items, args);
    }
  } catch (err) {
    const explained = explainMissingPackage(err, dirname(resolve(jobDir, '..', BaseFiles.code, 'x')));
    writeAtomic(join(jobDir, JobFiles.error), encodeChunks(decode(encodeError(explained)), 'error'));
    process.exitCode = 1;
  }
  writeUsage(jobDir);
  // The outcome is on disk: end now, so a timer or socket the op left open cannot hold the job (and its
  // post_cmds) until walltime. stdout and stderr are files here, so nothing written is lost.
  process.exit();
}

// Record the runner's own usage (wall, CPU of all threads, peak RSS) beside the outcome; a failure here is not the job's.
function writeUsage(jobDir: string): void {
  try {
    const cores = Number(process.env.EXPYRE_NUM_CORES);
    const usage = measureRunnerUsage(Number.isInteger(cores) && cores > 0 ? cores : null);
    const path = join(jobDir, JobFiles.usage);
    writeFileSync(`${path}.tmp-${process.pid}`, JSON.stringify(usage) + '\n');
    renameSync(`${path}.tmp-${process.pid}`, path);
  } catch {
    // usage is optional: the queue's accounting or nothing
  }
}

type Op = (...args: unknown[]) => unknown;

async function loadOp(jobDir: string, spec: RunnerSpec): Promise<Op> {
  const mod = (await import(pathToFileURL(resolve(jobDir, spec.codeFile)).href)) as Record<string, unknown>;
  const op = mod[spec.exportName];
  if (typeof op !== 'function') throw new Error(`the code bundle has no function export "${spec.exportName}"`);
  return op as Op;
}

async function runCall(jobDir: string, op: Op, args: unknown[]): Promise<void> {
  const value = await op(...args);
  writeAtomic(join(jobDir, JobFiles.result), encodeChunks({ value }, 'result'));
}

// Map mode: run the op over the chunk with the pool (WFL_NUM_PYTHON_SUBPROCESSES workers, default one per core of
// the node), appending one record per item as each batch finishes, so a killed job keeps what it finished. Never more
// workers than batches: a chunk of one batch (a one-item job) runs in this thread, with no worker start (about 0.4 s).
// Items that already have a record (a requeued or rerun job: Slurm requeue, PBS `-r y`) are not run again.
async function runMap(jobDir: string, spec: RunnerSpec, items: unknown[], extraArgs: unknown[]): Promise<void> {
  const file = join(jobDir, JobFiles.items);
  const done = keepRecordedItems(file);
  const todo = items.map((_, i) => i).filter((i) => !done.has(i));
  const batchSize = Math.max(1, spec.batchSize ?? 1);
  if (todo.length) await runPool({
    codeFile: resolve(jobDir, spec.codeFile),
    exportName: spec.exportName,
    items: todo.map((i) => items[i]),
    batchSize,
    numWorkers: Math.min(workersFromEnv(process.env), Math.ceil(todo.length / batchSize)),
    extraArgs,
    workerScript: import.meta.url,
    onBatchDone: (first: number, outcomes: ItemOutcome[]) => {
      const lines = outcomes.map((o, k) => {
        const i = todo[first + k]!;
        return o.ok ? encodeLine({ i, ok: true, value: o.value }) : encodeLine({ i, ok: false, error: decode(encodeError(o.error)) });
      });
      appendFileSync(file, lines.join('\n') + '\n');
    },
  });
  writeAtomic(join(jobDir, JobFiles.result), encodeChunks({ value: items.length }, 'result'));
}

// The positions already recorded in the items file of an earlier run of this job. A torn last line (that run was
// killed mid-write) is cut off, so new records start on a line of their own.
function keepRecordedItems(file: string): Set<number> {
  const done = new Set<number>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return done;
  }
  let kept = 0;
  for (let start = 0, end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
    try {
      const rec = decode(text.slice(start, end)) as { i?: unknown };
      if (typeof rec.i !== 'number') break;
      done.add(rec.i);
      kept = end + 1;
    } catch {
      break;
    }
  }
  if (kept < text.length) truncateSync(file, Buffer.byteLength(text.slice(0, kept)));
  return done;
}

// Workers inside a job: WFL_NUM_PYTHON_SUBPROCESSES (or XPR_NUM_WORKERS) if set, else the cores per node.
function workersFromEnv(env: NodeJS.ProcessEnv): number {
  for (const name of ['XPR_NUM_WORKERS', 'WFL_NUM_PYTHON_SUBPROCESSES', 'EXPYRE_NUM_CORES_PER_NODE']) {
    const n = Number(env[name]);
    if (env[name] && Number.isInteger(n) && n > 0) return n;
  }
  return 1;
}

function encodeLine(record: { i: number; ok: boolean; value?: unknown; error?: unknown }): string {
  try {
    return encode(record, `result[${record.i}]`);
  } catch (err) {
    return encode({ i: record.i, ok: false, error: decode(encodeError(err)) });
  }
}

// Encode a thrown value as an Error; a non-Error throw or an uncodable error is wrapped so something always arrives.
function encodeError(err: unknown): string {
  const error = err instanceof Error ? err : new Error(`non-Error value thrown: ${String(err)}`);
  try {
    return encode(error, 'error');
  } catch {
    const plain = new Error(error.message);
    plain.name = error.name;
    plain.stack = error.stack;
    return encode(plain, 'error');
  }
}

// Result and error files are format-2 containers (binary values as raw bytes); item lines stay format-1 text.
function writeAtomic(path: string, chunks: Uint8Array[]): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeChunksSync(tmp, chunks);
  renameSync(tmp, path);
}
