// autoparallelize on a queue: items without a cached result are chunked into jobs (started in one batch), each
// job's per-item records are harvested into the item cache as it ends, died chunks may be resubmitted, and the
// results are assembled by item index. The call's record in the store lets another process collect it.
import { encode, decode } from '../codec/index.ts';
import type { CodeBundle } from '../bundle/index.ts';
import type { JobRow } from '../store/index.ts';
import { prepareJob, startJobs, JobDiedError, JobFailedError, type XprContext } from '../job/index.ts';
import { readItemRecords, readJobError, readTail } from '../job/collect.ts';
import { JobFiles } from '../runner/contract.ts';
import type { RemoteInfo } from './remote-info.ts';
import { itemsPerJob } from './remote-info.ts';
import type { ItemFailure } from './failures.ts';
import type { ProgressCounts } from './progress.ts';

export interface Chunk {
  /** Indexes into the call's inputs, in order. */
  indexes: number[];
  jobId: string;
}

/** What is stored per call (table `calls`), enough to wait for and assemble it from any process. */
export interface CallRecord {
  version: 1;
  itemKeys: string[];
  chunks: Chunk[];
  timeoutS: number | null;
  checkIntervalS: number;
  ignoreFailed: boolean;
}

export interface RemoteCall {
  op: CodeBundle;
  inputs: readonly unknown[];
  extraArgs: unknown[];
  batchSize: number;
  info: RemoteInfo;
  cwd: string;
}

export type Counts = ProgressCounts;

const MAX_RESUBMITS = 2;

// Chunk the items that have no cached result into jobs and start them all in one batch. Returns the call record.
export async function submitRemote(ctx: XprContext, call: RemoteCall, keys: { callKey: string; itemKeys: string[] }): Promise<CallRecord> {
  const cached = ctx.store.getItemResults(keys.itemKeys);
  const missing = keys.itemKeys.map((k, i) => (cached.get(k)?.ok ? -1 : i)).filter((i) => i >= 0);
  const chunks = await startChunks(ctx, call, missing, 0);
  const record: CallRecord = {
    version: 1,
    itemKeys: keys.itemKeys,
    chunks,
    timeoutS: call.info.timeout,
    checkIntervalS: call.info.check_interval,
    ignoreFailed: call.info.ignore_failed_jobs,
  };
  ctx.store.putCall(keys.callKey, record as unknown as Record<string, unknown>);
  return record;
}

async function startChunks(ctx: XprContext, call: RemoteCall, indexes: number[], attempt: number, extraTimeS = 0): Promise<Chunk[]> {
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
        preCmds: info.pre_cmds,
        postCmds: info.post_cmds,
        inputFiles: info.input_files,
        outputFiles: info.output_files,
        hashIgnore: info.hash_ignore,
        cwd: call.cwd,
      }),
    ),
  );
  const resources = extraTimeS ? { ...info.resources, max_time: `${Math.ceil(extraTimeS)}s` } : info.resources;
  const started = await startJobs(ctx, prepared, {
    system: info.sys_name,
    resources,
    headerExtra: info.header_extra,
    exactFit: info.exact_fit,
    partialNode: info.partial_node,
  });
  return started.map((s, c) => ({ indexes: groups[c]!, jobId: s.row.id }));
}

export interface GatherOptions {
  signal?: AbortSignal;
  onCounts?: (counts: Counts) => void;
  /** Given in the process that made the call: lets died chunks be resubmitted (resubmit_killed_jobs). */
  resubmit?: { call: RemoteCall; enabled: boolean };
}

// Wait for every job of the call, harvest item results as jobs end, and assemble results by item index.
export async function gatherRemote(ctx: XprContext, record: CallRecord, opts: GatherOptions = {}): Promise<{ results: unknown[]; failures: ItemFailure[] }> {
  const failures = new Map<number, ItemFailure>();
  const harvested = new Set<string>();
  const done = { items: [...ctx.store.getItemResults(record.itemKeys).values()].filter((r) => r.ok).length };
  let chunks = record.chunks;
  for (let attempt = 0; ; attempt++) {
    const byId = new Map(chunks.map((c) => [c.jobId, c]));
    const harvest = (rows: JobRow[]): void => {
      for (const row of rows) {
        if (harvested.has(row.id) || !['succeeded', 'failed', 'died', 'cancelled', 'processed'].includes(row.state)) continue;
        harvested.add(row.id);
        done.items += harvestJob(ctx, row, byId.get(row.id)!, record.itemKeys, failures);
      }
    };
    await waitAll(ctx, chunks.map((c) => c.jobId), record, opts, harvest, () => ({ items: done.items, failed: failures.size }));
    const died = chunks.filter((c) => ctx.store.get(c.jobId)?.state === 'processed' && ctx.store.get(c.jobId)?.reason?.startsWith('died'));
    const retry = died.flatMap((c) => c.indexes).filter((i) => failures.has(i));
    if (!opts.resubmit?.enabled || retry.length === 0 || attempt >= MAX_RESUBMITS) break;
    ctx.logger.info(`resubmitting ${retry.length} item(s) of ${died.length} died job(s) (attempt ${attempt + 1} of ${MAX_RESUBMITS})`);
    const maxTime = Math.max(...died.map((c) => (ctx.store.get(c.jobId)?.details.fit as { maxTimeS?: number } | undefined)?.maxTimeS ?? 0));
    for (const i of retry) failures.delete(i);
    chunks = await startChunks(ctx, opts.resubmit.call, retry, attempt + 1, maxTime * 1.5);
    record.chunks = [...record.chunks, ...chunks];
  }
  const stored = ctx.store.getItemResults(record.itemKeys);
  const results = record.itemKeys.map((k) => {
    const r = stored.get(k);
    return r?.ok ? (decode(r.payload) as { value: unknown }).value : undefined;
  });
  for (const [i, k] of record.itemKeys.entries()) {
    if (!stored.get(k)?.ok && !failures.has(i)) failures.set(i, { index: i, jobId: null, error: new Error('no job produced a result for this item') });
  }
  return { results, failures: [...failures.values()].sort((a, b) => a.index - b.index) };
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
// Returns how many items it contributed results for.
function harvestJob(ctx: XprContext, row: JobRow, chunk: Chunk, itemKeys: string[], failures: Map<number, ItemFailure>): number {
  const records = readItemRecords(row.stageDir);
  const seen = new Set<number>();
  const ok: Array<{ itemKey: string; jobId: string; ok: boolean; payload: string }> = [];
  for (const rec of records) {
    const index = chunk.indexes[rec.i];
    if (index === undefined) continue;
    seen.add(rec.i);
    if (rec.ok) {
      ok.push({ itemKey: itemKeys[index]!, jobId: row.id, ok: true, payload: encode({ value: rec.value }) });
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
  return ok.length;
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
