// autoparallelize(op, inputs, options): map an op over items, locally in a worker pool or, when WFL_EXPYRE_INFO
// (or options.remoteInfo) routes the call to a system, in queued jobs of chunks — cached per item, resumable.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateOp, bundleModule, type CodeBundle } from '../bundle/index.ts';
import { encode, decode } from '../codec/index.ts';
import { warnSettingDifferences, warnForJobs } from './settings-diff.ts';
import { resolveInputFiles, defaultContext, type XprContext } from '../job/index.ts';
import { callerStack } from '../routing/stack.ts';
import { resolveRemoteInfo } from '../routing/expyre-info.ts';
import type { RemoteInfo, RemoteInfoInput } from '../routing/remote-info.ts';
import { runPool, defaultNumWorkers } from '../pool/pool.ts';
import { writeOutputs, readOutputs } from './outputs.ts';
import { createProgress } from './progress.ts';
import { noJobs, ProgressEmitter, type AutoparaProgressEvent, type ProgressListener, type ProgressSnapshot } from './progress-events.ts';
import { callKeys, inputsKey } from './item-keys.ts';
import { readSnapshot, saveSnapshot } from './snapshot.ts';
import { submitRemote, gatherRemote, type GatherOptions, type RemoteCall } from './remote-map.ts';
import { parseCallRecord, type CallRecord } from './call-record.ts';
import { ItemsFailedError, type ItemFailure } from './failures.ts';
import { XprError } from '../errors.ts';

type MaybePromise<T> = T | Promise<T>;

/** An op: a batch of items in, one result per item out (or nothing, for side-effect ops). */
export type BatchOp<I, R, A extends unknown[]> = (items: I[], ...args: A) => MaybePromise<readonly R[] | void | null | undefined>;

/** `args`, required exactly when the op needs extra arguments (A is a tuple that [] does not satisfy). */
type ArgsOption<A extends unknown[]> = [] extends A
  ? {
      /** Extra arguments passed to the op after the batch: `op(batch, ...args)`. Part of every item's cache key. */
      args?: A;
    }
  : {
      /** Extra arguments passed to the op after the batch: `op(batch, ...args)`. Part of every item's cache key. */
      args: A;
    };

/** The options parameter: optional when the op takes no extra arguments, required (for `args`) when it does. */
type OptionsParam<A extends unknown[], O> = [] extends A ? [options?: O] : [options: O];

export interface AutoparallelizeBaseOptions {
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
  /** A JSON Lines file (relative to the context's cwd) receiving one record per input item, in input order; a matching
   * file without failures skips the call, one with failures reruns only (local) or resubmits only (remote) those items.
   * With `wait: false` it is written by whoever collects the results. */
  outputs?: string;
  /** Return the other results (failed items undefined, listed in `.failures`) instead of throwing.
   * @default RemoteInfo.ignore_failed_jobs for remote calls, else false */
  ignoreFailed?: boolean;
  signal?: AbortSignal;
  /** Packages left out of the op's bundle, resolved on the node (installed there). @default RemoteInfo.external */
  external?: string[];
  /** false: submit and return a handle at once; `handle.collect()` (or `collectCall(handle.callKey)` in another
   * process) waits for the results later. Only for remote calls. @default true */
  wait?: boolean;
  /** Progress display on stderr. @default 'auto' (a bar on a TTY, periodic lines otherwise; XPR_PROGRESS=0 silences) */
  progress?: 'auto' | 'tty' | 'plain' | 'silent';
  /** Called with the call's progress events (the ones the progress display draws): a `start`, `update`s with items
   * done / failed / cached and jobs per state, and an `end`. A callback that throws gets no further events. With
   * `wait: false` the events come from `collect()` (its own onProgress, else this one). */
  onProgress?: (event: AutoparaProgressEvent) => void;
  context?: XprContext;
  /** Compute items again although results are stored: `true` for every item, or a predicate choosing items. Their
   * stored results (and ended jobs) are dropped first; jobs of earlier runs still computing them are waited for. */
  recompute?: boolean | ((item: never, index: number) => boolean);
}

