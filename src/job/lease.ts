// Submission leases: the `host:pid:ms:n-random` string a driver writes on the jobs it is staging or submitting, whether one
// still belongs to a live driver (same host: its process exists; any host: younger than LEASE_STALE_MS), and holding
// them around work on jobs (xpr rm, cancel).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { JobRow, JobStore } from '../store/index.ts';

// A lease is held only while one batch is staged and submitted (seconds, or minutes for large input files over a slow
// link): one older than this belongs to a driver that crashed, possibly on another login node.
const LEASE_STALE_MS = 2 * 3600_000;

let leaseCount = 0;

/** A new lease for this process on this host, from now; unique (two takers in one process and one ms differ). */
export function newLease(): string {
  return `${hostname()}:${process.pid}:${Date.now()}:${++leaseCount}-${randomBytes(4).toString('hex')}`;
}

/** Whether `holder` no longer owns anything: its process on this host is gone, or its lease is too old. */
export function isStaleLease(holder: string): boolean {
  const [host, pid, since] = holder.split(':');
  if (since && Date.now() - Number(since) > LEASE_STALE_MS) return true;
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether a job's lease (null = none) is held by a live driver. */
export function leaseHeld(owner: string | null): boolean {
  return owner !== null && owner !== '' && !isStaleLease(owner);
}

// Run `work` holding the submission leases of `rows`: `mine` are the rows whose lease this process took, re-read under
// it (rows gone from the store are dropped); `busy` are those a live driver holds. The leases are released afterwards
// (a no-op for rows the work deleted).
export async function withLeases<T>(store: JobStore, rows: readonly JobRow[], work: (mine: JobRow[], busy: JobRow[]) => Promise<T>): Promise<T> {
  const owner = newLease();
  const mine: JobRow[] = [];
  const busy: JobRow[] = [];
  for (const r of rows) {
    const took = store.takeOwnership(r.id, owner, isStaleLease);
    const cur = store.get(r.id);
    if (cur) (took ? mine : busy).push(cur);
  }
  try {
    return await work(mine, busy);
  } finally {
    for (const r of mine) store.releaseOwnership(r.id, owner);
  }
}
