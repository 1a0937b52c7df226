// Refreshing job states from their systems on demand (`xpr sync`): one poll per system through that system's poller,
// for live jobs and died ones (their results may show up late, B12). Jobs never staged are left alone (ExPyRe B3).
import { LIVE_STATES, type JobRow, type JobState } from '../store/index.ts';
import type { XprContext } from '../job/context.ts';
import { groupBySystem } from '../job/lifecycle.ts';

/** One job whose state changed during a sync. */
export interface SyncChange {
  id: string;
  from: JobState;
  to: JobState;
  reason: string | null;
}

/** What a sync did on one system. `error` is set when the system could not be asked (its jobs are unchanged). */
export interface SyncReport {
  system: string;
  /** Jobs asked about. */
  checked: number;
  changes: SyncChange[];
  error: string | null;
}

export interface SyncOptions {
  /** Give up on a system after this many seconds (its jobs are left as they were). @default 120 */
  timeoutS?: number;
}

const ONE_POLL_DONE = Symbol('one poll done');

// Jobs a sync asks about: live ones and died ones.
export function syncable(rows: readonly JobRow[]): JobRow[] {
  return rows.filter((r) => LIVE_STATES.includes(r.state) || r.state === 'died');
}

// Poll each system once for the given jobs (others are ignored) and record what changed; never throws for one system.
export async function syncJobs(ctx: XprContext, rows: readonly JobRow[], opts: SyncOptions = {}): Promise<SyncReport[]> {
  const reports: SyncReport[] = [];
  for (const [system, group] of groupBySystem(syncable(rows))) {
    const before = new Map(group.map((r) => [r.id, r.state]));
    const report: SyncReport = { system, checked: group.length, changes: [], error: null };
    reports.push(report);
    try {
      const poller = await ctx.poller(system);
      const stop = new AbortController();
      // The poller calls onPoll after a completed poll (store updated); aborting then ends the wait after exactly one.
      await poller
        .wait(group.map((r) => r.id), {
          checkIntervalS: 0.5,
          timeoutS: opts.timeoutS ?? 120,
          signal: stop.signal,
          onPoll: () => stop.abort(ONE_POLL_DONE),
        })
        .catch((err: unknown) => {
          if (!(stop.signal.aborted && stop.signal.reason === ONE_POLL_DONE)) throw err;
        });
    } catch (err) {
      report.error = (err as Error).message;
    }
    for (const row of ctx.store.list({ ids: group.map((r) => r.id) })) {
      const from = before.get(row.id)!;
      if (row.state !== from) report.changes.push({ id: row.id, from, to: row.state, reason: row.reason });
    }
  }
  return reports;
}
