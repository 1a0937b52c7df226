// autoparallelize on a queue: items without a cached result are chunked into jobs (started in one batch), each
// job's per-item records are harvested into the item cache as it ends, died chunks may be resubmitted, and the
// results are assembled by item index. The call's record in the store (saved again after each resubmission) lets
// another process collect it.
import { encode, decode } from '../codec/index.ts';
import type { CodeBundle } from '../bundle/index.ts';
import type { ItemResult, JobRow } from '../store/index.ts';
import { prepareJob, startJobs, JobDiedError, JobFailedError, type XprContext } from '../job/index.ts';
import { readItemRecords, readJobError, readTail } from '../job/collect.ts';
import { JobFiles } from '../runner/contract.ts';
import type { RemoteInfo } from './remote-info.ts';
import { itemsPerJob } from './remote-info.ts';
import type { ItemFailure } from './failures.ts';
import type { ProgressCounts } from './progress.ts';
import { resubmitMaxTimeS, fitsSystem } from './resubmit.ts';
import type { ResourcesInput } from '../resources/types.ts';
import { formatHMS, parseTimeS } from '../resources/units.ts';

export interface Chunk {
  /** Indexes into the call's inputs, in order. */
  indexes: number[];
  jobId: string;
}

/** What is stored per call (table `calls`), enough to wait for, assemble and deliver it from any process. */
export interface CallRecord {
  version: 2;
  callKey: string;
  itemKeys: string[];
  /** Every chunk ever started for the call, resubmitted ones appended (saved again after each resubmission). */
  chunks: Chunk[];
  timeoutS: number | null;
  checkIntervalS: number;
  /** The effective ignoreFailed of the call (option, else RemoteInfo.ignore_failed_jobs). */
  ignoreFailed: boolean;
  /** Absolute path of the call's outputs sink, written by whoever collects the results; null = none. */
  outputs: string | null;
}

export interface RemoteCall {
  op: CodeBundle;
  inputs: readonly unknown[];
  extraArgs: unknown[];
  batchSize: number;
  info: RemoteInfo;
  cwd: string;
}

const MAX_RESUBMITS = 2;
const ENDED = ['succeeded', 'failed', 'died', 'cancelled', 'processed'];

// Chunk the items that have no cached result into jobs and start them all in one batch. Saves and returns the call record.
export async function submitRemote(
  ctx: XprContext, call: RemoteCall, keys: { callKey: string; itemKeys: string[] }, opts: { ignoreFailed: boolean; outputs: string | null },
): Promise<CallRecord> {
  const cached = ctx.store.getItemResults(keys.itemKeys);
  const missing = keys.itemKeys.map((k, i) => (cached.get(k)?.ok ? -1 : i)).filter((i) => i >= 0);
  const chunks = await startChunks(ctx, call, missing, 0, call.info.resources);
  const record: CallRecord = {
    version: 2,
    callKey: keys.callKey,
    itemKeys: keys.itemKeys,
    chunks,
    timeoutS: call.info.timeout,
    checkIntervalS: call.info.check_interval,
    ignoreFailed: opts.ignoreFailed,
    outputs: opts.outputs,
  };
  ctx.store.putCall(keys.callKey, record as unknown as Record<string, unknown>);
  lookedUp.set(record, cached);
  return record;
}

/** The item results submitRemote read, for the gatherRemote of the same record in this process (one lookup, not two). */
const lookedUp = new WeakMap<CallRecord, Map<string, ItemResult>>();

async function startChunks(ctx: XprContext, call: RemoteCall, indexes: number[], attempt: number, resources: ResourcesInput): Promise<Chunk[]> {
  if (indexes.length === 0) return [];
  const size = itemsPerJob(call.info, call.batchSize);
  const groups: number[][] = [];
  for (let k = 0; k < indexes.length; k += size) groups.push(indexes.slice(k, k + size));
  const { info } = call;
  const prepared = await Promise.all(
    groups.map((g, c) =>
      prepareJob({
        op: { module: 'unused', exportName: call.op.exportName },
        bundle: call.op,
        args: call.extraArgs,
        items: g.map((i) => call.inputs[i]),
        batchSize: call.batchSize,
        name: `${info.job_name}_chunk_${c}${attempt ? `_retry${attempt}` : ''}`,
        envVars: info.env_vars,
        secretEnvVars: info.secret_env_vars,
        preCmds: info.pre_cmds,
        postCmds: info.post_cmds,
        inputFiles: info.input_files,
        outputFiles: info.output_files,
        hashIgnore: info.hash_ignore,
        cwd: call.cwd,
      }),
    ),
  );
  const started = await startJobs(ctx, prepared, {
    system: info.sys_name,
    resources,
    headerExtra: info.header_extra,
    exactFit: info.exact_fit,
    partialNode: info.partial_node,
    ...(info.job_array !== undefined ? { arrays: info.job_array } : {}),
  });
  return started.map((s, c) => ({ indexes: groups[c]!, jobId: s.row.id }));
}

