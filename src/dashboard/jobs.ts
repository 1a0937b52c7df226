// The jobs as the dashboard shows them: one plain record per job (times of each phase, outcome, usage) built from
// the store in two queries, and one job's detail (history, remote error and stack, log tails from the stage dir).
import type { JobEvent, JobRow, JobState, JobStore } from '../store/index.ts';
import { ENDED_STATES, OUTCOME_STATES, WAITING_STATES } from '../store/index.ts';
import { readJobError, readTail } from '../job/job-outputs.ts';
import { JobFiles } from '../runner/contract.ts';
import { usageOf, type DashUsage } from './usage.ts';

/** One job, as /api/jobs lists it. Times are epoch seconds (null: the phase was never recorded). */
export interface DashJob {
  id: string;
  name: string;
  system: string;
  state: string;
  reason: string | null;
  schedulerId: string | null;
  createdAt: number;
  updatedAt: number;
  /** When it was handed to the queue (submitted, or queued if submitted was not seen). */
  queuedAt: number | null;
  runningAt: number | null;
  /** When it reached its outcome (succeeded, failed, died, cancelled). */
  endedAt: number | null;
  /** The outcome it ended with (a processed job keeps the state it was processed from); null while live. */
  outcome: string | null;
  partition: string | null;
  numCores: number | null;
  usage: DashUsage | null;
}

/** One job with its history and, when it failed or died, what it left behind. */
export interface DashJobDetail {
  job: DashJob;
  events: JobEvent[];
  stageDir: string;
  runDir: string;
  /** The remote error of a failed job (name, message, stack), read from its stage dir. */
  error: { name: string; message: string; stack: string | null } | null;
  /** The last few KB of the job's stdout and stderr in the stage dir ('' when absent). */
  logs: { stdout: string; stderr: string };
}

// The dashboard record of one row, given its events in order.
export function dashJob(row: JobRow, events: readonly JobEvent[]): DashJob {
  const at = (states: readonly JobState[]): number | null => events.find((e) => states.includes(e.toState))?.at ?? null;
  const ended = events.find((e) => OUTCOME_STATES.includes(e.toState));
  const fit = row.details.fit;
  const outcome = OUTCOME_STATES.includes(row.state) ? row.state : ENDED_STATES.includes(row.state) ? (ended?.toState ?? row.state) : null;
  return {
    id: row.id, name: row.name, system: row.system, state: row.state, reason: row.reason, schedulerId: row.schedulerId,
    createdAt: row.createdAt, updatedAt: row.updatedAt,
    queuedAt: at(WAITING_STATES), runningAt: at(['running']), endedAt: ended?.at ?? (outcome ? row.updatedAt : null), outcome,
    partition: fit?.partition ?? null, numCores: fit?.numCores ?? null, usage: usageOf(row),
  };
}

export interface JobQuery {
  /** States to keep (any of them). */
  states?: readonly string[];
  system?: string;
  /** A substring of the job name. */
  name?: string;
}

// Every job in the store (oldest first), optionally filtered.
export function dashJobs(store: JobStore, q: JobQuery = {}): DashJob[] {
  const events = store.allEvents();
  return store
    .list()
    .filter((r) => (!q.states?.length || q.states.includes(r.state)) && (q.system === undefined || r.system === q.system) && (q.name === undefined || r.name.includes(q.name)))
    .map((r) => dashJob(r, events.get(r.id) ?? []));
}

// One job's detail, or undefined when the store has no such job.
export function dashJobDetail(store: JobStore, id: string): DashJobDetail | undefined {
  const row = store.get(id);
  if (!row) return undefined;
  const events = store.events(id);
  const job = dashJob(row, events);
  return {
    job, events, stageDir: row.stageDir, runDir: row.runDir, error: job.outcome === 'failed' ? errorOf(row) : null,
    logs: { stdout: safeTail(row, JobFiles.stdout), stderr: safeTail(row, JobFiles.stderr) },
  };
}

// The remote error of a job that failed (not of one whose submission failed: it has no remote side).
function errorOf(row: JobRow): DashJobDetail['error'] {
  if (row.outcome === 'submission-failed') return null;
  try {
    const e = readJobError(row.stageDir, row.reason);
    return { name: e.name, message: e.message, stack: e.stack ?? null };
  } catch (err) {
    return { name: 'UnreadableError', message: `the job's error file could not be read: ${(err as Error).message}`, stack: null };
  }
}

function safeTail(row: JobRow, file: string): string {
  try {
    return readTail(row.stageDir, file);
  } catch {
    return '';
  }
}
