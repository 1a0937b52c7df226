// `xpr ls`: the project's jobs as a table (id, name, system, status with reason, queue id, age, duration), more
// columns with --long, or one JSON object per line with --json. Reads only the store; it never contacts a system.
import type { JobEvent, JobRow, JobStore } from '../../src/store/index.ts';
import { ENDED_STATES } from '../../src/store/index.ts';
import { withContext } from './shared.ts';
import { selectJobs, type FilterOptions } from './select.ts';
import { localTime, makeTable, paintState, shortDuration, useColor } from './format.ts';
import { formatBytes, usageOf, type JobUsage } from '../../src/job/usage.ts';

export interface LsOptions extends FilterOptions {
  json?: boolean;
  long?: boolean;
}

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
export function lsRecord(store: JobStore, row: JobRow, nowS = Date.now() / 1000): LsRecord {
  const fit = row.details.fit as { partition?: string; numCores?: number } | undefined;
  return {
    id: row.id, name: row.name, system: row.system, state: row.state, reason: row.reason, schedulerId: row.schedulerId,
    createdAt: row.createdAt, updatedAt: row.updatedAt, ageS: Math.max(0, nowS - row.createdAt),
    durationS: durationOf(row, store.events(row.id), nowS),
    partition: fit?.partition ?? null, numCores: fit?.numCores ?? null, stageDir: row.stageDir, runDir: row.runDir,
    usage: usageOf(row.details),
  };
}

function statusText(r: LsRecord, colour: boolean, width: number | null): string {
  const reason = r.reason ?? '';
  const shown = width !== null && reason.length > width ? `${reason.slice(0, width - 1)}…` : reason;
  return paintState(r.state as JobRow['state'], colour) + (shown ? ` (${shown})` : '');
}

// elapsed, CPU efficiency (CPU time / (elapsed x cores)) and peak memory, for `ls -l`.
export function usageCells(u: JobUsage | null): [string, string, string] {
  if (!u) return ['-', '-', '-'];
  return [
    u.elapsed_s === null ? '-' : shortDuration(u.elapsed_s),
    u.cpu_efficiency === null ? '-' : `${Math.round(u.cpu_efficiency * 100)}%`,
    formatBytes(u.max_rss_bytes),
  ];
}

// Print the selected jobs.
export function ls(o: LsOptions): Promise<void> {
  return withContext((ctx) => {
    const store = ctx.store;
    const nowS = Date.now() / 1000;
    const records = selectJobs(store, o).map((r) => lsRecord(store, r, nowS));
    if (o.json) {
      for (const r of records) process.stdout.write(JSON.stringify(r) + '\n');
      return;
    }
    if (records.length === 0) {
      process.stdout.write(`no matching jobs in ${store.path}\n`);
      return;
    }
    const colour = useColor();
    const head = ['id', 'name', 'system', 'status', 'queue id', 'age', 'duration'];
    const table = makeTable(o.long ? [...head, 'partition', 'cores', 'elapsed', 'cpu eff', 'peak mem', 'created', 'changed', 'stage dir'] : head, colour);
    for (const r of records) {
      const cells = [r.id, r.name, r.system, statusText(r, colour, o.long ? null : 40), r.schedulerId ?? '-', shortDuration(r.ageS), r.durationS === null ? '-' : shortDuration(r.durationS)];
      table.push(o.long ? [...cells, r.partition ?? '-', r.numCores === null ? '-' : String(r.numCores), ...usageCells(r.usage), localTime(r.createdAt), localTime(r.updatedAt), r.stageDir] : cells);
    }
    process.stdout.write(`${table.toString()}\n${records.length} job(s) in ${store.path}\n`);
  });
}