export interface GatherOptions {
  signal?: AbortSignal;
  onCounts?: (counts: ProgressCounts) => void;
  /** Given in the process that made the call: lets died chunks be resubmitted (resubmit_killed_jobs). */
  resubmit?: { call: RemoteCall; enabled: boolean };
}

// Wait for every job of the call, harvest item results as jobs end, and assemble results by item index. Without
// `resubmit` (another process), chunks resubmitted meanwhile by the calling process are read from the store and followed.
export async function gatherRemote(ctx: XprContext, record: CallRecord, opts: GatherOptions = {}): Promise<{ results: unknown[]; failures: ItemFailure[] }> {
  const failures = new Map<number, ItemFailure>();
  const harvested = new Set<string>();
  const initial = lookedUp.get(record) ?? ctx.store.getItemResults(record.itemKeys);
  lookedUp.delete(record);
  const done = new Set(record.itemKeys.flatMap((k, i) => (initial.get(k)?.ok ? [i] : [])));
  const known = new Set(record.chunks.map((c) => c.jobId));
  let chunks = record.chunks;
  for (let round = 0; ; round++) {
    const byId = new Map(chunks.map((c) => [c.jobId, c]));
    const harvest = (rows: JobRow[]): void => {
      for (const row of rows) {
        const chunk = byId.get(row.id);
        if (!chunk || harvested.has(row.id) || !ENDED.includes(row.state)) continue;
        harvested.add(row.id);
        for (const i of harvestJob(ctx, row, chunk, record.itemKeys, failures)) done.add(i);
      }
    };
    await waitAll(ctx, chunks.map((c) => c.jobId), record, opts, harvest, () => ({ items: done.size, failed: failures.size }));
    const next = opts.resubmit
      ? await resubmitDied(ctx, record, chunks, failures, opts.resubmit, round)
      : followStored(ctx, record, known);
    if (next.length === 0) break;
    chunks = next;
  }
  // Good results are never replaced by failures, so only the items without one at the start are read again.
  const stored = new Map(initial);
  for (const [k, r] of ctx.store.getItemResults(record.itemKeys.filter((k) => !initial.get(k)?.ok))) stored.set(k, r);
  const results = record.itemKeys.map((k) => {
    const r = stored.get(k);
    return r?.ok ? (decode(r.payload) as { value: unknown }).value : undefined;
  });
  for (const [i, k] of record.itemKeys.entries()) {
    // An item with a good stored result (from a retry, another call or another process) has not failed.
    if (stored.get(k)?.ok) failures.delete(i);
    else if (!failures.has(i)) failures.set(i, { index: i, jobId: null, error: new Error('no job produced a result for this item') });
  }
  return { results, failures: [...failures.values()].sort((a, b) => a.index - b.index) };
}

// Resubmit the failed items of died chunks (bounded attempts, more max_time when it fits) and save the new chunks in
// the call record. Returns the new chunks; none if nothing is to be (or can be) resubmitted: those items stay died.
async function resubmitDied(
  ctx: XprContext, record: CallRecord, chunks: Chunk[], failures: Map<number, ItemFailure>, resubmit: NonNullable<GatherOptions['resubmit']>, round: number,
): Promise<Chunk[]> {
  const died = chunks.filter((c) => ctx.store.get(c.jobId)?.state === 'processed' && ctx.store.get(c.jobId)?.reason?.startsWith('died'));
  const retry = [...new Set(died.flatMap((c) => c.indexes))].filter((i) => failures.has(i));
  if (!resubmit.enabled || retry.length === 0 || round >= MAX_RESUBMITS) return [];
  const { info } = resubmit.call;
  const previousS = Math.max(0, ...died.map((c) => (ctx.store.get(c.jobId)?.details.fit as { maxTimeS?: number } | undefined)?.maxTimeS ?? 0));
  let maxTimeS: number | null = null;
  let why = `no partition of system "${info.sys_name}" takes their resources`;
  try {
    maxTimeS = resubmitMaxTimeS(previousS, parseTimeS(info.resources.max_time, 'resources.max_time'), (s) => fitsSystem(ctx, info, s));
  } catch (error) {
    why = (error as Error).message;
  }
  if (maxTimeS === null) {
    ctx.logger.warn(`cannot resubmit ${retry.length} item(s) of ${died.length} died job(s), reporting them as died: ${why}`);
    return [];
  }
  ctx.logger.info(`resubmitting ${retry.length} item(s) of ${died.length} died job(s) with max_time ${formatHMS(maxTimeS)} (attempt ${round + 1} of ${MAX_RESUBMITS})`);
  let fresh: Chunk[];
  try {
    fresh = await startChunks(ctx, resubmit.call, retry, round + 1, { ...info.resources, max_time: maxTimeS });
  } catch (error) {
    ctx.logger.warn(`resubmitting ${retry.length} item(s) failed, reporting them as died: ${(error as Error).message}`);
    return [];
  }
  for (const i of retry) failures.delete(i);
  record.chunks = [...record.chunks, ...fresh];
  ctx.store.putCall(record.callKey, record as unknown as Record<string, unknown>);
  return fresh;
}

