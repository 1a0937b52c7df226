// autoparallelize on a queue: items without a cached result are chunked into jobs (started in one batch), each
// job's per-item records are harvested into the item cache as it ends, died chunks may be resubmitted, and the
// results are assembled by item index. The call's record in the store (saved again after each resubmission) lets
// another process collect it.
import { decode } from '../codec/index.ts';
import type { CodeBundle } from '../bundle/index.ts';
import { DIED_OUTCOMES, ENDED_STATES, RESULT_HOLDER_STATES, UNCOLLECTED_STATES, type ItemResult, type JobRow } from '../store/index.ts';
import { prepareJob, startJobs, type XprContext, type StartOptions } from '../job/index.ts';
import type { RemoteInfo } from '../routing/remote-info.ts';
import { itemsPerJob } from '../routing/remote-info.ts';
import type { ItemFailure } from './failures.ts';
import { countJobs, type ProgressSnapshot } from './progress-events.ts';
import { claimAndStart } from './item-claims.ts';
import { resubmitMaxTimeS, resubmitMemKb, resubmitResources, fitsSystem } from './resubmit.ts';
import { usageOf } from '../job/usage.ts';
import { requestedMemBytes } from '../job/usage-record.ts';
import type { ResourcesInput } from '../resources/types.ts';
import { formatHMS, formatMemKb, parseTimeS } from '../resources/units.ts';
import { parseCallRecord, type CallRecord, type Chunk } from './call-record.ts';
import { collectOrphan, harvestJob, retire } from './harvest.ts';

export type { CallRecord, Chunk } from './call-record.ts';

export interface RemoteCall {
  op: CodeBundle;
  inputs: readonly unknown[];
  extraArgs: unknown[];
  batchSize: number;
  info: RemoteInfo;
  cwd: string;
}

const MAX_RESUBMITS = 2;

// Items are the unit of restart: an item with a stored result is not run again; one held by a job that an earlier run
// (any chunking, any item list) started and that is still live is waited for and collected from that job; ended jobs
// nobody collected are collected now. Only the other items are chunked into new jobs, started in one batch.
// `recompute`: item keys whose stored results (and ended jobs) are ignored and dropped. Saves and returns the call record.
export async function submitRemote(
  ctx: XprContext, call: RemoteCall, keys: { callKey: string; itemKeys: string[] },
  opts: { ignoreFailed: boolean; outputs: string | null; recompute?: ReadonlySet<string>; inputsKey?: string | null },
): Promise<CallRecord> {
  const recompute = opts.recompute ?? new Set<string>();
  backfillJobItems(ctx, keys.callKey);
  const firstIndex = new Map<string, number>();
  keys.itemKeys.forEach((k, i) => firstIndex.has(k) || firstIndex.set(k, i));
  // One lookup of the item cache, repeated only when collecting or recompute changed it; gatherRemote reuses the last.
  let cached = new Map<string, ItemResult>();
  const missingKeys = (): string[] => {
    cached = ctx.store.getItemResults([...firstIndex.keys()]);
    return [...firstIndex.keys()].filter((k) => !cached.get(k)?.ok || recompute.has(k));
  };
  let missing = missingKeys();
  // Ended jobs of earlier runs that hold wanted items: their records go into the item cache (recomputed ones then dropped).
  const ended = new Set([...ctx.store.jobsHoldingItems(missing, UNCOLLECTED_STATES).values()].flat());
  for (const row of ctx.store.list({ ids: [...ended] })) collectOrphan(ctx, row);
  if (recompute.size) ctx.store.deleteItemResults([...recompute]);
  if (ended.size || recompute.size) missing = missingKeys();
  // Which items get new jobs is decided in one store transaction per round, so two drivers running overlapping calls at
  // once never both start a job for an item: the items another driver is submitting are adopted from its jobs.
  const claimed = await claimAndStart(ctx, missing, RESULT_HOLDER_STATES, (mine) =>
    startChunks(ctx, call, mine.map((k) => firstIndex.get(k)!).sort((a, b) => a - b), 0, call.info.resources, keys.itemKeys, recompute.size > 0));
  const chunks = claimed.started.flat();
  const adopted = claimed.adopted.filter((id) => !chunks.some((c) => c.jobId === id));
  const adoptedChunks: Chunk[] = adopted.map((jobId) => ({ jobId, indexes: ctx.store.jobItemKeys(jobId).map((k) => firstIndex.get(k) ?? -1) }));
  if (adopted.length) ctx.logger.info(`${adoptedChunks.flatMap((c) => c.indexes).filter((i) => i >= 0).length} item(s) are already being computed by ${adopted.length} job(s) of an earlier run or another process: waiting for them`);
  const record: CallRecord = {
    version: 2,
    callKey: keys.callKey,
    itemKeys: keys.itemKeys,
    chunks: [...adoptedChunks, ...chunks],
    timeoutS: call.info.timeout,
    checkIntervalS: call.info.check_interval,
    ignoreFailed: opts.ignoreFailed,
    outputs: opts.outputs,
    ...(opts.inputsKey ? { inputsKey: opts.inputsKey } : {}),
  };
  ctx.store.putCall(keys.callKey, record);
  lookedUp.set(record, cached);
  return record;
}

