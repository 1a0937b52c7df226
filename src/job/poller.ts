// Watches the jobs of one system: ONE poll command per interval for all jobs being waited on, one fetch for all
// that finished, then the store is updated and waiters whose jobs have all ended are resolved.
import { setTimeout as sleep } from 'node:timers/promises';
import { ENDED_STATES, LIVE_STATES, type JobRow, type JobState } from '../store/index.ts';
import type { XprContext } from './context.ts';
import type { SystemSession } from './session.ts';
import { pollJobs, fetchJobs, recordedSchedulerId, type FetchRequest } from './system-ops.ts';
import { decideJobState } from './decide.ts';
import { copyOutputFiles } from './collect.ts';
import { JobWaitTimeoutError, WaitStoppedError } from './errors.ts';

export interface WaitOptions {
  /** Give up waiting (locally) after this many seconds; the jobs are left alone. @default no limit */
  timeoutS?: number;
  /** Longest pause between polls, in seconds; polls start faster and back off to this. @default 1 (local), 10 (remote) */
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

export class Poller {
  readonly #ctx: XprContext;
  readonly #session: SystemSession;
  readonly #waiters = new Set<Waiter>();
  readonly #gone = new Map<string, { sinceMs: number; polls: number }>();
  #running = false;
  #stopped = false;
  #intervalMs: number;
  /** Shortest pause between polls: right after a start, and again whenever a poll saw jobs change state. */
  readonly #minIntervalMs: number;
  #wake: (() => void) | undefined;
  /** Poll commands run so far (for tests and benchmarks). */
  pollsRun = 0;

  constructor(ctx: XprContext, session: SystemSession) {
    this.#ctx = ctx;
    this.#session = session;
    this.#minIntervalMs = session.sharesFs ? 200 : 1000;
    this.#intervalMs = this.#minIntervalMs;
  }

  // Resolve with the rows of `ids` once every one of them has ended (succeeded, failed, died, cancelled...).
  wait(ids: readonly string[], opts: WaitOptions = {}): Promise<JobRow[]> {
    opts.signal?.throwIfAborted();
    if (this.#stopped) return Promise.reject(new WaitStoppedError([...ids], this.#session.system.name));
    const defaultMax = this.#session.sharesFs ? 1 : 10;
    return new Promise<JobRow[]>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => finish(() => reject(opts.signal?.reason));
      const finish = (fn: () => void): void => {
        if (!this.#waiters.delete(waiter)) return;
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
      void this.#loop();
    });
  }

  // Stop polling; anyone still waiting gets WaitStoppedError (the jobs themselves are left alone).
  stop(): void {
    this.#stopped = true;
    for (const w of [...this.#waiters]) w.reject(new WaitStoppedError(w.ids, this.#session.system.name));
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    let errors = 0;
    try {
      while (this.#waiters.size > 0 && !this.#stopped) {
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
        const maxMs = Math.min(...[...this.#waiters].map((w) => w.maxIntervalMs));
        // Poll again soon while jobs are moving; back off while nothing changes.
        this.#intervalMs = changed ? this.#minIntervalMs : Math.min(maxMs, this.#intervalMs * 1.5);
        this.#intervalMs = Math.min(this.#intervalMs, maxMs);
        await new Promise<void>((res) => {
          this.#wake = res;
          sleep(this.#intervalMs).then(res, res);
        });
        this.#wake = undefined;
      }
    } finally {
      this.#running = false;
    }
  }

  // One round: poll, fetch, update the store, resolve finished waiters. Returns whether any job changed state.
  async #tick(): Promise<boolean> {
    const store = this.#ctx.store;
    const waiters = [...this.#waiters];
    const recheck = new Set(waiters.flatMap((w) => [...w.recheck]));
    const ids = [...new Set(waiters.flatMap((w) => w.ids))];
    const rows = store.list({ ids }).filter((r) => r.system === this.#session.system.name);
    // Live jobs, plus died jobs once per new waiter: a slow shared filesystem may have shown their results late (B12).
    const toPoll = rows.filter((r) => LIVE_STATES.includes(r.state) || (r.state === 'died' && recheck.has(r.id)));
    for (const w of waiters) w.recheck.clear();
    const changed = toPoll.length ? await this.#pollOnce(toPoll) : false;
    const byId = new Map(store.list({ ids }).map((r) => [r.id, r]));
    for (const w of waiters) {
      const mine = w.ids.map((id) => byId.get(id)).filter((r): r is JobRow => r !== undefined);
      w.onPoll?.(mine);
      if (mine.length === w.ids.length && mine.every((r) => ENDED_STATES.includes(r.state))) w.resolve(mine);
    }
    return changed;
  }

  async #pollOnce(rows: JobRow[]): Promise<boolean> {
    const store = this.#ctx.store;
    const outcome = await pollJobs(this.#session, rows.map((r) => ({ id: r.id, schedulerId: r.schedulerId })));
    this.pollsRun++;
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
      if (!decision.to) continue;
      const to = decision.to;
      if (decision.fetch) fetches.push({ id: row.id, outputGlobs: (row.details.outputFiles as string[]) ?? [], withLogs: decision.fetch === 'logs' });
      after.push(async () => {
        if (to === 'succeeded') {
          try {
            await copyOutputFiles(row.stageDir, (row.details.outputFiles as string[]) ?? [], row.outputDir);
          } catch (err) {
            // One job's copy problem (disk full, permissions) must not stall every other job of this system.
            this.#ctx.logger.warn(`job ${row.id}: could not copy its output files to ${row.outputDir} (${(err as Error).message}); they are in ${row.stageDir}`);
          }
        }
        store.transition(row.id, to as JobState, { reason: decision.reason ?? null });
      });
    }
    await fetchJobs(this.#session, fetches);
    for (const step of after) await step();
    return after.length > 0;
  }

  #graceMs(): number {
    const env = this.#ctx.env.XPR_DIED_GRACE_S;
    const s = env !== undefined && env !== '' && Number.isFinite(Number(env)) ? Number(env) : this.#session.sharesFs ? 5 : 60;
    return s * 1000;
  }
}
