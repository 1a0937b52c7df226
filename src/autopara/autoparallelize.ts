// autoparallelize(op, inputs, options): map an op over items, locally in a worker pool or, when WFL_EXPYRE_INFO
// (or options.remoteInfo) routes the call to a system, in queued jobs of chunks — cached per item, resumable.
import { fileURLToPath } from 'node:url';
import { locateOp, bundleModule } from '../bundle/index.ts';
import { defaultContext, type XprContext } from '../job/index.ts';
import { callerStack } from './stack.ts';
import { resolveRemoteInfo } from './expyre-info.ts';
import type { RemoteInfo, RemoteInfoInput } from './remote-info.ts';
import { runPool, defaultNumWorkers } from './pool.ts';
import { writeOutputs, readCompleteOutputs, failedItemMarker, isFailedItemMarker } from './outputs.ts';
import { createProgress, type Progress } from './progress.ts';
import { callKeys } from './item-keys.ts';
import { submitRemote, gatherRemote, type CallRecord, type RemoteCall } from './remote-map.ts';
import { ItemsFailedError, type ItemFailure } from './failures.ts';
import { XprError } from '../errors.ts';

type MaybePromise<T> = T | Promise<T>;

/** An op: a batch of items in, one result per item out (or nothing, for side-effect ops). */
export type BatchOp<I, R, A extends unknown[]> = (items: I[], ...args: A) => MaybePromise<readonly R[] | void | null | undefined>;

export interface AutoparallelizeOptions<A extends unknown[] = unknown[]> {
  /** Extra arguments passed to the op after the batch: `op(batch, ...args)`. Part of every item's cache key. */
  args?: A;
  /** Local worker threads. @default XPR_NUM_WORKERS, else WFL_NUM_PYTHON_SUBPROCESSES, else 1 */
  numWorkers?: number;
  /** Items per op call (wfl's num_inputs_per_python_subprocess). @default 1 */
  batchSize?: number;
  /** wfl's name for batchSize. */
  num_inputs_per_python_subprocess?: number;
  /** Run on a system with these settings; `'local'` forces the local pool. Wins over WFL_EXPYRE_INFO. */
  remoteInfo?: RemoteInfoInput | 'local' | null;
  /** Select the WFL_EXPYRE_INFO entry with exactly this key. */
  remoteLabel?: string;
  /** A JSON Lines file receiving one record per input item, in input order; a complete matching file skips the call. */
  outputs?: string;
  /** Return the other results (failed items undefined, listed in `.failures`) instead of throwing. Remote calls also
   * honour RemoteInfo.ignore_failed_jobs. @default false */
  ignoreFailed?: boolean;
  signal?: AbortSignal;
  /** false: submit and return a handle at once; `handle.collect()` (or `collectCall(handle.callKey)` in another
   * process) waits for the results later. Only for remote calls. @default true */
  wait?: boolean;
  /** Progress display on stderr. @default 'auto' (a bar on a TTY, periodic lines otherwise; XPR_PROGRESS=0 silences) */
  progress?: 'auto' | 'tty' | 'plain' | 'silent';
  context?: XprContext;
}

/** Results in input order (undefined where an item failed or the op returned nothing), with every failure listed. */
export type AutoparaResults<R> = Array<R | undefined> & { failures: ItemFailure[] };

/** What `wait: false` returns: the call's key (to collect from any process) and a collect() for this one. */
export interface AutoparaHandle<R> {
  callKey: string;
  jobIds: string[];
  collect(opts?: CollectOptions): Promise<AutoparaResults<R>>;
}

export interface CollectOptions {
  signal?: AbortSignal;
  progress?: AutoparallelizeOptions['progress'];
  ignoreFailed?: boolean;
  context?: XprContext;
}

export class AutoparaOptionError extends XprError {
  override name = 'AutoparaOptionError';
}

const XPR_SRC = fileURLToPath(new URL('..', import.meta.url));

