// `xpr ls`: the project's jobs as a table (id, name, system, status with reason, queue id, age, duration), more
// columns with --long, or one JSON object per line with --json. Reads only the store; it never contacts a system.
import type { JobEvent, JobRow, JobStore } from '../../src/store/index.ts';
import { ENDED_STATES } from '../../src/store/index.ts';
import { withContext } from './shared.ts';
import { selectJobs, type FilterOptions } from './select.ts';
import { localTime, makeTable, paintState, shortDuration, useColor } from './format.ts';

export interface LsOptions extends FilterOptions {
  json?: boolean;
  long?: boolean;
  /** Show only the newest n matching jobs (0 = all). @default LS_TABLE_LIMIT for the table, all for --json */
  limit?: number;
}

/** Rows the table shows by default: a table of 10^5 jobs takes minutes to lay out and nobody reads it. */
export const LS_TABLE_LIMIT = 200;

/** A job as `ls --json` prints it (one object per line). Times are epoch seconds. */
export interface LsRecord {
  id: string;
  name: string;
  system: string;
  state: string;
  reason: string | null;
  schedulerId: string | null;
  createdAt: number;
  updatedAt: number;
  ageS: number;
  /** Time since it started running (or was submitted), to its end or now; null if never submitted. */
  durationS: number | null;
  partition: string | null;
  numCores: number | null;
  stageDir: string;
  runDir: string;
}

// How long a job ran: from running (or submitted, if running was never seen) to its end, or to now while live.
export function durationOf(row: JobRow, events: readonly JobEvent[], nowS: number): number | null {
  const start = events.find((e) => e.toState === 'running') ?? events.find((e) => e.toState === 'submitted');
  if (!start) return null;
  const end = ENDED_STATES.includes(row.state) ? events.find((e) => e.at >= start.at && ENDED_STATES.includes(e.toState)) : undefined;
  return Math.max(0, (end?.at ?? nowS) - start.at);
}

// The record of one job.
export function lsRecord(store: JobStore, row: JobRow, nowS = Date.now() / 1000, events?: readonly JobEvent[]): LsRecord {
  const fit = row.details.fit as { partition?: string; numCores?: number } | undefined;
  return {
    id: row.id, name: row.name, system: row.system, state: row.state, reason: row.reason, schedulerId: row.schedulerId,
    createdAt: row.createdAt, updatedAt: row.updatedAt, ageS: Math.max(0, nowS - row.createdAt),
    durationS: durationOf(row, events ?? store.events(row.id), nowS),
    partition: fit?.partition ?? null, numCores: fit?.numCores ?? null, stageDir: row.stageDir, runDir: row.runDir,
  };
}

function statusText(r: LsRecord, colour: boolean, width: number | null): string {
  const reason = r.reason ?? '';
  const shown = width !== null && reason.length > width ? `${reason.slice(0, width - 1)}…` : reason;
  return paintState(r.state as JobRow['state'], colour) + (shown ? ` (${shown})` : '');
}

// Print the selected jobs.
export function ls(o: LsOptions): Promise<void> {
  return withContext((ctx) => {
    const store = ctx.store;
    const nowS = Date.now() / 1000;
    const selected = selectJobs(store, o);
    const limit = o.limit ?? (o.json ? 0 : LS_TABLE_LIMIT);
    const shown = limit > 0 && selected.length > limit ? selected.slice(-limit) : selected;
    if (o.json) {
      // Streamed in blocks of 1000 jobs (their events read in one query), never the whole output as one string.
      for (let k = 0; k < shown.length; k += 1000) {
        const block = shown.slice(k, k + 1000);
        const events = store.eventsOf(block.map((r) => r.id));
        process.stdout.write(block.map((r) => JSON.stringify(lsRecord(store, r, nowS, events.get(r.id))) + '\n').join(''));
      }
      return;
    }
    const events = store.eventsOf(shown.map((r) => r.id));
    const records = shown.map((r) => lsRecord(store, r, nowS, events.get(r.id)));
    if (records.length === 0) {
      process.stdout.write(`no matching jobs in ${store.path}\n`);
      return;
    }
    const colour = useColor();
    const head = ['id', 'name', 'system', 'status', 'queue id', 'age', 'duration'];
    const table = makeTable(o.long ? [...head, 'partition', 'cores', 'created', 'changed', 'stage dir'] : head, colour);
    for (const r of records) {
      const cells = [r.id, r.name, r.system, statusText(r, colour, o.long ? null : 40), r.schedulerId ?? '-', shortDuration(r.ageS), r.durationS === null ? '-' : shortDuration(r.durationS)];
      table.push(o.long ? [...cells, r.partition ?? '-', r.numCores === null ? '-' : String(r.numCores), localTime(r.createdAt), localTime(r.updatedAt), r.stageDir] : cells);
    }
    const more = selected.length - records.length;
    const note = more > 0 ? `the newest ${records.length} of ${selected.length} job(s) in ${store.path}; ${more} older not shown (--limit <n>, --limit 0 for all)` : `${records.length} job(s) in ${store.path}`;
    process.stdout.write(`${table.toString()}\n${note}\n`);
  });
}
