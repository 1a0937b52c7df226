// The job store: one SQLite file per project root holding jobs, their state events, per-item results and staged code.
// WAL + busy timeout on local disks; rollback journal + a writer lock dir on network filesystems. Parameterised SQL only.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MIGRATIONS } from './migrations.ts';
import { isLegalTransition, REUSABLE_STATES, type JobState } from './states.ts';
import { isNetworkFilesystem } from './fs-kind.ts';
import { withLockDir } from './write-lock.ts';
import { StoreError, storeFailure } from './errors.ts';

export const STORE_FILE = 'xpr-jobs.sqlite';

/** Item keys per getItemResults query. */
const ITEM_QUERY_KEYS = 50_000;
/** Item keys per getItemResults query: blocks read with .all() (fewer native calls per row than .iterate(), and small
 *  enough arrays to stay cheap for the garbage collector: 10^5 results 1.5 s -> 1.0 s at loadavg 15). */
const ITEM_RESULT_BLOCK = 5000;

export interface JobRow {
  id: string;
  cacheKey: string;
  name: string;
  system: string;
  state: JobState;
  reason: string | null;
  schedulerId: string | null;
  stageDir: string;
  runDir: string;
  outputDir: string;
  envHash: string;
  /** Job-layer data (mode, resources, fit, env, files...), stored as JSON. */
  details: Record<string, unknown>;
  owner: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewJob = Omit<JobRow, 'state' | 'reason' | 'schedulerId' | 'owner' | 'createdAt' | 'updatedAt'>;

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

interface RawJob {
  id: string; cache_key: string; name: string; system: string; state: string; reason: string | null;
  scheduler_id: string | null; stage_dir: string; run_dir: string; output_dir: string; env_hash: string;
  details: string; owner: string | null; created_at: number; updated_at: number;
}

const now = (): number => Date.now() / 1000;

export class JobStore {
  readonly path: string;
  readonly isNetworkFs: boolean;
  readonly #db: Database.Database;
  readonly #lockDir: string;
  readonly #busyTimeoutMs: number;
  readonly #lockTimeoutMs: number;

  private constructor(path: string, db: Database.Database, isNetworkFs: boolean, timeouts: { busyMs: number; lockMs: number }) {
    this.path = path;
    this.#db = db;
    this.isNetworkFs = isNetworkFs;
    this.#lockDir = `${path}.writelock`;
    this.#busyTimeoutMs = timeouts.busyMs;
    this.#lockTimeoutMs = timeouts.lockMs;
  }

