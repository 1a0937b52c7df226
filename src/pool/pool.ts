// The local worker pool of autoparallelize (and of the job runner): run an op over items in batches on worker
// threads, outcomes aligned by item index and returned in input order; plus the default worker count from the env.
//
// Op contract: `op(batchItems, ...extraArgs)` (may be async) returns an array with one result per item; undefined/null
// or a shorter array = no result (value undefined) for the missing items; a longer array or a non-array fails the
// batch (OpResultError); a throw fails every item of the batch with that error. Items, extra args and results cross
// threads by structured clone (class instances arrive as plain objects; functions cannot cross) — also when
// numWorkers <= 1, which runs the batches one by one in THIS thread through the same code (pool-batch.ts), so an op
// sees copies of the items and behaves alike whatever the worker count. Abort: workers are terminated at once; in
// this thread a batch already running cannot be stopped, its result is discarded.
//
// Worker protocol (for programs that start workers on themselves, e.g. the job runner bundled into ONE .mjs file):
//   - the pool starts `new Worker(workerScript, { workerData })` with workerData = { xprPoolWorker: 1, codeFile,
//     exportName, extraArgs } and inherits process.execArgv (so `--import tsx` carries over under tsx);
//   - the worker script must, at its top level, run `if (!isMainThread && workerData?.xprPoolWorker) poolWorkerMain()`
//     and do nothing else in that case (a runner must guard its own main code with `isMainThread`);
//   - the program calls `runPool({ ..., workerScript: import.meta.url })` to use itself as the worker script.
//   The default workerScript is pool-worker.ts beside this file (which has that guard).
//   Messages: main -> worker {t:'batch', id, firstIndex, items}; worker -> main {t:'ready'} once the op is loaded,
//   {t:'done', id, outcomes} per batch, or {t:'load-error', error}. Each worker holds up to two batches; a worker that
//   dies after 'ready' fails only the batch it was running (WorkerExitError) and is replaced; a load error, or a worker
//   that dies before 'ready', rejects the pool (PoolOpLoadError).
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EnvSettingError, PoolOpLoadError, PoolOptionError, WorkerExitError } from './errors.ts';
import { ownFile } from '../own-path.ts';
import {
  codeFileUrl, fromWireError, fromWireOutcomes, loadOp, postOutcomes, runBatch, toWireError,
  type BatchMessage, type ItemOutcome, type PoolWorkerData, type WireOutcome, type WorkerMessage,
} from './pool-batch.ts';

export { poolWorkerMain } from './pool-worker.ts';
export type { ItemOutcome } from './pool-batch.ts';

export interface PoolOptions {
  /** Absolute path or file: URL of an ESM module (an .mjs bundle, or a .ts/.js file when running under tsx). */
  codeFile: string;
  exportName: string;
  items: unknown[];
  /** Items per op call (>= 1). */
  batchSize: number;
  /** Worker threads; <= 1 runs in this thread. At most one worker per batch is started. */
  numWorkers: number;
  extraArgs: unknown[];
  signal?: AbortSignal;
  /** Called in this thread as each batch finishes (any order); a throw rejects runPool. */
  onBatchDone?: (firstIndex: number, outcomes: ItemOutcome[]) => void;
  /** Worker entry (see protocol above); default pool-worker.ts beside this file. */
  workerScript?: string | URL;
}

interface Batch {
  id: number;
  firstIndex: number;
  items: unknown[];
}

const AHEAD = 2;

// Run the op over all items; resolves to one outcome per item, in input order. Rejects on abort with signal.reason.
export async function runPool(opts: PoolOptions): Promise<ItemOutcome[]> {
  validate(opts);
  opts.signal?.throwIfAborted();
  const batches: Batch[] = [];
  for (let first = 0, id = 0; first < opts.items.length; first += opts.batchSize, id++) {
    batches.push({ id, firstIndex: first, items: opts.items.slice(first, first + opts.batchSize) });
  }
  const results = new Array<ItemOutcome>(opts.items.length);
  if (batches.length === 0) return results;
  const record = (batch: Batch, wire: WireOutcome[]): void => {
    const outcomes = fromWireOutcomes(wire);
    outcomes.forEach((o, k) => { results[batch.firstIndex + k] = o; });
    opts.onBatchDone?.(batch.firstIndex, outcomes);
  };
  if (opts.numWorkers <= 1) await runInThread(opts, batches, record);
  else await runOnWorkers(opts, batches, record);
  return results;
}

