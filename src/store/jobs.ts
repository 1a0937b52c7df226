// Job rows and their history: claiming a cache key, reading and listing jobs, moving them through the state machine
// (recording each move as an event, with the outcome it ends in), and deleting them. Used by JobStore (store.ts).
import type { StoreDb } from './db.ts';
import { now, QUERY_KEYS } from './db.ts';
import { isLegalTransition, outcomeAfter, REUSABLE_STATES, type JobOutcome, type JobState } from './states.ts';
import { jobQuery, toEvent, toRow, type JobBrief, type JobEvent, type JobFilter, type JobRow, type ListOrder, type NewJob, type RawEvent, type RawJob } from './rows.ts';
import type { JobDetails } from './job-details.ts';
import { recordJobItems } from './items.ts';
import { StoreError } from './errors.ts';

/** How a transition is made (JobStore.transition). */
export interface TransitionOptions {
  /** Why, for people (kept as the row's reason; `processed`/`cleaned` keep the old one when not given). */
  reason?: string | null;
  /** The finer outcome of an outcome state (`submission-failed` for failed, `out-of-memory` for died). */
  outcome?: JobOutcome;
  schedulerId?: string;
  /** Skip the state machine's check (reset-status, a failed submission). */
  force?: boolean;
  /** When it happened (s since epoch), if known better than now; kept between the job's last event and now. */
  at?: number;
}

