// Collecting the ended jobs of remote autoparallelize calls: their per-item records go into the item cache, this
// call's failed items get the error of their item (or of their job), and the job is retired (marked processed).
import { encode } from '../codec/index.ts';
import type { JobRow } from '../store/index.ts';
import { JobDiedError, JobFailedError, JobCancelledError, type XprContext } from '../job/index.ts';
import { readItemRecords, readJobError, readTail } from '../job/job-outputs.ts';
import { JobFiles } from '../runner/contract.ts';
import type { ItemFailure } from './failures.ts';
import type { Chunk } from './call-record.ts';

// Mark an ended job processed, so it is never reused (a died one says so in its reason; its outcome is kept).
export function retire(ctx: XprContext, row: JobRow): void {
  if (row.state === 'succeeded') ctx.store.transition(row.id, 'processed');
  else if (row.state === 'died') ctx.store.transition(row.id, 'processed', { reason: `died: ${row.reason ?? 'unknown'}` });
}

// Put the good item records of an ended job that no driver collected into the item cache, and mark it processed.
export function collectOrphan(ctx: XprContext, row: JobRow): void {
  const keys = ctx.store.jobItemKeys(row.id);
  let records: ReturnType<typeof readItemRecords> = [];
  try {
    records = readItemRecords(row.stageDir);
  } catch (err) {
    ctx.logger.warn(`job ${row.id}: its item records cannot be read, its items are computed again: ${(err as Error).message}`);
  }
  ctx.store.putItemResults(records.flatMap((rec) => (rec.ok && keys[rec.i] !== undefined ? [{ itemKey: keys[rec.i]!, jobId: row.id, ok: true, payload: encode({ value: rec.value }) }] : [])));
  retire(ctx, row);
}

// Store the item results of an ended job (all of its items, also those of other calls), record the failures of this
// call's items, and mark it processed (so it is never reused). Returns the indexes of this call's items it stored.
export function harvestJob(
  ctx: XprContext, row: JobRow, chunk: Chunk, itemKeys: string[], byKey: Map<string, number[]>, failures: Map<number, ItemFailure>,
): number[] {
  const recorded = ctx.store.jobItemKeys(row.id);
  const jobKeys = recorded.length ? recorded : chunk.indexes.map((i) => itemKeys[i] ?? '');
  const indexesAt = (pos: number): number[] => byKey.get(jobKeys[pos] ?? '') ?? [];
  const seen = new Set<number>();
  let records: ReturnType<typeof readItemRecords>;
  try {
    records = readItemRecords(row.stageDir);
  } catch (err) {
    // A damaged records file fails this chunk's items (the error names the file and line), not the whole call.
    records = [];
    jobKeys.forEach((_, pos) => {
      seen.add(pos);
      for (const index of indexesAt(pos)) failures.set(index, { index, jobId: row.id, error: err as Error });
    });
  }
  const ok: Array<{ itemKey: string; jobId: string; ok: boolean; payload: string }> = [];
  const okIndexes: number[] = [];
  for (const rec of records) {
    const key = jobKeys[rec.i];
    if (key === undefined || key === '') continue;
    seen.add(rec.i);
    if (rec.ok) {
      ok.push({ itemKey: key, jobId: row.id, ok: true, payload: encode({ value: rec.value }) });
      for (const index of indexesAt(rec.i)) {
        okIndexes.push(index);
        failures.delete(index);
      }
    } else {
      for (const index of indexesAt(rec.i)) failures.set(index, { index, jobId: row.id, error: rec.error instanceof Error ? rec.error : new Error(String(rec.error)) });
    }
  }
  ctx.store.putItemResults(ok);
  const missing = jobKeys.flatMap((_, pos) => (seen.has(pos) ? [] : indexesAt(pos)));
  if (missing.length) {
    const error = jobLevelError(row);
    for (const index of missing) if (!okIndexes.includes(index)) failures.set(index, { index, jobId: row.id, error });
  }
  retire(ctx, row);
  return okIndexes;
}

function jobLevelError(row: JobRow): Error {
  const out = readTail(row.stageDir, JobFiles.stdout);
  const err = readTail(row.stageDir, JobFiles.stderr);
  if (row.state === 'failed') {
    if (row.outcome === 'submission-failed') return new JobDiedError(row.id, row.reason ?? 'submission failed');
    return new JobFailedError(row.id, readJobError(row.stageDir), out, err);
  }
  if (row.state === 'cancelled') return new JobCancelledError(row.id, row.reason);
  return new JobDiedError(row.id, row.reason?.replace(/^died: /, '') ?? 'ended without a result for this item', out, err);
}
