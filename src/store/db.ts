// One open connection to the job store file and how every query runs on it: reads turn SQLite failures into
// StoreErrors naming the file; writes are one BEGIN IMMEDIATE transaction (under the writer lock dir on network filesystems).
import type Database from 'better-sqlite3';
import { withLockDir } from './write-lock.ts';
import { storeFailure } from './errors.ts';

export class StoreDb {
  readonly #lockDir: string;

  constructor(
    readonly db: Database.Database,
    readonly path: string,
    readonly isNetworkFs: boolean,
    readonly timeouts: { busyMs: number; lockMs: number },
  ) {
    this.#lockDir = `${path}.writelock`;
  }

  // Run fn in one BEGIN IMMEDIATE transaction (and under the writer lock on network filesystems).
  write<T>(fn: () => T): T {
    const tx = this.db.transaction(fn);
    return this.read(() => (this.isNetworkFs ? withLockDir(this.#lockDir, () => tx.immediate(), this.timeouts.lockMs) : tx.immediate()));
  }

  // Run fn, turning a locked or damaged database into a StoreError that names the file and what to do.
  read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storeFailure(this.path, err, this.isNetworkFs ? this.timeouts.lockMs : this.timeouts.busyMs);
    }
  }
}

/** Seconds since the epoch, as the store records times. */
export const now = (): number => Date.now() / 1000;

/** Ids or keys per query when many are looked up at once (passed as one JSON array). */
export const QUERY_KEYS = 50_000;

// `column IN (?, ?, ...)` for `values` (an empty list matches nothing), its values appended to `params`.
export function sqlIn(column: string, values: readonly unknown[], params: unknown[]): string {
  params.push(...values);
  return `${column} IN (${values.map(() => '?').join(', ') || 'NULL'})`;
}