// Jobs listed by an earlier record of this call but claimed before item keys were recorded: record them from the chunks.
function backfillJobItems(ctx: XprContext, callKey: string): void {
  const stored = ctx.store.getCall(callKey);
  const old = stored && parseCallRecord(stored);
  if (!old) return;
  for (const c of old.chunks) {
    if (c.indexes.every((i) => i >= 0) && ctx.store.jobItemKeys(c.jobId).length === 0 && ctx.store.get(c.jobId)) {
      ctx.store.recordJobItems(c.jobId, c.indexes.map((i) => old.itemKeys[i]!));
    }
  }
}

/** The item results submitRemote read, for the gatherRemote of the same record in this process (one lookup, not two). */
const lookedUp = new WeakMap<CallRecord, Map<string, ItemResult>>();

/** The item results submitRemote read for this record in this process, if gatherRemote has not taken them yet. */
export function lookedUpResults(record: CallRecord): ReadonlyMap<string, ItemResult> | undefined {
  return lookedUp.get(record);
}

async function startChunks(
  ctx: XprContext, call: RemoteCall, indexes: number[], attempt: number, resources: ResourcesInput, itemKeys: readonly string[], recompute = false,
): Promise<Chunk[]> {
  if (indexes.length === 0) return [];
  const size = itemsPerJob(call.info, call.batchSize);
  const groups: number[][] = [];
  for (let k = 0; k < indexes.length; k += size) groups.push(indexes.slice(k, k + size));
  const { info } = call;
  const prepared = await Promise.all(
    groups.map((g, c) =>
      prepareJob({
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
      }).then((p) => ({ ...p, itemKeys: g.map((i) => itemKeys[i]!) })),
    ),
  );
  // Recomputing: an ended job with exactly a chunk's items is not attached to (a live one is: it computes them now).
  if (recompute) {
    for (const p of prepared) {
      const old = ctx.store.findReusable(p.cacheKey);
      if (old) retire(ctx, old);
    }
  }
  const started = await startJobs(ctx, prepared, chunkStartOptions(info, resources));
  return started.map((s, c) => ({ indexes: groups[c]!, jobId: s.row.id }));
}

/** How a call's chunk jobs are started. */
export function chunkStartOptions(info: RemoteInfo, resources: ResourcesInput): StartOptions {
  return {
    system: info.sys_name,
    resources,
    headerExtra: info.header_extra,
    exactFit: info.exact_fit,
    partialNode: info.partial_node,
    ...(info.job_array !== undefined ? { arrays: info.job_array } : {}),
  };
}

export interface GatherOptions {
  signal?: AbortSignal;
  /** Item and job counts: once before waiting, then after every poll (the source of the call's progress events). */
  onCounts?: (snapshot: ProgressSnapshot) => void;
  /** Given in the process that made the call: lets died chunks be resubmitted (resubmit_killed_jobs). */
  resubmit?: { call: RemoteCall; enabled: boolean };
}

const HARVEST_RETRIES = 5;

