// Watches the jobs of one system: ONE poll command per interval for all jobs being waited on, one fetch for all
// that finished, then the store is updated, held jobs are submitted as places free up, and finished waiters resolved.
import { ENDED_STATES, IN_QUEUE_STATES, LIVE_STATES, WAITING_STATES, type JobOutcome, type JobRow, type JobState } from '../store/index.ts';
import type { JobServices } from './services.ts';
import type { SystemSession } from '../system/session.ts';
import { pollJobs, fetchJobs, recordedSchedulerId, type FetchRequest, type PollWatch } from '../system/system-ops.ts';
import { decideJobState } from './decide.ts';
import { copyOutputFiles } from './job-outputs.ts';
import { JobAbandonedError, JobFileError, JobRemovedError, JobWaitTimeoutError, WaitStoppedError } from './errors.ts';
import { MIN_POLL_MS, nextPollDelayMs, typicalRunMs } from './poll-schedule.ts';
import { isHeld, jobsInQueue } from './throttle.ts';
import type { PendingSubmitter } from './submit.ts';
import { recordEndUsage } from './usage-record.ts';
import { holdInterrupt } from './interrupt.ts';

export interface WaitOptions {
  /** Give up waiting (locally) after this many seconds; the jobs are left alone. @default no limit */
  timeoutS?: number;
  /**
   * Longest pause between polls, in seconds: polls start every 0.5 s after a submission or a change and back off to
   * this while nothing changes. @default 1 (local), 10 (remote)
   */
  checkIntervalS?: number;
  signal?: AbortSignal;
  /** Called after every poll with the current rows of the awaited jobs. */
  onPoll?: (rows: JobRow[]) => void;
}

interface Waiter {
  ids: string[];
  recheck: Set<string>;
  maxIntervalMs: number;
  onPoll?: (rows: JobRow[]) => void;
  resolve: (rows: JobRow[]) => void;
  reject: (err: unknown) => void;
}

const MAX_CONSECUTIVE_ERRORS = 8;
/** Pauses from this long on are spent waiting on the system for a job to start or end, instead of here. */
const WATCH_FROM_MS = 1000;
/** Most jobs whose markers one poll watches (the running ones first); the others are seen at the poll itself. */
const WATCH_MAX_JOBS = 100;

export class Poller {
  readonly #ctx: JobServices;
  readonly #pending: PendingSubmitter;
  readonly #session: SystemSession;
  readonly #waiters = new Set<Waiter>();
  readonly #gone = new Map<string, { sinceMs: number; polls: number }>();
  /** Unstaged jobs no process can stage (see adoptUnstaged), since when (ms). */
  readonly #stuckSince = new Map<string, number>();
  #running = false;
  #stopped = false;
  #intervalMs: number;
  /** Shortest pause between polls: right after a start, and again whenever a poll saw jobs change state. */
  readonly #minIntervalMs: number;
  #wake: (() => void) | undefined;
  /** When the last poll started, then ended (ms): a poll never starts sooner than #minIntervalMs after that. */
  #lastPollMs = Number.NEGATIVE_INFINITY;
  /** Jobs seen running, and since when (ms); run times of the jobs seen to end (newest last, a few dozen kept). */
  readonly #runningSince = new Map<string, number>();
  readonly #runTimesMs: number[] = [];
  /** Jobs held back by max_queued_jobs at the last poll (logged when it changes). */
  #heldCount = 0;
  /** Jobs seen to end that the queue still listed (Slurm completing them): they keep their place in the queue. */
  readonly #lingering = new Map<string, string>();
  /** The next poll first waits this long (ms) on the system for a watched job to start or end; 0 = no wait. */
  #watchMs = 0;
  /** Ends the wait of the poll in flight (a new waiter wants its jobs polled now). */
  #watchAbort: AbortController | undefined;
  /** The built-in local queue on this machine is polled often instead (its markers are plain local files). */
  readonly #canWatch: boolean;
  #pollsRun = 0;