/** Options of autoparallelize for an op taking extra arguments A. */
export type AutoparallelizeOptions<A extends unknown[] = unknown[]> = AutoparallelizeBaseOptions & ArgsOption<A>;

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
  progress?: AutoparallelizeBaseOptions['progress'];
  /** Progress events of the collection, as autoparallelize's onProgress. @default (handle.collect) the call's onProgress */
  onProgress?: (event: AutoparaProgressEvent) => void;
  /** @default the call's effective ignoreFailed (its option, else RemoteInfo.ignore_failed_jobs) */
  ignoreFailed?: boolean;
  context?: XprContext;
}

export class AutoparaOptionError extends XprError {
  override name = 'AutoparaOptionError';
}

/** `jobIds`: the jobs whose stored item results the results are (remote calls). */
type Outcome = { results: unknown[]; failures: ItemFailure[]; jobIds?: string[] };

const XPR_SRC = fileURLToPath(new URL('..', import.meta.url));

export function autoparallelize<I, R, A extends unknown[] = []>(
  op: BatchOp<I, R, A>, inputs: readonly I[], options: AutoparallelizeOptions<A> & { wait: false },
): Promise<AutoparaHandle<R>>;
export function autoparallelize<I, R, A extends unknown[] = []>(
  op: BatchOp<I, R, A>, inputs: readonly I[], ...options: OptionsParam<A, AutoparallelizeOptions<A> & { wait?: true }>
): Promise<AutoparaResults<R>>;
export function autoparallelize<I, R, A extends unknown[] = []>(
  op: BatchOp<I, R, A>, inputs: readonly I[], options: AutoparallelizeOptions<A> & { wait?: boolean },
): Promise<AutoparaResults<R> | AutoparaHandle<R>>;
// Map `op` over `inputs`; where it runs is decided by options.remoteInfo, then WFL_EXPYRE_INFO, else locally.
export function autoparallelize<I, R, A extends unknown[]>(
  op: BatchOp<I, R, A>, inputs: readonly I[], options?: AutoparallelizeOptions<A>,
): Promise<AutoparaResults<R> | AutoparaHandle<R>> {
  // The caller's stack must be read before the first await (after it V8 keeps only async frames).
  const stack = callerStack([XPR_SRC]);
  return run(op as BatchOp<unknown, R, unknown[]>, inputs, (options ?? {}) as AutoparallelizeOptions, stack);
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
    cwd: ctx.cwd,
  });
  for (const w of routing.warnings) ctx.logger.warn(w);
  ctx.logger.info(routing.reason);
  const remote = routing.decision === 'remote' ? routing.info! : null;
  if (options.wait === false && !remote) throw new AutoparaOptionError('wait: false needs a remote call (remoteInfo or a WFL_EXPYRE_INFO entry); this call runs locally');
  const outputs = options.outputs === undefined ? null : resolve(ctx.cwd, options.outputs);
  const ref = await locateOp(op, ctx.cwd);
  const external = options.external ?? remote?.external;
  const bundleOpts = external?.length ? { external } : {};
  const bundle = remote !== null || outputs !== null ? await bundleModule(ref, bundleOpts) : ctx.env.XPR_JOB_ID ? null : await localBundle(ref, ctx, bundleOpts);
  const inputFiles = remote ? (await resolveInputFiles(remote.input_files, ctx.cwd)).map((f): [string, string] => [f.rel, f.sha256]) : [];
  const ignoreFailed = options.ignoreFailed ?? remote?.ignore_failed_jobs ?? false;
  // A call whose items all succeeded before is answered from its snapshot (one row), without item keys (`wait: false`
  // takes the full path, which also records the call for collectCall in other processes; its collect saves one).
  const snapshotKey = bundle && !options.recompute ? inputsKey(bundle, extraArgs, remote?.hash_ignore ?? [], inputs, inputFiles) : null;
  const generation = snapshotKey ? ctx.store.itemResultsGeneration() : 0;
  const snapshot = snapshotKey && options.wait !== false ? readSnapshot(ctx, snapshotKey, inputs.length) : null;
  if (snapshot) {
    const about: EventBase = { op: ref.exportName, where: remote ? 'remote' : 'local', callKey: snapshot.callKey, total: inputs.length };
    const call = remote && { op: bundle!, inputs, extraArgs, batchSize, info: remote, cwd: ctx.cwd };
    return answerFromSnapshot<R>(ctx, snapshot, about, call || null, outputs, options);
  }
  const keys = bundle ? callKeys(bundle, extraArgs, remote?.hash_ignore ?? [], inputs, inputFiles) : null;

  const recompute = recomputeKeys(options.recompute, inputs, keys?.itemKeys ?? []);
  const prior = outputs && keys ? readOutputs(outputs, keys.callKey, inputs.length) : null;
  const about: EventBase = { op: ref.exportName, where: remote ? 'remote' : 'local', callKey: keys?.callKey ?? null, total: inputs.length };
  if (prior && prior.failures.length === 0 && recompute.size === 0) {
    ctx.logger.info(`${outputs} already holds this call's ${inputs.length} results: nothing to do`);
    const results = asResults<R>(prior);
    if (options.wait === false) return doneHandle(keys!.callKey, results);
    const all = { items: { done: inputs.length, failed: 0, cached: inputs.length }, jobs: noJobs() };
    await withProgress(ctx, about, options, all, async () => undefined);
    return results;
  }
  if (prior) ctx.logger.info(`${outputs} holds ${prior.failures.length} failed item(s) of this call: running them again`);
  let outcome: Outcome;
  if (!remote) {
    const wanted = (i: number): boolean => !prior || prior.failures.some((f) => f.index === i) || recompute.has(keys?.itemKeys[i] ?? '');
    const redo = inputs.map((_, i) => i).filter(wanted);
    const kept = inputs.length - redo.length;
    const initial = { items: { done: kept, failed: 0, cached: kept }, jobs: noJobs() };
    outcome = await withProgress(ctx, about, options, initial, (emitter) =>
      runLocal(ref.modulePath, ref.exportName, inputs, redo, prior?.results, extraArgs, batchSize, options, ctx, emitter, keys?.itemKeys ?? null, recompute));
  } else {
    const call: RemoteCall = { op: bundle!, inputs, extraArgs, batchSize, info: remote, cwd: ctx.cwd };
    const record = await submitRemote(ctx, call, keys!, { ignoreFailed, outputs, recompute, inputsKey: prior ? null : snapshotKey });
    await warnSettingDifferences(ctx, call, record);
    if (options.wait === false) return makeHandle<R>(ctx, record, call, options.onProgress);
    outcome = await withProgress(ctx, about, options, undefined, (emitter) =>
      gatherRemote(ctx, record, { signal: options.signal, onCounts: (c) => emitter.update(c), resubmit: { call, enabled: remote.resubmit_killed_jobs } }));
  }
  if (snapshotKey && keys && !prior && outcome.failures.length === 0) saveSnapshot(ctx, snapshotKey, { callKey: keys.callKey, jobIds: outcome.jobIds ?? [] }, outcome.results, generation);
  return settle<R>(outcome, keys?.callKey ?? '', outputs, ignoreFailed);
}