// Wait for every job of the call, harvest item results as jobs end, and assemble results by item index. Without
// `resubmit` (another process), chunks resubmitted meanwhile by the calling process are read from the store and followed.
export async function gatherRemote(ctx: XprContext, record: CallRecord, opts: GatherOptions = {}): Promise<{ results: unknown[]; failures: ItemFailure[]; jobIds: string[] }> {
  const failures = new Map<number, ItemFailure>();
  const harvested = new Set<string>();
  const byKey = new Map<string, number[]>();
  // Plain loops: these passes run once per item (10^6 in a large call), so no array copies or spreads per item.
  record.itemKeys.forEach((k, i) => {
    const at = byKey.get(k);
    if (at) at.push(i);
    else byKey.set(k, [i]);
  });
  const initial = lookedUp.get(record) ?? ctx.store.getItemResults(record.itemKeys);
  lookedUp.delete(record);
  const done = new Set<number>();
  record.itemKeys.forEach((k, i) => initial.get(k)?.ok && done.add(i));
  // Cached: results there before waiting began for items no job of the call was started for.
  const inChunks = new Set(record.chunks.flatMap((c) => c.indexes));
  const cached = [...done].filter((i) => !inChunks.has(i)).length;
  const known = new Set(record.chunks.map((c) => c.jobId));
  let chunks = record.chunks;
  for (let round = 0; ; round++) {
    const byId = new Map(chunks.map((c) => [c.jobId, c]));
    // A job counts as harvested once its items are stored: one that hit a store error (a lock held too long, a full
    // disk) is tried again at the next poll and after the wait, and the error is thrown only if it persists.
    let harvestError: Error | undefined;
    const harvest = (rows: JobRow[]): void => {
      for (const row of rows) {
        const chunk = byId.get(row.id);
        if (!chunk || harvested.has(row.id) || !ENDED_STATES.includes(row.state)) continue;
        try {
          for (const i of harvestJob(ctx, row, chunk, record.itemKeys, byKey, failures)) done.add(i);
          harvested.add(row.id);
        } catch (err) {
          if (!harvestError) ctx.logger.warn(`could not store the results of job ${row.id} (${(err as Error).message}); trying again`);
          harvestError = err as Error;
        }
      }
    };
    const ids = chunks.map((c) => c.jobId);
    await waitAll(ctx, ids, record, opts, harvest, () => ({ done: done.size, failed: failures.size, cached }));
    const unharvested = (): boolean => ctx.store.list({ ids }).some((r) => ENDED_STATES.includes(r.state) && !harvested.has(r.id));
    for (let attempt = 1; attempt <= HARVEST_RETRIES && unharvested(); attempt++) {
      await new Promise((r) => setTimeout(r, attempt * 1000));
      harvest(ctx.store.list({ ids }));
    }
    if (unharvested() && harvestError) throw harvestError;
    const next = opts.resubmit
      ? await resubmitDied(ctx, record, chunks, failures, opts.resubmit, round)
      : followStored(ctx, record, known);
    if (next.length === 0) break;
    chunks = next;
  }
  // Good results are never replaced by failures, so only the items without one at the start are read again.
  const again = ctx.store.getItemResults(record.itemKeys.filter((k) => !initial.get(k)?.ok));
  const stored = again.size ? new Map([...initial, ...again]) : initial;
  const jobIds = new Set<string>();
  const results = record.itemKeys.map((k) => {
    const r = stored.get(k);
    if (!r?.ok) return undefined;
    jobIds.add(r.jobId);
    return (decode(r.payload) as { value: unknown }).value;
  });
  for (const [i, k] of record.itemKeys.entries()) {
    // An item with a good stored result (from a retry, another call or another process) has not failed.
    if (stored.get(k)?.ok) failures.delete(i);
    else if (!failures.has(i)) failures.set(i, { index: i, jobId: null, error: new Error('no job produced a result for this item') });
  }
  return { results, failures: [...failures.values()].sort((a, b) => a.index - b.index), jobIds: [...jobIds] };
}