export function autoparallelize<I, R, A extends unknown[] = []>(
  op: BatchOp<I, R, A>, inputs: readonly I[], options: AutoparallelizeOptions<A> & { wait: false },
): Promise<AutoparaHandle<R>>;
export function autoparallelize<I, R, A extends unknown[] = []>(
  op: BatchOp<I, R, A>, inputs: readonly I[], options?: AutoparallelizeOptions<A> & { wait?: true },
): Promise<AutoparaResults<R>>;
// Map `op` over `inputs`; where it runs is decided by options.remoteInfo, then WFL_EXPYRE_INFO, else locally.
export function autoparallelize<I, R, A extends unknown[]>(
  op: BatchOp<I, R, A>, inputs: readonly I[], options: AutoparallelizeOptions<A> = {},
): Promise<AutoparaResults<R> | AutoparaHandle<R>> {
  // The caller's stack must be read before the first await (after it V8 keeps only async frames).
  const stack = callerStack([XPR_SRC]);
  return run(op as BatchOp<unknown, R, unknown[]>, inputs, options as AutoparallelizeOptions, stack);
}

async function run<R>(
  op: BatchOp<unknown, R, unknown[]>, inputs: readonly unknown[], options: AutoparallelizeOptions, stack: ReturnType<typeof callerStack>,
): Promise<AutoparaResults<R> | AutoparaHandle<R>> {
  if (!Array.isArray(inputs)) throw new AutoparaOptionError(`inputs: expected an array of items, got ${typeof inputs}`);
  const ctx = options.context ?? defaultContext();
  const batchSize = positiveInt(options.batchSize ?? options.num_inputs_per_python_subprocess ?? 1, 'batchSize');
  const extraArgs = options.args ?? [];
  const routing = resolveRemoteInfo({
    explicit: options.remoteInfo,
    remoteLabel: options.remoteLabel,
    envText: ctx.env.WFL_EXPYRE_INFO,
    stack,
    insideJob: Boolean(ctx.env.XPR_JOB_ID),
    opName: op.name,
  });
  for (const w of routing.warnings) ctx.logger.warn(w);
  ctx.logger.info(routing.reason);
  const remote = routing.decision === 'remote' ? routing.info! : null;
  if (options.wait === false && !remote) throw new AutoparaOptionError('wait: false needs a remote call (remoteInfo or a WFL_EXPYRE_INFO entry); this call runs locally');
  const ref = await locateOp(op, ctx.cwd);
  const needsKeys = remote !== null || options.outputs !== undefined;
  const bundle = needsKeys ? await bundleModule(ref) : null;
  const keys = bundle ? callKeys(bundle, extraArgs, remote?.hash_ignore ?? [], inputs) : null;

  if (options.outputs && keys) {
    const done = readCompleteOutputs(options.outputs, keys.callKey, inputs.length);
    if (done) {
      ctx.logger.info(`${options.outputs} already holds this call's ${inputs.length} results: nothing to do`);
      return fromOutputs<R>(done);
    }
  }
  const ignoreFailed = options.ignoreFailed ?? remote?.ignore_failed_jobs ?? false;
  const progress = createProgress({ total: inputs.length, label: ref.exportName, mode: options.progress, env: ctx.env });
  let outcome: { results: unknown[]; failures: ItemFailure[] };
  try {
    if (!remote) {
      outcome = await runLocal(ref.modulePath, ref.exportName, inputs, extraArgs, batchSize, options, ctx, progress);
    } else {
      const call: RemoteCall = { op: bundle!, inputs, extraArgs, batchSize, info: remote, cwd: ctx.cwd };
      const record = await submitRemote(ctx, call, keys!);
      if (options.wait === false) {
        progress.stop();
        return makeHandle<R>(ctx, keys!.callKey, record, call);
      }
      outcome = await gatherRemote(ctx, record, { signal: options.signal, onCounts: (c) => progress.update(c), resubmit: { call, enabled: remote.resubmit_killed_jobs } });
    }
  } finally {
    progress.stop();
  }
  if (options.outputs && keys) await writeOutputs(options.outputs, toRecords(outcome), { callKey: keys.callKey });
  return finish<R>(outcome, ignoreFailed);
}