type EventBase = Pick<AutoparaProgressEvent, 'op' | 'where' | 'callKey' | 'total'>;

// The results of a call whose items all succeeded before, from its snapshot: the remote call's warnings about the
// settings of the jobs behind them, progress events saying all are cached, and the outputs file written if it differs.
async function answerFromSnapshot<R>(
  ctx: XprContext, snapshot: { callKey: string; jobIds: string[]; results: unknown[] }, about: EventBase, call: RemoteCall | null,
  outputs: string | null, options: AutoparallelizeOptions,
): Promise<AutoparaResults<R>> {
  const n = snapshot.results.length;
  if (call) await warnForJobs(ctx, call, snapshot.jobIds);
  await withProgress(ctx, about, options, { items: { done: n, failed: 0, cached: n }, jobs: noJobs() }, async () => undefined);
  if (outputs !== null && readOutputs(outputs, snapshot.callKey, n)?.failures.length === 0) {
    ctx.logger.info(`${outputs} already holds this call's ${n} results: nothing to do`);
  } else {
    ctx.logger.info(`all ${n} results of this call are stored (its snapshot): nothing to run`);
    if (outputs !== null) await writeOutputs(outputs, snapshot.results, [], { callKey: snapshot.callKey });
  }
  return asResults<R>({ results: snapshot.results, failures: [] });
}

