// The shapes the store hands out (job rows, events, filters, item results) and their conversion from SQLite rows:
// the one place a job row's stored text (state, outcome, details JSON) becomes typed fields.
import type { JobOutcome, JobState } from './states.ts';
import { isJobOutcome } from './states.ts';
import { parseJobDetails, type JobDetails } from './job-details.ts';
import { sqlIn } from './db.ts';

export interface JobRow {
  id: string;
  cacheKey: string;
  name: string;
  system: string;
  state: JobState;
  /** Why it is in its state, for people (display only: `outcome` is what code reads). */
  reason: string | null;
  /** How it ended (kept once processed or cleaned); null while it has not ended. */
  outcome: JobOutcome | null;
  schedulerId: string | null;
  stageDir: string;
  runDir: string;
  outputDir: string;
  envHash: string;
  /** Job-layer data (mode, resources, fit, env, files, usage...), stored as JSON, parsed when read. */
  details: JobDetails;
  owner: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewJob = Omit<JobRow, 'state' | 'reason' | 'outcome' | 'schedulerId' | 'owner' | 'createdAt' | 'updatedAt'>;

export interface JobEvent {
  seq: number;
  jobId: string;
  at: number;
  fromState: JobState | null;
  toState: JobState;
  detail: string | null;
}

export interface JobFilter {
  ids?: readonly string[];
  states?: readonly JobState[];
  system?: string;
  cacheKey?: string;
}

/** Order and size of a job listing. */
export interface ListOrder {
  newestFirst?: boolean;
  /** At most this many jobs (the first ones in the order asked); 0 or undefined: all. */
  limit?: number;
}

/** What selecting jobs by filters needs of a job (`JobStore.listBrief`). */
export interface JobBrief {
  id: string;
  name: string;
  system: string;
  state: JobState;
  createdAt: number;
}

export interface ItemResult {
  itemKey: string;
  jobId: string;
  ok: boolean;
  /** Codec text of the value (ok) or the error. */
  payload: string;
}

/** A jobs table row as SQLite returns it. */
export interface RawJob {
  id: string; cache_key: string; name: string; system: string; state: string; reason: string | null; outcome: string | null;
  scheduler_id: string | null; stage_dir: string; run_dir: string; output_dir: string; env_hash: string;
  details: string; owner: string | null; created_at: number; updated_at: number;
}

/** An events table row as SQLite returns it. */
export interface RawEvent {
  seq: number; job_id: string; at: number; from_state: JobState | null; to_state: JobState; detail: string | null;
}

// The typed row of a stored job of the store at `storePath` (details parsed; a bad one is a StoredDataError naming both).
export function toRow(r: RawJob, storePath: string): JobRow {
  return {
    id: r.id, cacheKey: r.cache_key, name: r.name, system: r.system, state: r.state as JobState, reason: r.reason,
    outcome: isJobOutcome(r.outcome) ? r.outcome : null,
    schedulerId: r.scheduler_id, stageDir: r.stage_dir, runDir: r.run_dir, outputDir: r.output_dir, envHash: r.env_hash,
    details: parseJobDetails(r.details, r.id, storePath), owner: r.owner, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function toEvent(r: RawEvent): JobEvent {
  return { seq: r.seq, jobId: r.job_id, at: r.at, fromState: r.from_state, toState: r.to_state, detail: r.detail };
}

// The SELECT of `columns` from jobs matching `filter`, in creation order (or newest first), with an optional LIMIT.
export function jobQuery(columns: string, filter: JobFilter, opts: ListOrder, ordered = true): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.ids) {
    where.push(sqlIn('id', filter.ids, params));
  }
  if (filter.states) {
    where.push(sqlIn('state', filter.states, params));
  }
  if (filter.system !== undefined) {
    where.push('system = ?');
    params.push(filter.system);
  }
  if (filter.cacheKey !== undefined) {
    where.push('cache_key = ?');
    params.push(filter.cacheKey);
  }
  const dir = opts.newestFirst ? ' DESC' : '';
  let sql = `SELECT ${columns} FROM jobs${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${ordered ? ` ORDER BY created_at${dir}, rowid${dir}` : ''}`;
  if (opts.limit !== undefined && opts.limit > 0) {
    sql += ' LIMIT ?';
    params.push(Math.floor(opts.limit));
  }
  return { sql, params };
}