async function runLocal(
  modulePath: string, exportName: string, inputs: readonly unknown[], extraArgs: unknown[], batchSize: number,
  options: AutoparallelizeOptions, ctx: XprContext, progress: Progress,
): Promise<{ results: unknown[]; failures: ItemFailure[] }> {
  let done = 0;
  let failed = 0;
  const outcomes = await runPool({
    codeFile: modulePath,
    exportName,
    items: [...inputs],
    batchSize,
    numWorkers: options.numWorkers ?? defaultNumWorkers(ctx.env),
    extraArgs,
    signal: options.signal,
    onBatchDone: (_first, batch) => {
      for (const o of batch) o.ok ? done++ : failed++;
      progress.update({ itemsDone: done, itemsFailed: failed, jobsQueued: 0, jobsRunning: 0, jobsDone: 0, jobsFailed: 0 });
    },
  });
  const failures: ItemFailure[] = [];
  const results = outcomes.map((o, index) => {
    if (o.ok) return o.value;
    failures.push({ index, jobId: null, error: o.error });
    return undefined;
  });
  return { results, failures };
}

function makeHandle<R>(ctx: XprContext, callKey: string, record: CallRecord, call: RemoteCall): AutoparaHandle<R> {
  return {
    callKey,
    jobIds: record.chunks.map((c) => c.jobId),
    collect: async (opts = {}) => {
      const c = opts.context ?? ctx;
      const progress = createProgress({ total: record.itemKeys.length, label: call.op.exportName, mode: opts.progress, env: c.env });
      try {
        const outcome = await gatherRemote(c, record, { signal: opts.signal, onCounts: (n) => progress.update(n), resubmit: { call, enabled: call.info.resubmit_killed_jobs } });
        return finish<R>(outcome, opts.ignoreFailed ?? record.ignoreFailed);
      } finally {
        progress.stop();
      }
    },
  };
}

// Wait for and assemble a call started with `wait: false`, from any process of the same project.
export async function collectCall<R = unknown>(callKey: string, opts: CollectOptions = {}): Promise<AutoparaResults<R>> {
  const ctx = opts.context ?? defaultContext();
  const record = ctx.store.getCall(callKey) as unknown as CallRecord | undefined;
  if (!record) throw new AutoparaOptionError(`no autoparallelize call ${callKey} in ${ctx.store.path}`);
  const progress = createProgress({ total: record.itemKeys.length, label: 'collect', mode: opts.progress, env: ctx.env });
  try {
    return finish<R>(await gatherRemote(ctx, record, { signal: opts.signal, onCounts: (n) => progress.update(n) }), opts.ignoreFailed ?? record.ignoreFailed);
  } finally {
    progress.stop();
  }
}

function finish<R>(outcome: { results: unknown[]; failures: ItemFailure[] }, ignoreFailed: boolean): AutoparaResults<R> {
  if (outcome.failures.length && !ignoreFailed) throw new ItemsFailedError(outcome.failures, outcome.results);
  return Object.assign(outcome.results as Array<R | undefined>, { failures: outcome.failures });
}

function toRecords(outcome: { results: unknown[]; failures: ItemFailure[] }): unknown[] {
  const failed = new Map(outcome.failures.map((f) => [f.index, f]));
  return outcome.results.map((v, i) => (failed.has(i) ? failedItemMarker(failed.get(i)!.error) : v));
}

function fromOutputs<R>(records: unknown[]): AutoparaResults<R> {
  const failures: ItemFailure[] = [];
  const results = records.map((r, index) => {
    if (!isFailedItemMarker(r)) return r as R;
    const error = Object.assign(new Error(r.error.message), { name: r.error.name, stack: r.error.stack ?? undefined });
    failures.push({ index, jobId: null, error });
    return undefined;
  });
  return Object.assign(results, { failures });
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new AutoparaOptionError(`${name}: expected a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

export type { RemoteInfo, RemoteInfoInput };