// Chunks the call's stored record holds that this process has not waited for yet (resubmitted by the calling process).
function followStored(ctx: XprContext, record: CallRecord, known: Set<string>): Chunk[] {
  const stored = ctx.store.getCall(record.callKey) as unknown as CallRecord | undefined;
  const fresh = (stored?.chunks ?? []).filter((c) => !known.has(c.jobId));
  for (const c of fresh) known.add(c.jobId);
  if (fresh.length) record.chunks = [...record.chunks, ...fresh];
  return fresh;
}

// Wait for the jobs (one poller per system, all at once), harvesting each as it ends and reporting counts per poll.
async function waitAll(
  ctx: XprContext, jobIds: string[], record: CallRecord, opts: GatherOptions, harvest: (rows: JobRow[]) => void,
  itemCounts: () => { items: number; failed: number },
): Promise<void> {
  const rows = ctx.store.list({ ids: jobIds });
  harvest(rows);
  const bySystem = new Map<string, string[]>();
  for (const r of rows) bySystem.set(r.system, [...(bySystem.get(r.system) ?? []), r.id]);
  const latest = new Map(rows.map((r) => [r.id, r]));
  const report = (): void => {
    if (!opts.onCounts) return;
    const all = [...latest.values()];
    const items = itemCounts();
    opts.onCounts({
      itemsDone: items.items,
      itemsFailed: items.failed,
      jobsQueued: all.filter((r) => ['created', 'staged', 'submitted', 'queued'].includes(r.state)).length,
      jobsRunning: all.filter((r) => r.state === 'running').length,
      jobsDone: all.filter((r) => r.state === 'succeeded' || (r.state === 'processed' && !r.reason)).length,
      jobsFailed: all.filter((r) => ['failed', 'died', 'cancelled'].includes(r.state) || (r.state === 'processed' && !!r.reason)).length,
    });
  };
  report();
  await Promise.all(
    [...bySystem].map(async ([system, ids]) => {
      const poller = await ctx.poller(system);
      await poller.wait(ids, {
        timeoutS: record.timeoutS ?? undefined,
        checkIntervalS: record.checkIntervalS,
        signal: opts.signal,
        onPoll: (polled) => {
          for (const r of polled) latest.set(r.id, r);
          harvest(polled);
          report();
        },
      });
    }),
  );
  harvest(ctx.store.list({ ids: jobIds }));
}

// Store the item results of an ended job, record its failures, and mark it processed (so it is never reused).
// Returns the indexes of the items it stored results for.
function harvestJob(ctx: XprContext, row: JobRow, chunk: Chunk, itemKeys: string[], failures: Map<number, ItemFailure>): number[] {
  const seen = new Set<number>();
  let records: ReturnType<typeof readItemRecords>;
  try {
    records = readItemRecords(row.stageDir);
  } catch (err) {
    // A damaged records file fails this chunk's items (the error names the file and line), not the whole call.
    records = [];
    chunk.indexes.forEach((index, pos) => {
      seen.add(pos);
      failures.set(index, { index, jobId: row.id, error: err as Error });
    });
  }
  const ok: Array<{ itemKey: string; jobId: string; ok: boolean; payload: string }> = [];
  const okIndexes: number[] = [];
  for (const rec of records) {
    const index = chunk.indexes[rec.i];
    if (index === undefined) continue;
    seen.add(rec.i);
    if (rec.ok) {
      ok.push({ itemKey: itemKeys[index]!, jobId: row.id, ok: true, payload: encode({ value: rec.value }) });
      okIndexes.push(index);
      failures.delete(index);
    } else {
      failures.set(index, { index, jobId: row.id, error: rec.error instanceof Error ? rec.error : new Error(String(rec.error)) });
    }
  }
  ctx.store.putItemResults(ok);
  const missing = chunk.indexes.map((index, pos) => ({ index, pos })).filter((x) => !seen.has(x.pos));
  if (missing.length) {
    const error = jobLevelError(row);
    for (const { index } of missing) failures.set(index, { index, jobId: row.id, error });
  }
  if (row.state === 'succeeded') ctx.store.transition(row.id, 'processed');
  else if (row.state === 'died') ctx.store.transition(row.id, 'processed', { reason: `died: ${row.reason ?? 'unknown'}` });
  return okIndexes;
}

function jobLevelError(row: JobRow): Error {
  const out = readTail(row.stageDir, JobFiles.stdout);
  const err = readTail(row.stageDir, JobFiles.stderr);
  if (row.state === 'failed') {
    if (row.reason?.startsWith('submission failed')) return new JobDiedError(row.id, row.reason);
    return new JobFailedError(row.id, readJobError(row.stageDir), out, err);
  }
  if (row.state === 'cancelled') return new JobDiedError(row.id, 'cancelled');
  return new JobDiedError(row.id, row.reason?.replace(/^died: /, '') ?? 'ended without a result for this item', out, err);
}