// WFL_NUM_PYTHON_SUBPROCESSES's successor: XPR_NUM_WORKERS, else WFL_NUM_PYTHON_SUBPROCESSES, else 1 (wfl's default 0 = serial).
export function defaultNumWorkers(env: NodeJS.ProcessEnv = process.env): number {
  for (const name of ['XPR_NUM_WORKERS', 'WFL_NUM_PYTHON_SUBPROCESSES']) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    if (!/^\d+$/.test(raw.trim())) {
      throw new EnvSettingError(name, raw, 'a whole number >= 0 of worker threads (0 or 1 = run in this thread, the default)');
    }
    return Math.max(1, Number(raw.trim()));
  }
  return 1;
}

function validate(opts: PoolOptions): void {
  if (!Number.isSafeInteger(opts.batchSize) || opts.batchSize < 1) throw new PoolOptionError('batchSize', `expected an integer >= 1, got ${opts.batchSize}`);
  if (!Number.isSafeInteger(opts.numWorkers)) throw new PoolOptionError('numWorkers', `expected an integer, got ${opts.numWorkers}`);
  if (typeof opts.exportName !== 'string' || opts.exportName === '') throw new PoolOptionError('exportName', 'expected the name of a function export');
  if (!Array.isArray(opts.items)) throw new PoolOptionError('items', 'expected an array');
  if (!Array.isArray(opts.extraArgs)) throw new PoolOptionError('extraArgs', 'expected an array');
  try {
    codeFileUrl(opts.codeFile);
  } catch {
    throw new PoolOptionError('codeFile', `expected an absolute path or a file: URL, got ${JSON.stringify(opts.codeFile)}`);
  }
  try {
    structuredClone(opts.extraArgs);
  } catch (error) {
    throw new PoolOptionError('extraArgs', `cannot be passed to the op (structured clone: ${(error as Error).message})`);
  }
}

// Every item of a batch failed because the items cannot be copied to the op's thread.
function uncloneableBatch(batch: Batch, error: unknown): WireOutcome[] {
  const last = batch.firstIndex + batch.items.length - 1;
  const which = last === batch.firstIndex ? `item ${last}` : `items ${batch.firstIndex}..${last}`;
  const wire = toWireError(new PoolOptionError('items', `${which} cannot be passed to the op (structured clone: ${(error as Error).message})`));
  return batch.items.map(() => ({ ok: false, error: wire }));
}

// Reject with the signal's reason as soon as it aborts; the listener is removed when `work` settles.
async function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function runInThread(opts: PoolOptions, batches: Batch[], record: (b: Batch, w: WireOutcome[]) => void): Promise<void> {
  const op = await raceAbort(loadOp(opts.codeFile, opts.exportName), opts.signal);
  const extraArgs = structuredClone(opts.extraArgs);
  for (const batch of batches) {
    let items: unknown[] | null = null;
    let wire: WireOutcome[] = [];
    try {
      items = structuredClone(batch.items);
    } catch (error) {
      wire = uncloneableBatch(batch, error);
    }
    if (items !== null) wire = await raceAbort(runBatch(op, items, extraArgs), opts.signal);
    let received: WireOutcome[] = [];
    postOutcomes(wire, batch.firstIndex, (o) => { received = structuredClone(o); });
    record(batch, received);
  }
}

interface Slot {
  worker: Worker;
  inFlight: Batch[];
  lastError: unknown;
  /** The op is loaded: from now on a dying worker fails only its running batch. */
  ready: boolean;
}

