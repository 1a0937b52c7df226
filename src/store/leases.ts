// Who is working on what: the submission lease of a job (jobs.owner) and drivers' claims on items they are about to
// start jobs for (item_claims), so two processes sharing the store never both submit a job or an item. Used by JobStore.
import type { StoreDb } from './db.ts';
import { now, QUERY_KEYS } from './db.ts';
import type { JobState } from './states.ts';

/** How claimItems divided the item keys (JobStore.claimItems). */
export interface ItemClaimPlan {
  done: string[];
  held: Map<string, string[]>;
  others: string[];
  mine: string[];
}

export function claimItems(
  s: StoreDb, itemKeys: readonly string[], holderStates: readonly JobState[], owner: string, isStale: (owner: string, renewedAt: number) => boolean,
): ItemClaimPlan {
  const plan: ItemClaimPlan = { done: [], held: new Map(), others: [], mine: [] };
  if (itemKeys.length === 0) return plan;
  return s.write(() => {
    const keysIn = 'IN (SELECT value FROM json_each(?))';
    const results = s.db.prepare(`SELECT item_key FROM item_results WHERE ok = 1 AND item_key ${keysIn}`).pluck();
    const holders = s.db.prepare(
      `SELECT i.item_key, j.id FROM job_items i JOIN jobs j ON j.id = i.job_id WHERE i.item_key ${keysIn}
       AND j.state IN (${holderStates.map(() => '?').join(', ') || 'NULL'}) ORDER BY j.created_at DESC, j.rowid DESC`,
    ).raw();
    const claims = s.db.prepare(`SELECT item_key, owner, renewed_at FROM item_claims WHERE item_key ${keysIn}`).raw();
    const put = s.db.prepare(
      `INSERT INTO item_claims (item_key, owner, renewed_at) SELECT value, ?, ? FROM json_each(?) WHERE true
       ON CONFLICT(item_key) DO UPDATE SET owner = excluded.owner, renewed_at = excluded.renewed_at`,
    );
    const t = now();
    for (let k = 0; k < itemKeys.length; k += QUERY_KEYS) {
      const keys = itemKeys.slice(k, k + QUERY_KEYS);
      const json = JSON.stringify(keys);
      const done = new Set(results.all(json) as string[]);
      for (const [key, id] of holders.all(json, ...holderStates) as Array<[string, string]>) {
        if (done.has(key)) continue;
        const ids = plan.held.get(key);
        if (!ids) plan.held.set(key, [id]);
        else if (!ids.includes(id)) ids.push(id);
      }
      const claimed = new Map((claims.all(json) as Array<[string, string, number]>).map(([key, o, at]) => [key, { o, at }]));
      const mine: string[] = [];
      for (const key of keys) {
        const c = claimed.get(key);
        if (done.has(key)) plan.done.push(key);
        else if (plan.held.has(key)) continue;
        else if (c && c.o !== owner && !isStale(c.o, c.at)) plan.others.push(key);
        else mine.push(key);
      }
      if (mine.length) put.run(owner, t, JSON.stringify(mine));
      plan.mine.push(...mine);
    }
    return plan;
  });
}

export function renewItemClaims(s: StoreDb, owner: string): void {
  s.write(() => s.db.prepare('UPDATE item_claims SET renewed_at = ? WHERE owner = ?').run(now(), owner));
}

export function releaseItemClaims(s: StoreDb, owner: string): void {
  s.write(() => s.db.prepare('DELETE FROM item_claims WHERE owner = ?').run(owner));
}

export function takeOwnership(s: StoreDb, id: string, owner: string, isStale: (holder: string) => boolean): boolean {
  return s.write(() => {
    const row = s.db.prepare('SELECT owner FROM jobs WHERE id = ?').get(id) as { owner: string | null } | undefined;
    if (!row) return false;
    if (row.owner !== null && row.owner !== owner && !isStale(row.owner)) return false;
    s.db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(owner, id);
    return true;
  });
}

export function releaseOwnership(s: StoreDb, id: string, owner: string): void {
  s.write(() => s.db.prepare('UPDATE jobs SET owner = NULL WHERE id = ? AND owner = ?').run(id, owner));
}