// Run `work` with the call's progress events going to the display (`progress` mode) and to `onProgress`: a start
// (with `initial` counts), the updates `work` sends, and an end, also when `work` throws.
async function withProgress<T>(
  ctx: XprContext, about: EventBase, opts: { progress?: AutoparallelizeBaseOptions['progress']; onProgress?: ProgressListener },
  initial: ProgressSnapshot | undefined, work: (emitter: ProgressEmitter) => Promise<T>,
): Promise<T> {
  const display = createProgress({ total: about.total, label: about.op, mode: opts.progress, env: ctx.env });
  const emitter = new ProgressEmitter(about, [(e) => display.update(e), opts.onProgress], (m) => ctx.logger.warn(m));
  emitter.start(initial);
  try {
    return await work(emitter);
  } finally {
    emitter.end();
    display.stop();
  }
}

// Run the items at `indexes` in the local pool; the others keep their `previous` result (from a matching outputs file).
// With item keys, items with a stored result are not run (unless in `recompute`), an item given twice runs once, and
// each finished item is stored as its batch ends, so a killed run resumes where it stopped.
async function runLocal(
  modulePath: string, exportName: string, inputs: readonly unknown[], indexes: number[], previous: readonly unknown[] | undefined,
  extraArgs: unknown[], batchSize: number, options: AutoparallelizeOptions, ctx: XprContext, progress: ProgressEmitter,
  itemKeys: string[] | null, recompute: ReadonlySet<string>,
): Promise<Outcome> {
  const results = previous ? [...previous] : new Array<unknown>(inputs.length).fill(undefined);
  if (recompute.size) ctx.store.deleteItemResults([...recompute]);
  const stored = itemKeys ? ctx.store.getItemResults(indexes.map((i) => itemKeys[i]!)) : new Map();
  const byKey = new Map<string, number[]>();
  const run: number[] = [];
  for (const i of indexes) {
    const key = itemKeys?.[i] ?? String(i);
    const hit = itemKeys ? stored.get(key) : undefined;
    if (hit?.ok) results[i] = (decode(hit.payload) as { value: unknown }).value;
    else if (byKey.has(key)) byKey.get(key)!.push(i);
    else (byKey.set(key, [i]), run.push(i));
  }
  const cached = inputs.length - run.length;
  let done = cached;
  let failed = 0;
  if (cached) progress.update({ items: { done, failed, cached }, jobs: noJobs() });
  const outcomes = await runPool({
    codeFile: modulePath,
    exportName,
    items: run.map((i) => inputs[i]),
    batchSize,
    numWorkers: options.numWorkers ?? defaultNumWorkers(ctx.env),
    extraArgs,
    signal: options.signal,
    onBatchDone: (first, batch) => {
      for (const o of batch) o.ok ? done++ : failed++;
      if (itemKeys) {
        ctx.store.putItemResults(batch.flatMap((o, k) => (o.ok ? [{ itemKey: itemKeys[run[first + k]!]!, jobId: LOCAL_POOL_JOB, ok: true, payload: encode({ value: o.value }) }] : [])));
      }
      progress.update({ items: { done, failed, cached }, jobs: noJobs() });
    },
  });
  const failures: ItemFailure[] = [];
  outcomes.forEach((o, k) => {
    for (const index of byKey.get(itemKeys?.[run[k]!] ?? String(run[k]))!) {
      if (o.ok) results[index] = o.value;
      else failures.push({ index, jobId: null, error: o.error });
    }
  });
  return { results, failures: failures.sort((a, b) => a.index - b.index) };
}

/** The job id item results computed by the local pool are stored under (no job row has it). */
export const LOCAL_POOL_JOB = 'local-pool';

