// The autoparallelize calls as the dashboard shows them: per call, how many items are done by its jobs, failed,
// were cached before it ran (no job needed), or are still pending; read from the call records and item results.
import type { JobStore } from '../store/index.ts';

/** One autoparallelize call, as /api/calls lists it. */
export interface DashCall {
  callKey: string;
  createdAt: number;
  updatedAt: number;
  items: number;
  /** Items with a good result from one of the call's jobs. */
  done: number;
  /** Items whose job recorded an error for them (and no good result since). */
  failed: number;
  /** Items that had a good result before the call ran (no job was started for them). */
  cached: number;
  pending: number;
  jobIds: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

// Every call in the store, oldest first. A record in an unexpected shape is shown with what can be read of it.
export function dashCalls(store: JobStore): DashCall[] {
  return store.listCalls().map(({ callKey, details, createdAt, updatedAt }) => {
    const itemKeys = Array.isArray(details.itemKeys) ? details.itemKeys.filter((k): k is string => typeof k === 'string') : [];
    const chunks = Array.isArray(details.chunks) ? details.chunks.filter(isRecord) : [];
    const inChunk = new Set(chunks.flatMap((c) => (Array.isArray(c.indexes) ? c.indexes.filter((i): i is number => typeof i === 'number') : [])));
    const outcomes = store.itemOutcomes(itemKeys);
    let done = 0, failed = 0, cached = 0;
    itemKeys.forEach((k, i) => {
      const o = outcomes.get(k);
      if (!inChunk.has(i)) cached++;
      else if (o?.ok) done++;
      else if (o) failed++;
    });
    return {
      callKey, createdAt, updatedAt, items: itemKeys.length, done, failed, cached, pending: itemKeys.length - done - failed - cached,
      jobIds: [...new Set(chunks.map((c) => c.jobId).filter((j): j is string => typeof j === 'string'))],
    };
  });
}