export function claim(s: StoreDb, job: NewJob, beforeInsert?: () => void, itemKeys?: readonly string[]): { row: JobRow; attached: boolean } {
  return s.write(() => {
    const existing = findReusable(s, job.cacheKey);
    // Same cache key, same items: a job claimed before item keys were recorded gets them now.
    if (existing) return (itemKeys && recordJobItems(s, existing.id, itemKeys), { row: existing, attached: true });
    beforeInsert?.();
    if (itemKeys) recordJobItems(s, job.id, itemKeys);
    const t = now();
    s.db
      .prepare(
        `INSERT INTO jobs (id, cache_key, name, system, state, stage_dir, run_dir, output_dir, env_hash, details, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(job.id, job.cacheKey, job.name, job.system, job.stageDir, job.runDir, job.outputDir, job.envHash, JSON.stringify(job.details), t, t);
    s.db.prepare('INSERT INTO events (job_id, at, from_state, to_state, detail) VALUES (?, ?, NULL, ?, NULL)').run(job.id, t, 'created');
    return { row: get(s, job.id)!, attached: false };
  });
}

export function findReusable(s: StoreDb, cacheKey: string): JobRow | undefined {
  const marks = REUSABLE_STATES.map(() => '?').join(', ');
  const raw = s.read(() => s.db
    .prepare(`SELECT * FROM jobs WHERE cache_key = ? AND state IN (${marks}) ORDER BY created_at DESC, rowid DESC LIMIT 1`)
    .get(cacheKey, ...REUSABLE_STATES)) as RawJob | undefined;
  return raw && toRow(raw, s.path);
}

export function get(s: StoreDb, id: string): JobRow | undefined {
  const raw = s.read(() => s.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id)) as RawJob | undefined;
  return raw && toRow(raw, s.path);
}

export function list(s: StoreDb, filter: JobFilter, opts: ListOrder): JobRow[] {
  const { sql, params } = jobQuery('*', filter, opts);
  return (s.read(() => s.db.prepare(sql).all(...params)) as RawJob[]).map((r) => toRow(r, s.path));
}

export function listBrief(s: StoreDb, filter: JobFilter, opts: ListOrder): JobBrief[] {
  const { sql, params } = jobQuery('id, name, system, state, created_at', filter, opts);
  const rows = s.read(() => s.db.prepare(sql).raw().all(...params)) as Array<[string, string, string, JobState, number]>;
  return rows.map(([id, name, system, state, createdAt]) => ({ id, name, system, state, createdAt }));
}

export function count(s: StoreDb, filter: JobFilter): number {
  const { sql, params } = jobQuery('count(*)', filter, {}, false);
  return s.read(() => s.db.prepare(sql).pluck().get(...params)) as number;
}

export function getMany(s: StoreDb, ids: readonly string[]): JobRow[] {
  const byId = new Map<string, JobRow>();
  s.read(() => {
    const stmt = s.db.prepare('SELECT * FROM jobs WHERE id IN (SELECT value FROM json_each(?))');
    s.db.transaction(() => {
      for (let k = 0; k < ids.length; k += QUERY_KEYS) {
        for (const r of stmt.iterate(JSON.stringify(ids.slice(k, k + QUERY_KEYS))) as Iterable<RawJob>) byId.set(r.id, toRow(r, s.path));
      }
    })();
  });
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export function transition(s: StoreDb, id: string, to: JobState, opts: TransitionOptions): boolean {
  return s.write(() => {
    const cur = s.db.prepare('SELECT state, outcome FROM jobs WHERE id = ?').get(id) as { state: JobState; outcome: JobOutcome | null } | undefined;
    if (!cur) throw new StoreError(`No job ${id} in ${s.path}`, s.path);
    if (!opts.force && !isLegalTransition(cur.state, to)) return false;
    const outcome = outcomeAfter(to, cur.outcome, opts.outcome);
    if (opts.outcome !== undefined && outcome === null) {
      throw new StoreError(`Job ${id} cannot move to ${to} with outcome ${opts.outcome} (a cause of another state)`, s.path);
    }
    let t = now();
    if (opts.at !== undefined) {
      const last = (s.db.prepare('SELECT MAX(at) AS at FROM events WHERE job_id = ?').get(id) as { at: number | null }).at ?? 0;
      t = Math.min(t, Math.max(last, opts.at));
    }
    // Bookkeeping states keep the reason of the outcome they record (a died job stays explained once processed).
    const keepReason = opts.reason === undefined && (to === 'processed' || to === 'cleaned');
    s.db
      .prepare('UPDATE jobs SET state = ?, reason = CASE WHEN ? THEN reason ELSE ? END, outcome = ?, scheduler_id = COALESCE(?, scheduler_id), updated_at = ? WHERE id = ?')
      .run(to, keepReason ? 1 : 0, opts.reason ?? null, outcome, opts.schedulerId ?? null, t, id);
    s.db
      .prepare('INSERT INTO events (job_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)')
      .run(id, t, cur.state, to, opts.reason ?? null);
    return true;
  });
}

export function setDetail<K extends keyof JobDetails & string>(s: StoreDb, id: string, key: K, value: JobDetails[K]): void {
  s.write(() => s.db
    .prepare('UPDATE jobs SET details = json_set(details, ?, json(?)), updated_at = ? WHERE id = ?')
    .run(`$.${JSON.stringify(key)}`, JSON.stringify(value ?? null), now(), id));
}

export function setSchedulerId(s: StoreDb, id: string, schedulerId: string): void {
  s.write(() => s.db.prepare('UPDATE jobs SET scheduler_id = ?, updated_at = ? WHERE id = ?').run(schedulerId, now(), id));
}

export function deleteJobs(s: StoreDb, ids: readonly string[]): number {
  return s.write(() => {
    let n = 0;
    for (const id of ids) {
      s.db.prepare('DELETE FROM events WHERE job_id = ?').run(id);
      s.db.prepare('DELETE FROM job_items WHERE job_id = ?').run(id);
      n += s.db.prepare('DELETE FROM jobs WHERE id = ?').run(id).changes;
    }
    return n;
  });
}

export function events(s: StoreDb, id: string): JobEvent[] {
  return (s.read(() => s.db.prepare('SELECT * FROM events WHERE job_id = ? ORDER BY seq').all(id)) as RawEvent[]).map(toEvent);
}

export function eventsOf(s: StoreDb, ids: readonly string[]): Map<string, JobEvent[]> {
  const out = new Map<string, JobEvent[]>(ids.map((id) => [id, []]));
  s.read(() => {
    const stmt = s.db.prepare('SELECT * FROM events WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY seq');
    for (let k = 0; k < ids.length; k += QUERY_KEYS) {
      for (const r of stmt.iterate(JSON.stringify(ids.slice(k, k + QUERY_KEYS))) as Iterable<RawEvent>) out.get(r.job_id)?.push(toEvent(r));
    }
  });
  return out;
}

export function allEvents(s: StoreDb): Map<string, JobEvent[]> {
  const out = new Map<string, JobEvent[]>();
  const rows = s.read(() => s.db.prepare('SELECT * FROM events ORDER BY seq').raw().all()) as Array<[number, string, number, JobState | null, JobState, string | null]>;
  for (const [seq, jobId, at, fromState, toState, detail] of rows) {
    let list = out.get(jobId);
    if (!list) out.set(jobId, (list = []));
    list.push({ seq, jobId, at, fromState, toState, detail });
  }
  return out;
}