  constructor(ctx: JobServices, session: SystemSession, pending: PendingSubmitter) {
    this.#ctx = ctx;
    this.#pending = pending;
    this.#session = session;
    // Only the built-in local queue (plain files on this machine) is polled faster than a real scheduler is.
    this.#minIntervalMs = session.sharesFs && session.system.scheduler === 'local' ? 200 : MIN_POLL_MS;
    this.#intervalMs = this.#minIntervalMs;
    this.#canWatch = !(session.sharesFs && session.system.scheduler === 'local');
  }

  /**
   * Diagnostic, read-only: the poll commands this poller has run, one per round for all the jobs watched. xpr itself
   * never reads it; the integration tests and the benchmarks (test/bench/) compare it with the transport's command
   * count (XprContext.transportStats) to check that a round stays one command however many jobs are watched.
   */
  get pollsRun(): number {
    return this.#pollsRun;
  }

  // Resolve with the rows of `ids` once every one of them has ended (succeeded, failed, died, cancelled...).
  wait(ids: readonly string[], opts: WaitOptions = {}): Promise<JobRow[]> {
    opts.signal?.throwIfAborted();
    if (this.#stopped) return Promise.reject(new WaitStoppedError([...ids], this.#session.system.name));
    const defaultMax = this.#session.sharesFs ? 1 : 10;
    return new Promise<JobRow[]>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => finish(() => reject(opts.signal?.reason));
      const release = holdInterrupt(ids, this.#session.system.name);
      const finish = (fn: () => void): void => {
        if (!this.#waiters.delete(waiter)) return;
        release();
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const waiter: Waiter = {
        ids: [...ids],
        recheck: new Set(ids),
        maxIntervalMs: Math.max(0.05, opts.checkIntervalS ?? defaultMax) * 1000,
        onPoll: opts.onPoll,
        resolve: (rows) => finish(() => resolve(rows)),
        reject: (err) => finish(() => reject(err)),
      };
      if (opts.timeoutS !== undefined) {
        timer = setTimeout(() => {
          const states = Object.fromEntries(this.#ctx.store.list({ ids }).map((r) => [r.id, r.state]));
          waiter.reject(new JobWaitTimeoutError([...ids], opts.timeoutS!, states));
        }, opts.timeoutS * 1000);
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      this.#intervalMs = this.#minIntervalMs;
      this.#wake?.();
      this.#watchAbort?.abort();
      // Started after the current synchronous run, so waits begun together (Promise.all) share the first poll.
      queueMicrotask(() => void this.#loop());
    });
  }

  // Stop polling; anyone still waiting gets WaitStoppedError (the jobs themselves are left alone).
  stop(): void {
    this.#stopped = true;
    for (const w of [...this.#waiters]) w.reject(new WaitStoppedError(w.ids, this.#session.system.name));
    this.#wake?.();
    this.#watchAbort?.abort();
  }

  async #loop(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    let errors = 0;
    try {
      while (this.#waiters.size > 0 && !this.#stopped) {
        // A new waiter wakes the loop early, but it never polls sooner than the shortest interval after the last poll.
        for (let gap = this.#lastPollMs + this.#minIntervalMs - Date.now(); gap > 0 && !this.#stopped; gap = this.#lastPollMs + this.#minIntervalMs - Date.now()) {
          await this.#pause(gap);
        }
        if (this.#waiters.size === 0 || this.#stopped) break;
        let changed = false;
        try {
          changed = await this.#tick();
          errors = 0;
        } catch (err) {
          errors++;
          this.#ctx.logger.warn(`polling system "${this.#session.system.name}" failed (${errors}/${MAX_CONSECUTIVE_ERRORS}): ${(err as Error).message}`);
          if (errors >= MAX_CONSECUTIVE_ERRORS) for (const w of [...this.#waiters]) w.reject(err);
        }
        if (this.#waiters.size === 0) break;
        const maxMs = Math.max(this.#minIntervalMs, Math.min(...[...this.#waiters].map((w) => w.maxIntervalMs)));
        // Poll again soon while jobs are moving, and around the time running jobs should end; back off otherwise.
        const now = Date.now();
        this.#intervalMs = nextPollDelayMs({
          prevMs: this.#intervalMs, changed, minMs: this.#minIntervalMs, maxMs, nowMs: now,
          runningSinceMs: [...this.#runningSince.values()], expectedRunMs: typicalRunMs(this.#runTimesMs),
        });
        // A long pause is spent on the system, watching the jobs' markers: an ending job is seen within 0.25 s,
        // and the queue is still asked only once per pause.
        if (this.#canWatch && this.#intervalMs >= WATCH_FROM_MS) this.#watchMs = this.#intervalMs;
        else await this.#pause(this.#intervalMs);
      }
    } finally {
      this.#running = false;
    }
  }

  // Sleep `ms`, or until woken (a new waiter, stop()). Leaves no timer behind.
  async #pause(ms: number): Promise<void> {
    await new Promise<void>((res) => {
      const timer = setTimeout(res, ms);
      this.#wake = () => {
        clearTimeout(timer);
        res();
      };
    });
    this.#wake = undefined;
  }

  // One round: poll, fetch, update the store, submit held jobs that now fit, resolve finished waiters. Returns
  // whether any job changed state.
  async #tick(): Promise<boolean> {
    const store = this.#ctx.store;
    const system = this.#session.system;
    const waiters = [...this.#waiters];
    const recheck = new Set(waiters.flatMap((w) => [...w.recheck]));
    const ids = [...new Set(waiters.flatMap((w) => w.ids))];
    let rows = store.list({ ids }).filter((r) => r.system === system.name);
    // Jobs a driver claimed but never staged (it was killed in between): whoever waits for them takes them over.
    if (rows.some((r) => r.state === 'created') && (await this.#adoptUnstaged(rows.filter((r) => r.state === 'created')))) {
      rows = store.list({ ids }).filter((r) => r.system === system.name);
    }
    // Jobs the queue has not seen (held back by max_queued_jobs) are not polled: they are submitted below.
    const held = rows.filter(isHeld);
    // Live jobs, plus died jobs once per new waiter: a slow shared filesystem may have shown their results late (B12).
    const toPoll = rows.filter((r) => (LIVE_STATES.includes(r.state) && !isHeld(r)) || (r.state === 'died' && recheck.has(r.id)));
    // While jobs are held back, the places are freed by the project's other jobs on this system too (maybe of a
    // driver that has gone): they are polled along, so the store sees them end.
    if (held.length && system.maxQueuedJobs !== undefined) {
      const polled = new Set(toPoll.map((r) => r.id));
      toPoll.push(...jobsInQueue(store, system.name).filter((r) => !polled.has(r.id)));
    }
    for (const w of waiters) w.recheck.clear();
    // Jobs in the queue are watched, the running ones first (their end is what callers wait for).
    // Not those in their died-grace period: their exit marker is there already and would end every watch at once.
    const watchable = toPoll.filter((r) => r.schedulerId !== null && IN_QUEUE_STATES.includes(r.state) && !this.#gone.has(r.id));
    const watch = {
      jobs: [...watchable.filter((r) => r.state === 'running'), ...watchable.filter((r) => r.state !== 'running')]
        .slice(0, WATCH_MAX_JOBS).map((r) => ({ id: r.id, started: r.state === 'running' })),
      maxMs: this.#watchMs,
    };
    this.#watchMs = 0;
    if (watch.maxMs > 0 && watch.jobs.length === 0) await this.#pause(watch.maxMs);
    this.#lastPollMs = Date.now();
    if (!held.length) this.#lingering.clear();
    let changed = toPoll.length || this.#lingering.size ? await this.#pollOnce(toPoll, watch.maxMs > 0 && watch.jobs.length ? watch : undefined) : false;
    this.#lastPollMs = Date.now();
    if (changed === null) return true; // the watch was cut short by a new waiter: poll again soon, with its jobs
    const polled = new Set(toPoll.map((r) => r.id));
    for (const id of this.#runningSince.keys()) if (!polled.has(id)) this.#runningSince.delete(id);
    if (held.length) changed = (await this.#submitHeld(held)) || changed;
    const byId = new Map(store.list({ ids }).map((r) => [r.id, r]));
    for (const w of waiters) {
      const mine = w.ids.map((id) => byId.get(id)).filter((r): r is JobRow => r !== undefined);
      if (mine.length < w.ids.length) {
        w.reject(new JobRemovedError(w.ids.filter((id) => !byId.has(id)), store.path));
        continue;
      }
      w.onPoll?.(mine);
      if (mine.length === w.ids.length && mine.every((r) => ENDED_STATES.includes(r.state))) w.resolve(mine);
    }
    return changed;
  }

  // Poll `rows` (after watching `watch.jobs` on the system, if given). Returns whether any job changed state, or null
  // when the watch was aborted.
  async #pollOnce(rows: JobRow[], watch?: Omit<PollWatch, 'signal'>): Promise<boolean | null> {
    const store = this.#ctx.store;
    const ids = new Set(rows.map((r) => r.id));
    const lingering = [...this.#lingering].filter(([id]) => !ids.has(id)).map(([id, schedulerId]) => ({ id, schedulerId }));
    const abort = watch ? new AbortController() : undefined;
    this.#watchAbort = abort;
    let outcome;
    try {
      outcome = await pollJobs(this.#session, [...rows.map((r) => ({ id: r.id, schedulerId: r.schedulerId })), ...lingering], watch && { ...watch, signal: abort!.signal });
    } catch (err) {
      if (abort?.signal.aborted) return null;
      throw err;
    } finally {
      this.#watchAbort = undefined;
    }
    this.#pollsRun++;
    for (const [id, schedulerId] of this.#lingering) {
      const q = outcome.queue.get(schedulerId);
      if (!q || q.state === 'ended') this.#lingering.delete(id);
    }
    const now = Date.now();
    const graceMs = this.#graceMs();
    const fetches: FetchRequest[] = [];
    const after: Array<() => Promise<void>> = [];
    for (const row of rows) {
      const files = outcome.files.get(row.id);
      // An id only the job dir knows is adopted; one that cannot be read stays unknown (the grace rule handles it).
      let schedulerId = row.schedulerId;
      if (schedulerId === null) {
        schedulerId = recordedSchedulerId(this.#session, files);
        if (schedulerId !== null) store.setSchedulerId(row.id, schedulerId);
      }
      const decision = decideJobState({
        state: row.state === 'died' ? 'running' : row.state,
        files,
        queue: schedulerId ? outcome.queue.get(schedulerId) : undefined,
        gone: this.#gone.get(row.id),
        nowMs: now,
        graceMs,
      });
      if (decision.gone) this.#gone.set(row.id, decision.gone);
      else this.#gone.delete(row.id);
      if (row.state === 'died' && decision.to !== 'succeeded' && decision.to !== 'failed') continue; // still dead
      if (row.state === 'running' && !this.#runningSince.has(row.id)) this.#runningSince.set(row.id, now);
      if (!decision.to) continue;
      const to = decision.to;
      this.#noteRunTime(row.id, to, now);
      const q = schedulerId ? outcome.queue.get(schedulerId) : undefined;
      if (schedulerId && q && q.state !== 'ended' && ENDED_STATES.includes(to)) this.#lingering.set(row.id, schedulerId);
      if (decision.fetch) fetches.push({ id: row.id, outputGlobs: row.details.outputFiles ?? [], withLogs: decision.fetch === 'logs' });
      after.push(async () => {
        let final = to as JobState;
        let reason = decision.reason ?? null;
        if (to === 'succeeded') {
          try {
            await copyOutputFiles(row.stageDir, row.details.outputFiles ?? [], row.outputDir);
          } catch (err) {
            // Outputs refused as unsafe (outside the job dir, symlinks) fail the job, with what was refused.
            if (err instanceof JobFileError) [final, reason] = ['failed', err.message];
            // One job's copy problem (disk full, permissions) must not stall every other job of this system.
            else this.#ctx.logger.warn(`job ${row.id}: could not copy its output files to ${row.outputDir} (${(err as Error).message}); they are in ${row.stageDir}`);
          }
        }
        // Times from the job's own marker files (a driver that was down notices late): a job seen ended before it was
        // seen running gets its running event at its start time.
        const ended = ENDED_STATES.includes(final);
        let outcome: JobOutcome | undefined;
        if (ended) {
          const end = recordEndUsage(store, row, this.#session.system.scheduler, q, files?.exitCode, final, reason);
          reason = end.reason;
          if (end.outOfMemory) outcome = 'out-of-memory';
        }
        if (ended && files?.startedAtS && WAITING_STATES.includes(row.state)) store.transition(row.id, 'running', { at: files.startedAtS });
        const at = (ended ? files?.exitedAtS : final === 'running' ? files?.startedAtS : null) ?? undefined;
        store.transition(row.id, final, { reason, at, outcome });
      });
    }
    await fetchJobs(this.#session, fetches);
    for (const step of after) await step();
    return after.length > 0;
  }

  // Stage and submit jobs left unstaged by a driver that stopped; errors are logged and tried again next round.
  // Waiters for jobs nobody can stage get an error naming them.
  async #adoptUnstaged(rows: JobRow[]): Promise<boolean> {
    try {
      const { adopted, stuck: seen } = await this.#pending.adoptUnstaged(rows);
      // Only after 5 s: a driver claims its jobs a moment before it takes their leases.
      const now = Date.now();
      for (const id of this.#stuckSince.keys()) if (!seen.some((s) => s.id === id)) this.#stuckSince.delete(id);
      for (const s of seen) if (!this.#stuckSince.has(s.id)) this.#stuckSince.set(s.id, now);
      const stuck = seen.filter((s) => now - this.#stuckSince.get(s.id)! >= 5000);
      for (const w of [...this.#waiters]) {
        const mine = stuck.filter((s) => w.ids.includes(s.id));
        if (mine.length) w.reject(new JobAbandonedError(mine.map((s) => s.id), [...new Set(mine.map((s) => s.why))].join('; ')));
      }
      return adopted > 0;
    } catch (err) {
      this.#ctx.logger.warn(`staging jobs left unstaged on system "${this.#session.system.name}": ${(err as Error).message}`);
      return false;
    }
  }

  // Submit held jobs as far as max_queued_jobs allows; log when the number held back changes. Returns whether any went.
  async #submitHeld(held: JobRow[]): Promise<boolean> {
    const name = this.#session.system.name;
    let round;
    try {
      round = await this.#pending.submitHeld(held, this.#lingering.size);
    } catch (err) {
      // Refused jobs are recorded as failed (their waiters get the reason); the poll goes on for the others.
      this.#ctx.logger.warn(`submitting held jobs on system "${name}": ${(err as Error).message}`);
      return true;
    }
    if (round.held !== this.#heldCount && (round.held > 0 || this.#heldCount > 0)) {
      this.#ctx.logger.info(`system "${name}": ${round.submitted} held job(s) submitted, ${round.held} still held back by max_queued_jobs=${this.#session.system.maxQueuedJobs}`);
    }
    this.#heldCount = round.held;
    return round.submitted > 0;
  }

  // Keep track of when jobs start and how long they ran: the poller expects others to take about as long.
  #noteRunTime(id: string, to: JobState, now: number): void {
    if (to === 'running') {
      this.#runningSince.set(id, now);
      return;
    }
    if (!ENDED_STATES.includes(to)) return;
    const since = this.#runningSince.get(id);
    this.#runningSince.delete(id);
    if (since === undefined) return;
    this.#runTimesMs.push(now - since);
    if (this.#runTimesMs.length > 50) this.#runTimesMs.shift();
  }

  #graceMs(): number {
    const env = this.#ctx.env.XPR_DIED_GRACE_S;
    const s = env !== undefined && env !== '' && Number.isFinite(Number(env)) ? Number(env) : this.#session.sharesFs ? 5 : 60;
    return s * 1000;
  }
}