  /**
   * Open (creating if needed) the store in a project root and bring its schema up to date.
   * `networkFs` overrides the detection (XPR_STORE_NETWORK_FS=1 does the same for users whose mount is not recognised).
   * `busyTimeoutMs`: how long a write waits for another writer (SQLite lock, or the lock dir on a network filesystem)
   * before failing with StoreLockedError. @default 15 s (SQLite), 60 s (lock dir)
   */
  static open(projectRoot: string, opts: { networkFs?: boolean; busyTimeoutMs?: number; synchronous?: 'FULL' | 'NORMAL' } = {}): JobStore {
    mkdirSync(projectRoot, { recursive: true, mode: 0o700 });
    const path = join(projectRoot, STORE_FILE);
    const networkFs = opts.networkFs ?? (process.env.XPR_STORE_NETWORK_FS === '1' || isNetworkFilesystem(projectRoot));
    const timeouts = { busyMs: opts.busyTimeoutMs ?? 15_000, lockMs: opts.busyTimeoutMs ?? 60_000 };
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: timeouts.busyMs });
      db.pragma(networkFs ? 'journal_mode = DELETE' : 'journal_mode = WAL');
      // FULL: a committed claim or submission record survives an OS crash or power loss of the login node too (with
      // NORMAL in WAL mode the last commits can be lost, and a lost claim can mean a second submission). Its cost is
      // measured in test/bench/store-sync.bench.ts; `synchronous` exists for that comparison.
      db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
      db.pragma('foreign_keys = ON');
    } catch (err) {
      const known = storeFailure(path, err, timeouts.busyMs);
      throw known !== err ? known : new StoreError(`Cannot open the job store ${path}: ${(err as Error).message}`, path, { cause: err });
    }
    const store = new JobStore(path, db, networkFs, timeouts);
    try {
      store.#migrate();
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  close(): void {
    this.#db.close();
  }

  // Run fn in one BEGIN IMMEDIATE transaction (and under the writer lock on network filesystems).
  #write<T>(fn: () => T): T {
    const tx = this.#db.transaction(fn);
    return this.#read(() => (this.isNetworkFs ? withLockDir(this.#lockDir, () => tx.immediate(), this.#lockTimeoutMs) : tx.immediate()));
  }

  // Run fn, turning a locked or damaged database into a StoreError that names the file and what to do.
  #read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storeFailure(this.path, err, this.isNetworkFs ? this.#lockTimeoutMs : this.#busyTimeoutMs);
    }
  }

  #migrate(): void {
    this.#write(() => {
      this.#db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
      const version = row ? Number(row.value) : 0;
      if (version > MIGRATIONS.length) {
        throw new StoreError(
          `The job store ${this.path} has schema version ${version}, newer than this xpr understands (${MIGRATIONS.length}). Upgrade xpr.`,
          this.path,
        );
      }
      for (let v = version; v < MIGRATIONS.length; v++) {
        this.#db.exec(MIGRATIONS[v]!.replace('CREATE TABLE meta', 'CREATE TABLE IF NOT EXISTS meta'));
      }
      this.#db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(MIGRATIONS.length));
      this.#db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('project_id', ?)").run(`p${randomBytes(6).toString('hex')}`);
    });
  }

  schemaVersion(): number {
    return Number((this.#db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value);
  }

  /** Stable id of this project, used to name its remote dirs (survives moving the project or changing login node). */
  projectId(): string {
    return (this.#db.prepare("SELECT value FROM meta WHERE key = 'project_id'").get() as { value: string }).value;
  }

  /** The durability of commits on this connection (SQLite `PRAGMA synchronous`: 'FULL' by default). */
  durability(): string {
    const v = this.#db.pragma('synchronous', { simple: true }) as number;
    return ['OFF', 'NORMAL', 'FULL', 'EXTRA'][v] ?? String(v);
  }

  /**
   * Attach to the newest reusable job with this cache key, or insert `job` in state `created`.
   * One BEGIN IMMEDIATE transaction, so two processes never both create a job for the same key.
   * `beforeInsert` runs inside the transaction just before the insert (e.g. to move a prepared stage dir in place);
   * if it throws, nothing is inserted.
   */
  claim(job: NewJob, beforeInsert?: () => void, itemKeys?: readonly string[]): { row: JobRow; attached: boolean } {
    return this.#write(() => {
      const existing = this.#findReusable(job.cacheKey);
      // Same cache key, same items: a job claimed before item keys were recorded gets them now.
      if (existing) return (itemKeys && this.#recordJobItems(existing.id, itemKeys), { row: existing, attached: true });
      beforeInsert?.();
      if (itemKeys) this.#recordJobItems(job.id, itemKeys);
      const t = now();
      this.#db
        .prepare(
          `INSERT INTO jobs (id, cache_key, name, system, state, stage_dir, run_dir, output_dir, env_hash, details, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(job.id, job.cacheKey, job.name, job.system, job.stageDir, job.runDir, job.outputDir, job.envHash, JSON.stringify(job.details), t, t);
      this.#db.prepare('INSERT INTO events (job_id, at, from_state, to_state, detail) VALUES (?, ?, NULL, ?, NULL)').run(job.id, t, 'created');
      return { row: this.get(job.id)!, attached: false };
    });
  }

  /** Record the item keys of a map job (by position in its chunk); positions already recorded are kept. */
  recordJobItems(jobId: string, itemKeys: readonly string[]): void {
    if (itemKeys.length) this.#write(() => this.#recordJobItems(jobId, itemKeys));
  }

  #recordJobItems(jobId: string, itemKeys: readonly string[]): void {
    const stmt = this.#db.prepare('INSERT OR IGNORE INTO job_items (job_id, pos, item_key) VALUES (?, ?, ?)');
    itemKeys.forEach((k, pos) => stmt.run(jobId, pos, k));
  }

  /** The item keys of a map job, by position in its chunk (empty for call jobs and jobs claimed before they were recorded). */
  jobItemKeys(jobId: string): string[] {
    const rows = this.#read(() => this.#db.prepare('SELECT item_key FROM job_items WHERE job_id = ? ORDER BY pos').all(jobId)) as Array<{ item_key: string }>;
    return rows.map((r) => r.item_key);
  }

  /** For each item key, the ids of the jobs in `states` that hold it, newest first (one read transaction). */
  jobsHoldingItems(itemKeys: readonly string[], states: readonly JobState[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (states.length === 0) return out;
    this.#read(() => {
      const stmt = this.#db.prepare(
        `SELECT j.id FROM job_items i JOIN jobs j ON j.id = i.job_id WHERE i.item_key = ? AND j.state IN (${states.map(() => '?').join(', ')})
         ORDER BY j.created_at DESC, j.rowid DESC`,
      );
      this.#db.transaction(() => {
        for (const key of itemKeys) {
          const ids = (stmt.all(key, ...states) as Array<{ id: string }>).map((r) => r.id);
          if (ids.length) out.set(key, [...new Set(ids)]);
        }
      })();
    });
    return out;
  }

  /**
   * Decide who computes each of `itemKeys`, in ONE write transaction (so two processes never both decide to start a
   * job for an item): `done` have a good stored result; `held` are held by jobs in `holderStates` (ids newest first);
   * `others` are claimed by another owner that `isStale(owner, renewedAt s)` says is alive; `mine` are the rest, now
   * claimed by `owner` until releaseItemClaims (the caller records them in jobs meanwhile).
   */
  claimItems(
    itemKeys: readonly string[], holderStates: readonly JobState[], owner: string, isStale: (owner: string, renewedAt: number) => boolean,
  ): { done: string[]; held: Map<string, string[]>; others: string[]; mine: string[] } {
    const plan = { done: [] as string[], held: new Map<string, string[]>(), others: [] as string[], mine: [] as string[] };
    if (itemKeys.length === 0) return plan;
    return this.#write(() => {
      const keysIn = 'IN (SELECT value FROM json_each(?))';
      const results = this.#db.prepare(`SELECT item_key FROM item_results WHERE ok = 1 AND item_key ${keysIn}`).pluck();
      const holders = this.#db.prepare(
        `SELECT i.item_key, j.id FROM job_items i JOIN jobs j ON j.id = i.job_id WHERE i.item_key ${keysIn}
         AND j.state IN (${holderStates.map(() => '?').join(', ') || 'NULL'}) ORDER BY j.created_at DESC, j.rowid DESC`,
      ).raw();
      const claims = this.#db.prepare(`SELECT item_key, owner, renewed_at FROM item_claims WHERE item_key ${keysIn}`).raw();
      const put = this.#db.prepare(
        `INSERT INTO item_claims (item_key, owner, renewed_at) SELECT value, ?, ? FROM json_each(?) WHERE true
         ON CONFLICT(item_key) DO UPDATE SET owner = excluded.owner, renewed_at = excluded.renewed_at`,
      );
      const t = now();
      for (let k = 0; k < itemKeys.length; k += ITEM_QUERY_KEYS) {
        const keys = itemKeys.slice(k, k + ITEM_QUERY_KEYS);
        const json = JSON.stringify(keys);
        const done = new Set(results.all(json) as string[]);
        for (const [key, id] of holders.all(json, ...holderStates) as Array<[string, string]>) {
          if (done.has(key)) continue;
          const ids = plan.held.get(key);
          if (!ids) plan.held.set(key, [id]);
          else if (!ids.includes(id)) ids.push(id);
        }
        const claimed = new Map((claims.all(json) as Array<[string, string, number]>).map(([key, o, at]) => [key, { o, at }]));
        const mine: string[] = [];
        for (const key of keys) {
          const c = claimed.get(key);
          if (done.has(key)) plan.done.push(key);
          else if (plan.held.has(key)) continue;
          else if (c && c.o !== owner && !isStale(c.o, c.at)) plan.others.push(key);
          else mine.push(key);
        }
        if (mine.length) put.run(owner, t, JSON.stringify(mine));
        plan.mine.push(...mine);
      }
      return plan;
    });
  }

  /** Keep `owner`'s item claims alive (see claimItems). */
  renewItemClaims(owner: string): void {
    this.#write(() => this.#db.prepare('UPDATE item_claims SET renewed_at = ? WHERE owner = ?').run(now(), owner));
  }

  /** Drop `owner`'s item claims (its jobs' item keys are recorded, or it gave up). */
  releaseItemClaims(owner: string): void {
    this.#write(() => this.#db.prepare('DELETE FROM item_claims WHERE owner = ?').run(owner));
  }

  // The newest job with this cache key in a state that is reused (created … succeeded, died), if any.
  findReusable(cacheKey: string): JobRow | undefined {
    return this.#findReusable(cacheKey);
  }

  #findReusable(cacheKey: string): JobRow | undefined {
    const marks = REUSABLE_STATES.map(() => '?').join(', ');
    const raw = this.#read(() => this.#db
      .prepare(`SELECT * FROM jobs WHERE cache_key = ? AND state IN (${marks}) ORDER BY created_at DESC, rowid DESC LIMIT 1`)
      .get(cacheKey, ...REUSABLE_STATES)) as RawJob | undefined;
    return raw && toRow(raw);
  }

  get(id: string): JobRow | undefined {
    const raw = this.#read(() => this.#db.prepare('SELECT * FROM jobs WHERE id = ?').get(id)) as RawJob | undefined;
    return raw && toRow(raw);
  }

  /**
   * The jobs matching `filter`, oldest first (`newestFirst`: newest first; ties by insertion order), at most `limit`
   * of them when given (0 or undefined: all).
   */
  list(filter: JobFilter = {}, opts: ListOrder = {}): JobRow[] {
    const { sql, params } = jobQuery('*', filter, opts);
    return (this.#read(() => this.#db.prepare(sql).all(...params)) as RawJob[]).map(toRow);
  }

  /**
   * Like `list`, but only each job's id, name, system, state and creation time, with no details parsed: cheap enough
   * to filter 10^5 jobs by regexps before reading the few that are shown (`getMany`).
   */
  listBrief(filter: JobFilter = {}, opts: ListOrder = {}): JobBrief[] {
    const { sql, params } = jobQuery('id, name, system, state, created_at', filter, opts);
    const rows = this.#read(() => this.#db.prepare(sql).raw().all(...params)) as Array<[string, string, string, JobState, number]>;
    return rows.map(([id, name, system, state, createdAt]) => ({ id, name, system, state, createdAt }));
  }

  /** How many jobs match `filter`. */
  count(filter: JobFilter = {}): number {
    const { sql, params } = jobQuery('count(*)', filter, {}, false);
    return this.#read(() => this.#db.prepare(sql).pluck().get(...params)) as number;
  }

  /** The jobs with these ids, in the order given (ids not in the store left out); one query per 50 000 ids. */
  getMany(ids: readonly string[]): JobRow[] {
    const byId = new Map<string, JobRow>();
    this.#read(() => {
      const stmt = this.#db.prepare('SELECT * FROM jobs WHERE id IN (SELECT value FROM json_each(?))');
      this.#db.transaction(() => {
        for (let k = 0; k < ids.length; k += ITEM_QUERY_KEYS) {
          for (const r of stmt.iterate(JSON.stringify(ids.slice(k, k + ITEM_QUERY_KEYS))) as Iterable<RawJob>) byId.set(r.id, toRow(r));
        }
      })();
    });
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * Move a job to `to` if the state machine allows it from its current state; records an event.
   * Returns false (changing nothing) when the move is not legal, e.g. because another process got there first.
   */
  /**
   * `at`: when the change happened (s since epoch), if known better than "now" (the job's own marker files read after a
   * driver was down): kept between the job's last event and now.
   */
  transition(id: string, to: JobState, opts: { reason?: string | null; schedulerId?: string; force?: boolean; at?: number } = {}): boolean {
    return this.#write(() => {
      const cur = this.#db.prepare('SELECT state FROM jobs WHERE id = ?').get(id) as { state: JobState } | undefined;
      if (!cur) throw new StoreError(`No job ${id} in ${this.path}`, this.path);
      if (!opts.force && !isLegalTransition(cur.state, to)) return false;
      let t = now();
      if (opts.at !== undefined) {
        const last = (this.#db.prepare('SELECT MAX(at) AS at FROM events WHERE job_id = ?').get(id) as { at: number | null }).at ?? 0;
        t = Math.min(t, Math.max(last, opts.at));
      }
      // Bookkeeping states keep the reason of the outcome they record (a died job stays explained once processed).
      const keepReason = opts.reason === undefined && (to === 'processed' || to === 'cleaned');
      this.#db
        .prepare('UPDATE jobs SET state = ?, reason = CASE WHEN ? THEN reason ELSE ? END, scheduler_id = COALESCE(?, scheduler_id), updated_at = ? WHERE id = ?')
        .run(to, keepReason ? 1 : 0, opts.reason ?? null, opts.schedulerId ?? null, t, id);
      this.#db
        .prepare('INSERT INTO events (job_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)')
        .run(id, t, cur.state, to, opts.reason ?? null);
      return true;
    });
  }

  /** Set one top-level key of a job's details (e.g. `usage`) to a JSON value, leaving the others as they are. */
  setDetail(id: string, key: string, value: unknown): void {
    this.#write(() => this.#db
      .prepare('UPDATE jobs SET details = json_set(details, ?, json(?)), updated_at = ? WHERE id = ?')
      .run(`$.${JSON.stringify(key)}`, JSON.stringify(value ?? null), now(), id));
  }

  setSchedulerId(id: string, schedulerId: string): void {
    this.#write(() => this.#db.prepare('UPDATE jobs SET scheduler_id = ?, updated_at = ? WHERE id = ?').run(schedulerId, now(), id));
  }

  /** Take the submission lease of a job: succeeds if nobody holds it, we hold it, or `isStale(holder)` says the holder is gone. */
  takeOwnership(id: string, owner: string, isStale: (holder: string) => boolean): boolean {
    return this.#write(() => {
      const row = this.#db.prepare('SELECT owner FROM jobs WHERE id = ?').get(id) as { owner: string | null } | undefined;
      if (!row) return false;
      if (row.owner !== null && row.owner !== owner && !isStale(row.owner)) return false;
      this.#db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(owner, id);
      return true;
    });
  }

  releaseOwnership(id: string, owner: string): void {
    this.#write(() => this.#db.prepare('UPDATE jobs SET owner = NULL WHERE id = ? AND owner = ?').run(id, owner));
  }

  events(id: string): JobEvent[] {
    const rows = this.#read(() => this.#db.prepare('SELECT * FROM events WHERE job_id = ? ORDER BY seq').all(id)) as Array<{
      seq: number; job_id: string; at: number; from_state: JobState | null; to_state: JobState; detail: string | null;
    }>;
    return rows.map((r) => ({ seq: r.seq, jobId: r.job_id, at: r.at, fromState: r.from_state, toState: r.to_state, detail: r.detail }));
  }

  /** The events of many jobs at once (one query per 50 000 ids), by job id, each list in order. */
  eventsOf(ids: readonly string[]): Map<string, JobEvent[]> {
    const out = new Map<string, JobEvent[]>(ids.map((id) => [id, []]));
    this.#read(() => {
      const stmt = this.#db.prepare('SELECT * FROM events WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY seq');
      for (let k = 0; k < ids.length; k += ITEM_QUERY_KEYS) {
        for (const r of stmt.iterate(JSON.stringify(ids.slice(k, k + ITEM_QUERY_KEYS))) as Iterable<{
          seq: number; job_id: string; at: number; from_state: JobState | null; to_state: JobState; detail: string | null;
        }>) {
          out.get(r.job_id)?.push({ seq: r.seq, jobId: r.job_id, at: r.at, fromState: r.from_state, toState: r.to_state, detail: r.detail });
        }
      }
    });
    return out;
  }

  /** Remove jobs (and their events) from the store. Files are the caller's business. */
  deleteJobs(ids: readonly string[]): number {
    return this.#write(() => {
      let n = 0;
      for (const id of ids) {
        this.#db.prepare('DELETE FROM events WHERE job_id = ?').run(id);
        this.#db.prepare('DELETE FROM job_items WHERE job_id = ?').run(id);
        n += this.#db.prepare('DELETE FROM jobs WHERE id = ?').run(id).changes;
      }
      return n;
    });
  }

  // Per-item results already stored, for the given item keys: one query per 5000 keys (passed as a JSON array), so
  // SQLite walks the index itself instead of one statement call per key (10^6 keys: seconds -> under one).
  getItemResults(itemKeys: readonly string[]): Map<string, ItemResult> {
    const out = new Map<string, ItemResult>();
    if (itemKeys.length === 0) return out;
    this.#read(() => {
      const stmt = this.#db.prepare('SELECT item_key, job_id, ok, payload FROM item_results WHERE item_key IN (SELECT value FROM json_each(?))').raw();
      this.#db.transaction(() => {
        for (let k = 0; k < itemKeys.length; k += ITEM_RESULT_BLOCK) {
          for (const r of stmt.all(JSON.stringify(itemKeys.slice(k, k + ITEM_RESULT_BLOCK))) as Array<[string, string, number, string]>) {
            out.set(r[0], { itemKey: r[0], jobId: r[1], ok: r[2] === 1, payload: r[3] });
          }
        }
      })();
    });
    return out;
  }

  putItemResults(results: readonly ItemResult[]): void {
    if (results.length === 0) return;
    this.#write(() => {
      const stmt = this.#db.prepare(
        `INSERT INTO item_results (item_key, job_id, ok, payload, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(item_key) DO UPDATE SET job_id = excluded.job_id, ok = excluded.ok, payload = excluded.payload, created_at = excluded.created_at`,
      );
      const t = now();
      for (const r of results) stmt.run(r.itemKey, r.jobId, r.ok ? 1 : 0, r.payload, t);
    });
  }

  /**
   * Stored item results matching every given condition: produced by one of `jobIds`, under one of `itemKeys`, stored
   * before `before` (seconds since the epoch). Only keys, producing job and time (no payloads).
   */
  listItemResults(filter: { jobIds?: readonly string[]; itemKeys?: readonly string[]; before?: number } = {}): Array<{ itemKey: string; jobId: string; ok: boolean; createdAt: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.jobIds) {
      where.push(`job_id IN (${filter.jobIds.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...filter.jobIds);
    }
    if (filter.itemKeys) {
      where.push(`item_key IN (${filter.itemKeys.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...filter.itemKeys);
    }
    if (filter.before !== undefined) {
      where.push('created_at < ?');
      params.push(filter.before);
    }
    const sql = `SELECT item_key, job_id, ok, created_at FROM item_results${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at`;
    const rows = this.#read(() => this.#db.prepare(sql).all(...params)) as Array<{ item_key: string; job_id: string; ok: number; created_at: number }>;
    return rows.map((r) => ({ itemKey: r.item_key, jobId: r.job_id, ok: r.ok === 1, createdAt: r.created_at }));
  }

  /** Forget the stored results of these items (the next call computes them again). Returns how many were deleted. */
  deleteItemResults(itemKeys: readonly string[]): number {
    if (itemKeys.length === 0) return 0;
    return this.#write(() => {
      const stmt = this.#db.prepare('DELETE FROM item_results WHERE item_key = ?');
      let n = 0;
      for (const k of itemKeys) n += stmt.run(k).changes;
      return n;
    });
  }

  deleteCall(callKey: string): boolean {
    return this.#write(() => this.#db.prepare('DELETE FROM calls WHERE call_key = ?').run(callKey).changes > 0);
  }

  /**
   * Save (or replace) an autoparallelize call's record: its item keys and which job holds which items. A record equal
   * to the stored one is not written again (a cached rerun of 10^6 items would rewrite 70 MB), nor its updated_at.
   */
  putCall(callKey: string, details: Record<string, unknown>): void {
    const text = JSON.stringify(details);
    this.#write(() => {
      if (this.#db.prepare('SELECT details = ? FROM calls WHERE call_key = ?').pluck().get(text, callKey) === 1) return;
      const t = now();
      this.#db
        .prepare(
          `INSERT INTO calls (call_key, details, created_at, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(call_key) DO UPDATE SET details = excluded.details, updated_at = excluded.updated_at`,
        )
        .run(callKey, text, t, t);
    });
  }

  getCall(callKey: string): Record<string, unknown> | undefined {
    const r = this.#read(() => this.#db.prepare('SELECT details FROM calls WHERE call_key = ?').get(callKey)) as { details: string } | undefined;
    return r && (JSON.parse(r.details) as Record<string, unknown>);
  }

  /** Every autoparallelize call's record, oldest first (for the dashboard). */
  listCalls(): Array<{ callKey: string; details: Record<string, unknown>; createdAt: number; updatedAt: number }> {
    const rows = this.#read(() => this.#db.prepare('SELECT * FROM calls ORDER BY created_at, rowid').all()) as Array<{ call_key: string; details: string; created_at: number; updated_at: number }>;
    return rows.map((r) => ({ callKey: r.call_key, details: JSON.parse(r.details) as Record<string, unknown>, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** Whether each item key has a stored result, and from which job (no payloads read). */
  itemOutcomes(itemKeys: readonly string[]): Map<string, { jobId: string; ok: boolean }> {
    const out = new Map<string, { jobId: string; ok: boolean }>();
    this.#read(() => {
      const stmt = this.#db.prepare('SELECT job_id, ok FROM item_results WHERE item_key = ?');
      this.#db.transaction(() => {
        for (const key of itemKeys) {
          const r = stmt.get(key) as { job_id: string; ok: number } | undefined;
          if (r) out.set(key, { jobId: r.job_id, ok: r.ok === 1 });
        }
      })();
    });
    return out;
  }

  /** The events of every job in one query, by job id (for the dashboard; `events(id)` reads one job's). */
  allEvents(): Map<string, JobEvent[]> {
    const out = new Map<string, JobEvent[]>();
    const rows = this.#read(() => this.#db.prepare('SELECT * FROM events ORDER BY seq').raw().all()) as Array<[number, string, number, JobState | null, JobState, string | null]>;
    for (const [seq, jobId, at, fromState, toState, detail] of rows) {
      let list = out.get(jobId);
      if (!list) out.set(jobId, (list = []));
      list.push({ seq, jobId, at, fromState, toState, detail });
    }
    return out;
  }

  /** Changes whenever anything is committed to the store, by any connection (SQLite data_version + this one's changes). */
  changeMark(): string {
    return this.#read(() => `${String(this.#db.pragma('data_version', { simple: true }))}:${String(this.#db.prepare('SELECT total_changes()').pluck().get())}`);
  }

  /** Whether a code file was sent to `place` (a system and its run dir, as one string). */
  hasStagedCode(place: string, fileName: string): boolean {
    return this.#db.prepare('SELECT 1 FROM staged_code WHERE system = ? AND file_name = ?').get(place, fileName) !== undefined;
  }

  markStagedCode(place: string, fileNames: readonly string[]): void {
    this.#write(() => {
      const stmt = this.#db.prepare('INSERT OR IGNORE INTO staged_code (system, file_name) VALUES (?, ?)');
      for (const f of fileNames) stmt.run(place, f);
    });
  }
}

// The SELECT of `columns` from jobs matching `filter`, in creation order (or newest first), with an optional LIMIT.
function jobQuery(columns: string, filter: JobFilter, opts: ListOrder, ordered = true): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.ids) {
    where.push(`id IN (${filter.ids.map(() => '?').join(', ') || 'NULL'})`);
    params.push(...filter.ids);
  }
  if (filter.states) {
    where.push(`state IN (${filter.states.map(() => '?').join(', ') || 'NULL'})`);
    params.push(...filter.states);
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

function toRow(r: RawJob): JobRow {
  return {
    id: r.id, cacheKey: r.cache_key, name: r.name, system: r.system, state: r.state as JobState, reason: r.reason,
    schedulerId: r.scheduler_id, stageDir: r.stage_dir, runDir: r.run_dir, outputDir: r.output_dir, envHash: r.env_hash,
    details: JSON.parse(r.details) as Record<string, unknown>, owner: r.owner, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
