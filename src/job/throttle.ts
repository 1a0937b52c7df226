// The per-system limit on jobs in the queue at once (`max_queued_jobs`): which staged jobs may be submitted now.
// Counts come from the job store, so every driver process on the project shares one limit and a restart keeps it.
import { IN_QUEUE_STATES, type JobRow, type JobStore } from '../store/index.ts';

/** A job the queue has not seen yet: staged, no scheduler id. Held back by the limit, or waiting for a submit. */
export function isHeld(row: Pick<JobRow, 'state' | 'schedulerId'>): boolean {
  return row.state === 'staged' && row.schedulerId === null;
}

// Jobs of `system` in the queue or being submitted right now (staged, with a live submission lease), by any process.
// `exceptOwner`'s leases are left out.
export function jobsTakingPlaces(store: JobStore, system: string, isStale: (owner: string) => boolean, exceptOwner?: string): number {
  const rows = store.list({ system, states: [...IN_QUEUE_STATES, 'staged'] });
  return rows.filter((r) => r.state !== 'staged' || (r.owner !== null && r.owner !== exceptOwner && !isStale(r.owner))).length;
}

// The jobs of `system` the store has in the queue (submitted, queued or running), oldest first.
export function jobsInQueue(store: JobStore, system: string): JobRow[] {
  return store.list({ system, states: IN_QUEUE_STATES });
}

export interface Admission {
  /** May be submitted now (their leases are kept). */
  admitted: JobRow[];
  /** Must wait for places (their leases are released, so any driver can submit them later). */
  held: JobRow[];
  /** Places taken by other jobs when the decision was made. */
  taken: number;
}

// Of `rows` (staged jobs of one system whose submission lease `owner` holds, in submission order), those that fit
// under `limit`. Leases are first trimmed to the free places, then the places are counted again with our leases in:
// of two drivers deciding at once, the one that counts last sees both and gives places back, so the limit holds
// (it may leave a place unused until the next poll). `extraTaken`: places the store does not know are taken (jobs
// recorded as ended that the queue still lists, say while Slurm completes them).
export function admit(
  store: JobStore, system: string, limit: number | null | undefined, rows: readonly JobRow[], owner: string, isStale: (owner: string) => boolean,
  extraTaken = 0,
): Admission {
  if (limit === null || limit === undefined) return { admitted: [...rows], held: [], taken: 0 };
  const taken = jobsTakingPlaces(store, system, isStale, owner) + extraTaken;
  const admitted = rows.slice(0, Math.max(0, limit - taken));
  const held = rows.slice(admitted.length);
  for (const r of held) store.releaseOwnership(r.id, owner);
  const over = jobsTakingPlaces(store, system, isStale) + extraTaken - limit;
  if (over > 0) {
    const back = admitted.splice(Math.max(0, admitted.length - over));
    for (const r of back) store.releaseOwnership(r.id, owner);
    held.unshift(...back);
  }
  return { admitted, held, taken };
}
