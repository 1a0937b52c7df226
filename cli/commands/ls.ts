// `xpr ls`: the project's jobs as a table (id, name, system, status with reason, queue id, age, duration), more
// columns with --long or the columns of --format, or one JSON object per line with --json; --watch redraws it.
// Reads only the store; it never contacts a system.
import type { JobEvent, JobRow, JobStore } from '../../src/store/index.ts';
import { ENDED_STATES } from '../../src/store/index.ts';
import { withContext } from './shared.ts';
import { selectJobBriefs, type FilterOptions } from './select.ts';
import { makeTable, useColor } from './format.ts';
import { DEFAULT_COLUMNS, LONG_COLUMNS, LS_COLUMNS, parseColumns } from './ls-columns.ts';
import { watchLoop } from './watch.ts';
import { usageOf, type JobUsage } from '../../src/job/usage.ts';

export interface LsOptions extends FilterOptions {
  json?: boolean;
  long?: boolean;
  /** Comma-separated column names (LS_COLUMNS). */
  format?: string;
  /** Redraw every N seconds until interrupted (true = every 2 s). */
  watch?: number | true;
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
  /** Resource usage once the job ended (null before, or when nothing measured it). */
  usage: JobUsage | null;
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
  const fit = row.details.fit;
  return {
    id: row.id, name: row.name, system: row.system, state: row.state, reason: row.reason, schedulerId: row.schedulerId,
    createdAt: row.createdAt, updatedAt: row.updatedAt, ageS: Math.max(0, nowS - row.createdAt),
    durationS: durationOf(row, events ?? store.events(row.id), nowS),
    partition: fit?.partition ?? null, numCores: fit?.numCores ?? null, stageDir: row.stageDir, runDir: row.runDir,
    usage: usageOf(row.details),
  };
}

// The output of one `xpr ls` (table or JSON lines) for the selected jobs, in parts. The filters run on brief rows
// (no details parsed); only the shown jobs are read in full, with their events, in blocks of 1000: JSON lines stream a
// store of 10^5 jobs block by block, never as one string, and the table of the newest 200 reads 200 jobs.
export function* lsOutput(store: JobStore, o: LsOptions, colour = useColor()): Generator<string> {
  const nowS = Date.now() / 1000;
  const { rows: shown, total } = selectJobBriefs(store, o, o.limit ?? (o.json ? 0 : LS_TABLE_LIMIT));
  const blocks = function* (): Generator<{ rows: JobRow[]; events: Map<string, JobEvent[]> }> {
    for (let k = 0; k < shown.length; k += 1000) {
      const ids = shown.slice(k, k + 1000).map((r) => r.id);
      yield { rows: store.getMany(ids), events: store.eventsOf(ids) };
    }
  };
  if (o.json) {
    for (const { rows, events } of blocks()) yield rows.map((r) => JSON.stringify(lsRecord(store, r, nowS, events.get(r.id))) + '\n').join('');
    return;
  }
  if (shown.length === 0) return yield `no matching jobs in ${store.path}\n`;
  const columns = o.format !== undefined ? parseColumns(o.format) : o.long ? LONG_COLUMNS : DEFAULT_COLUMNS;
  const table = makeTable(columns.map((c) => LS_COLUMNS[c]!.header), colour);
  let count = 0;
  for (const { rows, events } of blocks()) {
    for (const row of rows) {
      const r = lsRecord(store, row, nowS, events.get(row.id));
      table.push(columns.map((c) => LS_COLUMNS[c]!.cell(r, { colour, long: o.long === true })));
      count++;
    }
  }
  const more = total - shown.length;
  const note = more > 0
    ? `the newest ${count} of ${total} job(s) in ${store.path}; ${more} older not shown (--limit <n>, --limit 0 for all)`
    : `${count} job(s) in ${store.path}`;
  yield `${table.toString()}\n${note}\n`;
}

// The whole output of one `xpr ls`, as one string (what --watch redraws).
export function renderLs(store: JobStore, o: LsOptions, colour = useColor()): string {
  return [...lsOutput(store, o, colour)].join('');
}

// Print the selected jobs (once, or redrawn every --watch seconds until Ctrl-C).
export function ls(o: LsOptions): Promise<void> {
  if (o.format !== undefined) parseColumns(o.format); // a bad --format fails before anything is read
  return withContext(async (ctx) => {
    if (o.watch === undefined) {
      for (const part of lsOutput(ctx.store, o)) process.stdout.write(part);
      return;
    }
    const seconds = o.watch === true ? 2 : o.watch;
    await watchLoop(seconds, `xpr ls`, () => renderLs(ctx.store, o));
  });
}