// Resubmit the failed items of died chunks (bounded attempts, more max_time when it fits) and save the new chunks in
// the call record. Returns the new chunks; none if nothing is to be (or can be) resubmitted: those items stay died.
async function resubmitDied(
  ctx: XprContext, record: CallRecord, chunks: Chunk[], failures: Map<number, ItemFailure>, resubmit: NonNullable<GatherOptions['resubmit']>, round: number,
): Promise<Chunk[]> {
  const died = chunks.filter((c) => {
    const row = ctx.store.get(c.jobId);
    return row?.state === 'processed' && row.outcome !== null && DIED_OUTCOMES.includes(row.outcome);
  });
  const retry = [...new Set(died.flatMap((c) => c.indexes))].filter((i) => failures.has(i));
  if (!resubmit.enabled || retry.length === 0 || round >= MAX_RESUBMITS) return [];
  const { info } = resubmit.call;
  const rows = died.map((c) => ctx.store.get(c.jobId)!).filter(Boolean);
  const previousS = Math.max(0, ...rows.map((r) => r.details.fit?.maxTimeS ?? 0));
  // Jobs killed for memory get 1.5x the memory they were granted (the queue's figure, else their own request);
  // the others (TIMEOUT and the like) 1.5x the time.
  const oom = rows.filter((r) => r.outcome === 'out-of-memory');
  const previousMemKb = Math.max(0, ...oom.map((r) => Math.ceil((usageOf(r.details)?.req_mem_bytes ?? requestedMemBytes(r) ?? 0) / 1024)));
  const moreTime = oom.length < rows.length;
  let maxTimeS: number | null = null;
  let memKb: number | null = null;
  let why = `no partition of system "${info.sys_name}" takes their resources`;
  try {
    const originalS = parseTimeS(info.resources.max_time, 'resources.max_time');
    if (previousMemKb > 0) {
      memKb = resubmitMemKb(previousMemKb, (kb) => fitsSystem(ctx, info, moreTime ? previousS : previousS || originalS, kb));
      if (memKb === null) memKb = previousMemKb;
    }
    maxTimeS = moreTime
      ? resubmitMaxTimeS(previousS, originalS, (t) => fitsSystem(ctx, info, t, memKb))
      : [previousS, originalS].find((t) => t > 0 && fitsSystem(ctx, info, t, memKb)) ?? null;
  } catch (error) {
    why = (error as Error).message;
  }
  if (maxTimeS === null) {
    ctx.logger.warn(`cannot resubmit ${retry.length} item(s) of ${died.length} died job(s), reporting them as died: ${why}`);
    return [];
  }
  const memNote = previousMemKb > 0
    ? memKb! > previousMemKb
      ? ` and memory ${formatMemKb(memKb!)} (1.5x the ${formatMemKb(previousMemKb)} of ${oom.length} job(s) killed OUT_OF_MEMORY)`
      : ` and the same memory ${formatMemKb(previousMemKb)} (${oom.length} job(s) were killed OUT_OF_MEMORY, but no partition takes 1.5x)`
    : '';
  ctx.logger.info(`resubmitting ${retry.length} item(s) of ${died.length} died job(s) with max_time ${formatHMS(maxTimeS)}${memNote} (attempt ${round + 1} of ${MAX_RESUBMITS})`);
  let fresh: Chunk[];
  try {
    // Claimed as in submitRemote: a driver of an overlapping call waiting on the same died job resubmits each item
    // once between them; items the other one resubmitted (or finished) meanwhile are adopted (or read from the cache).
    const at = new Map<string, number[]>();
    for (const i of retry) at.set(record.itemKeys[i]!, [...(at.get(record.itemKeys[i]!) ?? []), i]);
    const claimed = await claimAndStart(ctx, [...at.keys()], RESULT_HOLDER_STATES, (mine) =>
      startChunks(ctx, resubmit.call, mine.flatMap((k) => at.get(k)!).sort((a, b) => a - b), round + 1, resubmitResources(info, maxTimeS, memKb), record.itemKeys));
    fresh = claimed.started.flat();
    for (const jobId of claimed.adopted) {
      if (!fresh.some((c) => c.jobId === jobId)) fresh.push({ jobId, indexes: ctx.store.jobItemKeys(jobId).map((k) => record.itemKeys.indexOf(k)) });
    }
  } catch (error) {
    ctx.logger.warn(`resubmitting ${retry.length} item(s) failed, reporting them as died: ${(error as Error).message}`);
    return [];
  }
  for (const i of retry) failures.delete(i);
  record.chunks = [...record.chunks, ...fresh];
  ctx.store.putCall(record.callKey, record);
  return fresh;
}

// Chunks the call's stored record holds that this process has not waited for yet (resubmitted by the calling process).
function followStored(ctx: XprContext, record: CallRecord, known: Set<string>): Chunk[] {
  const stored = ctx.store.getCall(record.callKey);
  const fresh = ((stored && parseCallRecord(stored))?.chunks ?? []).filter((c) => !known.has(c.jobId));
  for (const c of fresh) known.add(c.jobId);
  if (fresh.length) record.chunks = [...record.chunks, ...fresh];
  return fresh;
}

// Wait for the jobs (one poller per system, all at once), harvesting each as it ends and reporting counts per poll.
async function waitAll(
  ctx: XprContext, jobIds: string[], record: CallRecord, opts: GatherOptions, harvest: (rows: JobRow[]) => void,
  itemCounts: () => ProgressSnapshot['items'],
): Promise<void> {
  const rows = ctx.store.list({ ids: jobIds });
  harvest(rows);
  const bySystem = new Map<string, string[]>();
  for (const r of rows) bySystem.set(r.system, [...(bySystem.get(r.system) ?? []), r.id]);
  const latest = new Map(rows.map((r) => [r.id, r]));
  const report = (): void => {
    if (!opts.onCounts) return;
    opts.onCounts({ items: itemCounts(), jobs: countJobs(latest.values()) });
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
  const final = ctx.store.list({ ids: jobIds });
  harvest(final);
  for (const r of final) latest.set(r.id, r);
  report();
}