async function runOnWorkers(opts: PoolOptions, batches: Batch[], record: (b: Batch, w: WireOutcome[]) => void): Promise<void> {
  const script = workerEntry(opts.workerScript ?? ownFile('./pool-worker.ts', import.meta.url), opts.codeFile);
  const workerData: PoolWorkerData = { xprPoolWorker: 1, codeFile: opts.codeFile, exportName: opts.exportName, extraArgs: opts.extraArgs };
  const slots = new Set<Slot>();
  const queue = [...batches];
  let remaining = batches.length;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        if (error === undefined) resolve(); else reject(error);
      };
      const complete = (batch: Batch, wire: WireOutcome[]): void => {
        remaining--;
        try {
          record(batch, wire);
        } catch (error) {
          finish(error);
          return;
        }
        if (remaining === 0) finish();
      };
      const fill = (slot: Slot): void => {
        while (!settled && slot.inFlight.length < AHEAD && queue.length > 0) {
          const batch = queue.shift()!;
          const message: BatchMessage = { t: 'batch', id: batch.id, firstIndex: batch.firstIndex, items: batch.items };
          try {
            slot.worker.postMessage(message);
          } catch (error) {
            complete(batch, uncloneableBatch(batch, error));
            continue;
          }
          slot.inFlight.push(batch);
        }
      };
      const spawn = (): void => {
        let worker: Worker;
        try {
          worker = new Worker(script.entry, { workerData, eval: script.eval });
        } catch (error) {
          finish(new PoolOptionError('workerScript', `cannot start a worker thread: ${(error as Error).message}`));
          return;
        }
        const slot: Slot = { worker, inFlight: [], lastError: undefined, ready: false };
        slots.add(slot);
        worker.on('message', (message: WorkerMessage) => {
          if (settled) return;
          if (message.t === 'ready') {
            slot.ready = true;
          } else if (message.t === 'load-error') {
            const original = message.error.cause ?? message.error;
            finish(new PoolOpLoadError(opts.codeFile, opts.exportName, message.reason, { cause: fromWireError(original) }));
          } else if (message.t === 'done') {
            const index = slot.inFlight.findIndex((b) => b.id === message.id);
            if (index < 0) return;
            const [batch] = slot.inFlight.splice(index, 1);
            complete(batch!, message.outcomes);
            fill(slot);
          }
        });
        worker.on('error', (error) => { slot.lastError = error; });
        worker.on('exit', (code) => {
          slots.delete(slot);
          if (settled) return;
          const detail = slot.lastError instanceof Error ? `${slot.lastError.name}: ${slot.lastError.message}` : '';
          if (!slot.ready) {
            const why = `the worker thread (${script.shown}) stopped with exit code ${code} before loading the op${detail ? `: ${detail}` : ''}`;
            finish(new PoolOpLoadError(opts.codeFile, opts.exportName, why, { cause: slot.lastError }));
            return;
          }
          const [running, ...waiting] = slot.inFlight;
          queue.unshift(...waiting);
          if (running) {
            const wire = toWireError(new WorkerExitError(code, running.firstIndex, running.items.length, detail));
            complete(running, running.items.map(() => ({ ok: false, error: wire })));
          }
          if (!settled && queue.length > 0) spawn();
        });
        fill(slot);
      };
      if (opts.signal) {
        const signal = opts.signal;
        onAbort = () => finish(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      const count = Math.min(opts.numWorkers, batches.length);
      for (let i = 0; i < count && !settled; i++) spawn();
    });
  } finally {
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all([...slots].map((s) => s.worker.terminate()));
  }
}

const TS_FILE = /\.(?:ts|mts|cts|tsx)$/;

// How to start a worker on `script`. A TypeScript script or op needs tsx inside the worker: Node 20 does not carry
// `--import tsx` hooks into workers, so a small eval'd starter imports ts-probe.ts and, if that fails, registers tsx.
function workerEntry(script: string | URL, codeFile: string): { entry: string | URL; eval: boolean; shown: string } {
  const url = script instanceof URL ? script : new URL(script.startsWith('file:') ? script : pathToFileURL(script).href);
  const shown = url.protocol === 'file:' ? url.pathname : url.href;
  if (!TS_FILE.test(url.pathname) && !TS_FILE.test(codeFile)) return { entry: url, eval: false, shown };
  let api: string;
  try {
    api = import.meta.resolve('tsx/esm/api');
  } catch {
    return { entry: url, eval: false, shown }; // no tsx: let Node (or another loader) try
  }
  const probe = ownFile('./ts-probe.ts', import.meta.url).href;
  const source = `import(${JSON.stringify(probe)})`
    + `.catch(() => import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); }))`
    + `.then(() => import(${JSON.stringify(url.href)}))`
    + '.catch((error) => { setImmediate(() => { throw error; }); });';
  return { entry: source, eval: true, shown };
}