// The op's bundle, for the item keys of a local call; an op that cannot be bundled still runs, unremembered.
async function localBundle(ref: Awaited<ReturnType<typeof locateOp>>, ctx: XprContext, opts: { external?: string[] }): Promise<CodeBundle | null> {
  try {
    return await bundleModule(ref, opts);
  } catch (err) {
    ctx.logger.warn(`${ref.exportName}: finished items are not remembered, since the op cannot be bundled for its cache key: ${(err as Error).message.split('\n')[0]}`);
    return null;
  }
}

// The item keys chosen by the `recompute` option.
function recomputeKeys(option: AutoparallelizeBaseOptions['recompute'], inputs: readonly unknown[], itemKeys: string[]): Set<string> {
  if (option === undefined || option === false) return new Set();
  if (option === true) return new Set(itemKeys);
  if (typeof option !== 'function') throw new AutoparaOptionError(`recompute: expected true, false or a function (item, index) => boolean, got ${JSON.stringify(option)}`);
  return new Set(itemKeys.filter((_, i) => (option as (item: unknown, index: number) => boolean)(inputs[i], i)));
}

function makeHandle<R>(ctx: XprContext, record: CallRecord, call: RemoteCall, onProgress: ProgressListener | undefined): AutoparaHandle<R> {
  return {
    callKey: record.callKey,
    jobIds: record.chunks.map((c) => c.jobId),
    collect: (opts = {}) => collectRecord<R>(opts.context ?? ctx, record, { onProgress, ...opts }, call.op.exportName, { call, enabled: call.info.resubmit_killed_jobs }),
  };
}

// The handle of a `wait: false` call whose outputs file already held every result.
function doneHandle<R>(callKey: string, results: AutoparaResults<R>): AutoparaHandle<R> {
  return { callKey, jobIds: [], collect: async () => results };
}

// Wait for and assemble a call started with `wait: false`, from any process of the same project.
export async function collectCall<R = unknown>(callKey: string, opts: CollectOptions = {}): Promise<AutoparaResults<R>> {
  const ctx = opts.context ?? defaultContext();
  const stored = ctx.store.getCall(callKey);
  if (!stored) throw new AutoparaOptionError(`no autoparallelize call ${callKey} in ${ctx.store.path}`);
  const record = parseCallRecord(stored);
  if (!record) {
    throw new AutoparaOptionError(`autoparallelize call ${callKey} in ${ctx.store.path} was recorded by another xpr version (record version ${String(stored.version)}); rerun the call`);
  }
  return collectRecord<R>(ctx, record, opts, 'collect', undefined);
}

async function collectRecord<R>(
  ctx: XprContext, record: CallRecord, opts: CollectOptions, label: string, resubmit: GatherOptions['resubmit'],
): Promise<AutoparaResults<R>> {
  const about: EventBase = { op: label, where: 'remote', callKey: record.callKey, total: record.itemKeys.length };
  const generation = ctx.store.itemResultsGeneration();
  const outcome = await withProgress(ctx, about, opts, undefined, (emitter) =>
    gatherRemote(ctx, record, { signal: opts.signal, onCounts: (n) => emitter.update(n), resubmit }));
  if (record.inputsKey && outcome.failures.length === 0) saveSnapshot(ctx, record.inputsKey, { callKey: record.callKey, jobIds: outcome.jobIds }, outcome.results, generation);
  return settle<R>(outcome, record.callKey, record.outputs ?? null, opts.ignoreFailed ?? record.ignoreFailed);
}

// Write the outputs sink (failures recorded as such, so a rerun redoes them), then return the results or throw.
async function settle<R>(outcome: Outcome, callKey: string, outputs: string | null, ignoreFailed: boolean): Promise<AutoparaResults<R>> {
  if (outputs !== null) await writeOutputs(outputs, outcome.results, outcome.failures, { callKey });
  if (outcome.failures.length && !ignoreFailed) throw new ItemsFailedError(outcome.failures, outcome.results);
  return asResults<R>(outcome);
}

function asResults<R>(outcome: Outcome): AutoparaResults<R> {
  return Object.assign(outcome.results as Array<R | undefined>, { failures: outcome.failures });
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new AutoparaOptionError(`${name}: expected a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

export type { RemoteInfo, RemoteInfoInput };
