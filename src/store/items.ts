// Items of map jobs: which item keys each job holds (job_items) and the per-item results stored as jobs end
// (item_results), read in blocks of keys passed as one JSON array. Used by JobStore (store.ts).
import type { StoreDb } from './db.ts';
import { now, QUERY_KEYS, sqlIn } from './db.ts';
import type { JobState } from './states.ts';
import type { ItemResult } from './rows.ts';

/** Item keys per getItemResults query: blocks read with .all() (fewer native calls per row than .iterate(), and small
 *  enough arrays to stay cheap for the garbage collector: 10^5 results 1.5 s -> 1.0 s at loadavg 15). */
const ITEM_RESULT_BLOCK = 5000;

// Record the item keys of a map job by position (positions already recorded are kept); the caller runs it in a write.
export function recordJobItems(s: StoreDb, jobId: string, itemKeys: readonly string[]): void {
  const stmt = s.db.prepare('INSERT OR IGNORE INTO job_items (job_id, pos, item_key) VALUES (?, ?, ?)');
  itemKeys.forEach((k, pos) => stmt.run(jobId, pos, k));
}

export function jobItemKeys(s: StoreDb, jobId: string): string[] {
  const rows = s.read(() => s.db.prepare('SELECT item_key FROM job_items WHERE job_id = ? ORDER BY pos').all(jobId)) as Array<{ item_key: string }>;
  return rows.map((r) => r.item_key);
}

export function jobsHoldingItems(s: StoreDb, itemKeys: readonly string[], states: readonly JobState[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (states.length === 0) return out;
  s.read(() => {
    const stmt = s.db.prepare(
      `SELECT j.id FROM job_items i JOIN jobs j ON j.id = i.job_id WHERE i.item_key = ? AND j.state IN (${states.map(() => '?').join(', ')})
       ORDER BY j.created_at DESC, j.rowid DESC`,
    );
    s.db.transaction(() => {
      for (const key of itemKeys) {
        const ids = (stmt.all(key, ...states) as Array<{ id: string }>).map((r) => r.id);
        if (ids.length) out.set(key, [...new Set(ids)]);
      }
    })();
  });
  return out;
}

// One query per 5000 keys (passed as a JSON array), so SQLite walks the index itself instead of one statement call
// per key (10^6 keys: seconds -> under one).
export function getItemResults(s: StoreDb, itemKeys: readonly string[]): Map<string, ItemResult> {
  const out = new Map<string, ItemResult>();
  if (itemKeys.length === 0) return out;
  s.read(() => {
    const stmt = s.db.prepare('SELECT item_key, job_id, ok, payload FROM item_results WHERE item_key IN (SELECT value FROM json_each(?))').raw();
    s.db.transaction(() => {
      for (let k = 0; k < itemKeys.length; k += ITEM_RESULT_BLOCK) {
        for (const r of stmt.all(JSON.stringify(itemKeys.slice(k, k + ITEM_RESULT_BLOCK))) as Array<[string, string, number, string]>) {
          out.set(r[0], { itemKey: r[0], jobId: r[1], ok: r[2] === 1, payload: r[3] });
        }
      }
    })();
  });
  return out;
}

// A result stored again unchanged (a job harvested twice) is left as it is, time included: only a real replacement
// counts as one (it retires the call snapshots, see snapshots.ts).
export function putItemResults(s: StoreDb, results: readonly ItemResult[]): void {
  if (results.length === 0) return;
  s.write(() => {
    const stmt = s.db.prepare(
      `INSERT INTO item_results (item_key, job_id, ok, payload, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(item_key) DO UPDATE SET job_id = excluded.job_id, ok = excluded.ok, payload = excluded.payload, created_at = excluded.created_at
       WHERE item_results.ok IS NOT excluded.ok OR item_results.payload IS NOT excluded.payload OR item_results.job_id IS NOT excluded.job_id`,
    );
    const t = now();
    for (const r of results) stmt.run(r.itemKey, r.jobId, r.ok ? 1 : 0, r.payload, t);
  });
}

/** A stored item result without its payload (JobStore.listItemResults). */
export interface ItemResultBrief {
  itemKey: string;
  jobId: string;
  ok: boolean;
  createdAt: number;
}

export function listItemResults(s: StoreDb, filter: { jobIds?: readonly string[]; itemKeys?: readonly string[]; before?: number }): ItemResultBrief[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.jobIds) {
    where.push(sqlIn('job_id', filter.jobIds, params));
  }
  if (filter.itemKeys) {
    where.push(sqlIn('item_key', filter.itemKeys, params));
  }
  if (filter.before !== undefined) {
    where.push('created_at < ?');
    params.push(filter.before);
  }
  const sql = `SELECT item_key, job_id, ok, created_at FROM item_results${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at`;
  const rows = s.read(() => s.db.prepare(sql).all(...params)) as Array<{ item_key: string; job_id: string; ok: number; created_at: number }>;
  return rows.map((r) => ({ itemKey: r.item_key, jobId: r.job_id, ok: r.ok === 1, createdAt: r.created_at }));
}

export function deleteItemResults(s: StoreDb, itemKeys: readonly string[]): number {
  if (itemKeys.length === 0) return 0;
  return s.write(() => {
    const stmt = s.db.prepare('DELETE FROM item_results WHERE item_key = ?');
    let n = 0;
    for (const k of itemKeys) n += stmt.run(k).changes;
    return n;
  });
}

export function itemOutcomes(s: StoreDb, itemKeys: readonly string[]): Map<string, { jobId: string; ok: boolean }> {
  const out = new Map<string, { jobId: string; ok: boolean }>();
  s.read(() => {
    const stmt = s.db.prepare('SELECT job_id, ok FROM item_results WHERE item_key = ?');
    s.db.transaction(() => {
      for (const key of itemKeys) {
        const r = stmt.get(key) as { job_id: string; ok: number } | undefined;
        if (r) out.set(key, { jobId: r.job_id, ok: r.ok === 1 });
      }
    })();
  });
  return out;
}
