// Dropping stored item results (the per-item cache of autoparallelize): by the call they belong to, by the jobs that
// produced them, or by age. Used by `xpr rm --items / --call` and `xpr gc --items`; the next call computes them again.
import type { JobStore } from '../store/index.ts';
import { AutoparaOptionError } from './autoparallelize.ts';
import { callItemsAndJobs } from './call-record.ts';

export interface ItemSelection {
  /** Item keys with a stored result that the selection covers. */
  itemKeys: string[];
  /** With a call key: the ids of the call's jobs still in the store. */
  jobIds: string[];
}

// The stored item results (and jobs) of a recorded autoparallelize call (remote calls are recorded; local ones are not).
export function callSelection(store: JobStore, callKey: string): ItemSelection {
  const stored = store.getCall(callKey);
  if (!stored) throw new AutoparaOptionError(`--call: no autoparallelize call ${callKey} in ${store.path} (calls run in the local pool are not recorded; select their items with xpr gc --items)`);
  const record = callItemsAndJobs(stored);
  if (!record) throw new AutoparaOptionError(`--call: the record of autoparallelize call ${callKey} in ${store.path} has no item keys and chunks (written by another program?)`);
  const results = store.listItemResults({ itemKeys: [...new Set(record.itemKeys)] });
  const jobIds = store.list({ ids: record.jobIds }).map((r) => r.id);
  return { itemKeys: results.map((r) => r.itemKey), jobIds };
}

// Item results produced by these jobs.
export function jobsItemKeys(store: JobStore, jobIds: readonly string[]): string[] {
  return jobIds.length ? store.listItemResults({ jobIds }).map((r) => r.itemKey) : [];
}

// Item results stored more than `olderThanS` seconds ago.
export function oldItemKeys(store: JobStore, olderThanS: number, nowMs = Date.now()): string[] {
  return store.listItemResults({ before: nowMs / 1000 - olderThanS }).map((r) => r.itemKey);
}
