// The job store: one SQLite file per project root (jobs, events, item results, call records, staged code). Owns opening
// it (WAL locally; rollback journal + writer lock dir on network filesystems), migrations and metadata; queries in jobs/items/leases/calls/snapshots.ts.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MIGRATIONS } from './migrations.ts';
import type { JobState } from './states.ts';
import { isNetworkFilesystem } from './fs-kind.ts';
import { StoreError, storeFailure } from './errors.ts';
import { StoreDb } from './db.ts';
import type { ItemResult, JobBrief, JobEvent, JobFilter, JobRow, ListOrder, NewJob } from './rows.ts';
import type { JobDetails } from './job-details.ts';
import * as jobs from './jobs.ts';
import * as items from './items.ts';
import * as leases from './leases.ts';
import * as calls from './calls.ts';
import * as snapshots from './snapshots.ts';

export const STORE_FILE = 'xpr-jobs.sqlite';

export class JobStore {
  readonly path: string;
  readonly isNetworkFs: boolean;
  readonly #s: StoreDb;

  private constructor(s: StoreDb) {
    this.#s = s;
    this.path = s.path;
    this.isNetworkFs = s.isNetworkFs;
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
    const store = new JobStore(new StoreDb(db, path, networkFs, timeouts));
    try {
      store.#migrate();
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  close(): void {
    this.#s.db.close();
  }

  #migrate(): void {
    const { db } = this.#s;
    this.#s.write(() => {
      db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
      const version = row ? Number(row.value) : 0;
      // No readable schema version beside tables of a schema: damaged (running the migrations again would fail).
      if (!Number.isInteger(version) || (version === 0 && db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'jobs'").get())) {
        throw storeFailure(this.path, Object.assign(new Error(`malformed schema version ${JSON.stringify(row?.value ?? null)} in a store that has tables`), { code: 'SQLITE_CORRUPT' }), 0);
      }
      if (version > MIGRATIONS.length) {
        throw new StoreError(
          `The job store ${this.path} has schema version ${version}, newer than this xpr understands (${MIGRATIONS.length}). Upgrade xpr.`,
          this.path,
        );
      }
      for (let v = version; v < MIGRATIONS.length; v++) {
        db.exec(MIGRATIONS[v]!.replace('CREATE TABLE meta', 'CREATE TABLE IF NOT EXISTS meta'));
      }
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(MIGRATIONS.length));
      db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('project_id', ?)").run(`p${randomBytes(6).toString('hex')}`);
    });
  }

  schemaVersion(): number {
    return Number((this.#s.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value);
  }

  /** Stable id of this project, used to name its remote dirs (survives moving the project or changing login node). */
  projectId(): string {
    return (this.#s.db.prepare("SELECT value FROM meta WHERE key = 'project_id'").get() as { value: string }).value;
  }

  /** The durability of commits on this connection (SQLite `PRAGMA synchronous`: 'FULL' by default). */
  durability(): string {
    const v = this.#s.db.pragma('synchronous', { simple: true }) as number;
    return ['OFF', 'NORMAL', 'FULL', 'EXTRA'][v] ?? String(v);
  }

  /** Changes whenever anything is committed to the store, by any connection (SQLite data_version + this one's changes). */
  changeMark(): string {
    const { db } = this.#s;
    return this.#s.read(() => `${String(db.pragma('data_version', { simple: true }))}:${String(db.prepare('SELECT total_changes()').pluck().get())}`);
  }

  // ---- jobs (jobs.ts)

  /**
   * Attach to the newest reusable job with this cache key, or insert `job` in state `created`.
   * One BEGIN IMMEDIATE transaction, so two processes never both create a job for the same key.
   * `beforeInsert` runs inside the transaction just before the insert (e.g. to move a prepared stage dir in place);
   * if it throws, nothing is inserted.
   */
  claim(job: NewJob, beforeInsert?: () => void, itemKeys?: readonly string[]): { row: JobRow; attached: boolean } {
    return jobs.claim(this.#s, job, beforeInsert, itemKeys);
  }

  /** The newest job with this cache key in a state that is reused (created … succeeded, died), if any. */
  findReusable(cacheKey: string): JobRow | undefined {
    return jobs.findReusable(this.#s, cacheKey);
  }

  get(id: string): JobRow | undefined {
    return jobs.get(this.#s, id);
  }

  /**
   * The jobs matching `filter`, oldest first (`newestFirst`: newest first; ties by insertion order), at most `limit`
   * of them when given (0 or undefined: all).
   */
  list(filter: JobFilter = {}, opts: ListOrder = {}): JobRow[] {
    return jobs.list(this.#s, filter, opts);
  }

  /**
   * Like `list`, but only each job's id, name, system, state and creation time, with no details parsed: cheap enough
   * to filter 10^5 jobs by regexps before reading the few that are shown (`getMany`).
   */
  listBrief(filter: JobFilter = {}, opts: ListOrder = {}): JobBrief[] {
    return jobs.listBrief(this.#s, filter, opts);
  }

  /** How many jobs match `filter`. */
  count(filter: JobFilter = {}): number {
    return jobs.count(this.#s, filter);
  }

  /** The jobs with these ids, in the order given (ids not in the store left out); one query per 50 000 ids. */
  getMany(ids: readonly string[]): JobRow[] {
    return jobs.getMany(this.#s, ids);
  }

  /**
   * Move a job to `to` if the state machine allows it from its current state; records an event, and the job's
   * outcome (`opts.outcome`, a cause of `to`, else `to` itself; kept by `processed`/`cleaned`; null otherwise).
   * Returns false (changing nothing) when the move is not legal, e.g. because another process got there first.
   * `at`: when the change happened (s since epoch), if known better than "now" (the job's own marker files read after a
   * driver was down): kept between the job's last event and now.
   */
  transition(id: string, to: JobState, opts: jobs.TransitionOptions = {}): boolean {
    return jobs.transition(this.#s, id, to, opts);
  }

  /** Set one top-level key of a job's details (e.g. `usage`) to a JSON value, leaving the others as they are. */
  setDetail<K extends keyof JobDetails & string>(id: string, key: K, value: JobDetails[K]): void {
    jobs.setDetail(this.#s, id, key, value);
  }

  setSchedulerId(id: string, schedulerId: string): void {
    jobs.setSchedulerId(this.#s, id, schedulerId);
  }

  /** Remove jobs (and their events) from the store. Files are the caller's business. */
  deleteJobs(ids: readonly string[]): number {
    return jobs.deleteJobs(this.#s, ids);
  }

  events(id: string): JobEvent[] {
    return jobs.events(this.#s, id);
  }

  /** The events of many jobs at once (one query per 50 000 ids), by job id, each list in order. */
  eventsOf(ids: readonly string[]): Map<string, JobEvent[]> {
    return jobs.eventsOf(this.#s, ids);
  }

  /** The events of every job in one query, by job id (for the dashboard; `events(id)` reads one job's). */
  allEvents(): Map<string, JobEvent[]> {
    return jobs.allEvents(this.#s);
  }

  // ---- leases (leases.ts)

  /**
   * Decide who computes each of `itemKeys`, in ONE write transaction (so two processes never both decide to start a
   * job for an item): `done` have a good stored result; `held` are held by jobs in `holderStates` (ids newest first);
   * `others` are claimed by another owner that `isStale(owner, renewedAt s)` says is alive; `mine` are the rest, now
   * claimed by `owner` until releaseItemClaims (the caller records them in jobs meanwhile).
   */
  claimItems(
    itemKeys: readonly string[], holderStates: readonly JobState[], owner: string, isStale: (owner: string, renewedAt: number) => boolean,
  ): leases.ItemClaimPlan {
    return leases.claimItems(this.#s, itemKeys, holderStates, owner, isStale);
  }

  /** Keep `owner`'s item claims alive (see claimItems). */
  renewItemClaims(owner: string): void {
    leases.renewItemClaims(this.#s, owner);
  }

  /** Drop `owner`'s item claims (its jobs' item keys are recorded, or it gave up). */
  releaseItemClaims(owner: string): void {
    leases.releaseItemClaims(this.#s, owner);
  }

  /** Take the submission lease of a job: succeeds if nobody holds it, we hold it, or `isStale(holder)` says the holder is gone. */
  takeOwnership(id: string, owner: string, isStale: (holder: string) => boolean): boolean {
    return leases.takeOwnership(this.#s, id, owner, isStale);
  }

  releaseOwnership(id: string, owner: string): void {
    leases.releaseOwnership(this.#s, id, owner);
  }

  // ---- items (items.ts)

  /** Record the item keys of a map job (by position in its chunk); positions already recorded are kept. */
  recordJobItems(jobId: string, itemKeys: readonly string[]): void {
    if (itemKeys.length) this.#s.write(() => items.recordJobItems(this.#s, jobId, itemKeys));
  }

  /** The item keys of a map job, by position in its chunk (empty for call jobs and jobs claimed before they were recorded). */
  jobItemKeys(jobId: string): string[] {
    return items.jobItemKeys(this.#s, jobId);
  }

  /** For each item key, the ids of the jobs in `states` that hold it, newest first (one read transaction). */
  jobsHoldingItems(itemKeys: readonly string[], states: readonly JobState[]): Map<string, string[]> {
    return items.jobsHoldingItems(this.#s, itemKeys, states);
  }

  /** Per-item results already stored, for the given item keys. */
  getItemResults(itemKeys: readonly string[]): Map<string, ItemResult> {
    return items.getItemResults(this.#s, itemKeys);
  }

  putItemResults(results: readonly ItemResult[]): void {
    items.putItemResults(this.#s, results);
  }

  /**
   * Stored item results matching every given condition: produced by one of `jobIds`, under one of `itemKeys`, stored
   * before `before` (seconds since the epoch). Only keys, producing job and time (no payloads).
   */
  listItemResults(filter: { jobIds?: readonly string[]; itemKeys?: readonly string[]; before?: number } = {}): items.ItemResultBrief[] {
    return items.listItemResults(this.#s, filter);
  }

  /** Forget the stored results of these items (the next call computes them again). Returns how many were deleted. */
  deleteItemResults(itemKeys: readonly string[]): number {
    return items.deleteItemResults(this.#s, itemKeys);
  }

  /** Whether each item key has a stored result, and from which job (no payloads read). */
  itemOutcomes(itemKeys: readonly string[]): Map<string, { jobId: string; ok: boolean }> {
    return items.itemOutcomes(this.#s, itemKeys);
  }

  // ---- call records and staged code (calls.ts)

  deleteCall(callKey: string): boolean {
    return calls.deleteCall(this.#s, callKey);
  }

  /**
   * Save (or replace) an autoparallelize call's record: its item keys and which job holds which items. A record equal
   * to the stored one is not written again, nor its updated_at.
   */
  putCall(callKey: string, details: object): void {
    calls.putCall(this.#s, callKey, details);
  }

  /** A call's record (a JSON object; StoredDataError naming the call and this file when it is not one). */
  getCall(callKey: string): calls.StoredCall | undefined {
    return calls.getCall(this.#s, callKey);
  }

  /** Every autoparallelize call's record, oldest first (for the dashboard). */
  listCalls(): Array<{ callKey: string; details: calls.StoredCall; createdAt: number; updatedAt: number }> {
    return calls.listCalls(this.#s);
  }

  /** The snapshot of a call whose items all succeeded, under its inputs key (snapshots.ts). */
  getCallSnapshot(inputsKey: string): snapshots.CallSnapshot | undefined {
    return snapshots.getCallSnapshot(this.#s, inputsKey);
  }

  /** A counter of item results deleted or replaced: read it before reading item results, pass it to putCallSnapshot. */
  itemResultsGeneration(): number {
    return snapshots.itemResultsGeneration(this.#s);
  }

  /** Save a call's results as one snapshot, unless an item result was deleted or replaced since `generation` (false). */
  putCallSnapshot(inputsKey: string, snapshot: snapshots.CallSnapshot, generation: number): boolean {
    return snapshots.putCallSnapshot(this.#s, inputsKey, snapshot, generation);
  }

  /** Whether a code file was sent to `place` (a system and its run dir, as one string). */
  hasStagedCode(place: string, fileName: string): boolean {
    return calls.hasStagedCode(this.#s, place, fileName);
  }

  markStagedCode(place: string, fileNames: readonly string[]): void {
    calls.markStagedCode(this.#s, place, fileNames);
  }
}
