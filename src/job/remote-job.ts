// The public job API (ExPyRe's ExPyRe object, renamed): create a job from an op and its arguments, start it on a
// system, await its result, then mark it processed, cancel or clean it. Reruns attach to the job with the same key.
import { rmSync } from 'node:fs';
import { LIVE_STATES, type JobRow, type JobState } from '../store/index.ts';
import { JobFiles, type ItemRecord } from '../runner/contract.ts';
import { defaultContext, type XprContext } from './context.ts';
import { discardSpooled, prepareJob, type JobDefinition, type JobResult, type PreparedJob, type TypedJobDefinition } from './spec.ts';
import type { OpInput } from '../bundle/index.ts';
import { spoolDirOf } from '../system/session.ts';
import { startJobs, groupBySystem, type StartOptions } from './lifecycle.ts';
import type { WaitOptions } from './poller.ts';
import { cancelInQueue, findJobsByName, pollJobs, recordedSchedulerId, removeJobDirs } from '../system/system-ops.ts';
import { readResult, readJobError, readItemRecords, readTail, copyOutputFiles } from './job-outputs.ts';
import { JobFailedError, JobDiedError, JobCancelledError, JobRemovedError } from './errors.ts';
import { XprError } from '../errors.ts';

export class JobStateError extends XprError {
  override name = 'JobStateError';
  constructor(readonly jobId: string | null, readonly state: string, action: string, hint = '') {
    super(`Cannot ${action} job ${jobId ?? '(not started)'}: it is ${state}${hint ? ` (${hint})` : ''}`);
  }
}

export class RemoteJob<T = unknown> {
  readonly #ctx: XprContext;
  readonly #prepared: PreparedJob;
  #row: JobRow | undefined;
  /** An existing job with the same cache key was found (at create or start) and is being reused. */
  attached = false;
  /** For an attached job: what differs from this request (env_vars, pre_cmds, resources...). */
  differences: string[] = [];

  private constructor(ctx: XprContext, prepared: PreparedJob, row: JobRow | undefined) {
    this.#ctx = ctx;
    this.#prepared = prepared;
    this.#row = row;
    this.attached = row !== undefined;
  }

  // Create a job: locate and bundle the op, encode its arguments, compute the cache key, look for a job to reuse.
  // The job's result type is the op's return type (args checked against its parameters), or an explicit T.
  static async create<T = never, F extends OpInput = OpInput>(
    def: TypedJobDefinition<F>, ctx: XprContext = defaultContext(),
  ): Promise<RemoteJob<JobResult<T, F>>> {
    const prepared = await prepareJob({ cwd: ctx.cwd, ...(def as JobDefinition) }, { spoolDir: spoolDirOf(ctx.config.projectRoot) });
    const reusable = ctx.store.findReusable(prepared.cacheKey);
    if (reusable) discardSpooled(prepared);
    return new RemoteJob<JobResult<T, F>>(ctx, prepared, reusable);
  }

  /** The job id, once the job exists in the store. */
  get id(): string | undefined {
    return this.#row?.id;
  }

  get cacheKey(): string {
    return this.#prepared.cacheKey;
  }

  /** The state in the store ('new' before start() for a job that did not exist). */
  get state(): JobState | 'new' {
    return this.#refresh()?.state ?? 'new';
  }

  /** The stored row (id, system, scheduler id, dirs, reason...), refreshed from the store. */
  get row(): JobRow | undefined {
    return this.#refresh();
  }

  #refresh(): JobRow | undefined {
    if (this.#row) this.#row = this.#ctx.store.get(this.#row.id) ?? this.#row;
    return this.#row;
  }

  // Start the job on a system (a no-op, apart from reporting differences, for a job that already exists).
  async start(opts: StartOptions): Promise<this> {
    const [started] = await startJobs(this.#ctx, [this.#prepared], opts);
    this.#row = started!.row;
    this.attached = started!.attached;
    this.differences = started!.differences;
    if (this.attached) {
      const diff = this.differences.length ? `; what differs now: ${this.differences.join(', ')} (not part of the cache key, so the old job is kept)` : '';
      this.#ctx.logger.info(`attached to existing job ${this.#row.id} (${this.#row.state})${diff}`);
    }
    return this;
  }

  // Wait for the job to end and return the op's value; throws JobFailedError, JobDiedError or JobCancelledError.
  async result(opts: WaitOptions = {}): Promise<T> {
    const row = this.#requireRow('get the result of');
    const poller = await this.#ctx.poller(row.system);
    const [done] = await poller.wait([row.id], opts);
    this.#row = done!;
    // Cleaned while we waited (`xpr rm -c` cleans, then deletes the row): the result is gone, as if removed.
    if (done!.state === 'cleaned') throw new JobRemovedError([row.id], this.#ctx.store.path);
    // A job that had succeeded before this wait (reattached by a rerun): its output files are copied back again, as
    // the poller did when it succeeded (the user may have moved or deleted them since).
    if (row.state === 'succeeded' || row.state === 'processed') {
      await copyOutputFiles(done!.stageDir, done!.details.outputFiles ?? [], done!.outputDir);
    }
    return outcomeOf(done!) as T;
  }

  /** Map mode: the per-item records the job wrote (positions within its chunk). */
  itemRecords(): ItemRecord[] {
    return readItemRecords(this.#requireRow('read the items of').stageDir);
  }

  // Record that the caller has consumed the result: the job is no longer reused by reruns.
  async markProcessed(): Promise<void> {
    const row = this.#requireRow('mark processed');
    if (!this.#ctx.store.transition(row.id, 'processed') && this.#refresh()?.state !== 'processed') {
      throw new JobStateError(row.id, this.#refresh()!.state, 'mark processed');
    }
  }

  // Cancel the job in its queue (if it got there) and record it as cancelled.
  async cancel(): Promise<void> {
    const row = this.#requireRow('cancel');
    await cancelJobs(this.#ctx, [row]);
    this.#refresh();
  }

  // Remove the job's files on the system and locally (keeping the store row, as `cleaned`).
  async clean(): Promise<void> {
    const row = this.#requireRow('clean');
    await cleanJobs(this.#ctx, [row]);
    this.#refresh();
  }

  #requireRow(action: string): JobRow {
    const row = this.#refresh();
    if (!row) throw new JobStateError(null, 'not started', action);
    return row;
  }
}

// The value of an ended job, or the named error for how it ended.
export function outcomeOf(row: JobRow): unknown {
  switch (row.state) {
    case 'succeeded':
    case 'processed':
      return readResult(row.stageDir);
    case 'failed': {
      if (row.outcome === 'submission-failed') throw new JobDiedError(row.id, row.reason ?? 'submission failed');
      throw new JobFailedError(row.id, readJobError(row.stageDir, row.reason), readTail(row.stageDir, JobFiles.stdout), readTail(row.stageDir, JobFiles.stderr));
    }
    case 'died':
      throw new JobDiedError(row.id, row.reason ?? 'unknown', readTail(row.stageDir, JobFiles.stdout), readTail(row.stageDir, JobFiles.stderr));
    case 'cancelled':
      throw new JobCancelledError(row.id, row.reason);
    default:
      throw new JobStateError(row.id, row.state, 'read the result of');
  }
}

// Cancel jobs (grouped by system: one cancel command per system) and record them as cancelled, with `reason`.
// A staged job the queue could not be asked about is left as it is (it may be in the queue), and reported.
export async function cancelJobs(ctx: XprContext, rows: readonly JobRow[], reason = 'cancelled by the user'): Promise<void> {
  const unasked: string[] = [];
  for (const [system, group] of groupBySystem(rows)) {
    const session = await ctx.session(system);
    const ids = group.map((r) => r.schedulerId).filter((s): s is string => s !== null);
    // A staged job may have reached the queue in a submit whose answer was lost: its job dir holds the id.
    const unknown = group.filter((r) => r.schedulerId === null && r.state === 'staged');
    if (unknown.length) {
      const { files } = await pollJobs(session, unknown.map((r) => ({ id: r.id, schedulerId: null })));
      const notRecorded: string[] = [];
      for (const r of unknown) {
        const id = recordedSchedulerId(session, files.get(r.id));
        if (id !== null) ids.push(id);
        else notRecorded.push(r.id);
      }
      // Or it was interrupted between the submit command and the recording of its id: the queue knows it by name.
      for (const [id, found] of await findJobsByName(session, notRecorded)) {
        if (found === null) unasked.push(id);
        else ids.push(...found);
      }
    }
    await cancelInQueue(session, ids);
    for (const r of group) if (!unasked.includes(r.id)) ctx.store.transition(r.id, 'cancelled', { reason });
  }
  if (unasked.length) throw new JobStateError(unasked[0]!, 'staged', 'cancel', `the queue could not be asked whether ${unasked.join(', ')} reached it (an earlier submit was interrupted); left staged, try again`);
}

// Remove job dirs (one command per system) and local stage dirs; rows become `cleaned` first, so a crash midway
// never leaves a reusable row pointing at deleted files. Live jobs are refused: cancel them first.
export async function cleanJobs(ctx: XprContext, rows: readonly JobRow[]): Promise<void> {
  const current = rows.map((r) => ctx.store.get(r.id) ?? r);
  const live = current.filter((r) => LIVE_STATES.includes(r.state));
  if (live.length) throw new JobStateError(live[0]!.id, live[0]!.state, 'clean', `${live.length} live job(s) selected: cancel them first`);
  for (const [system, group] of groupBySystem(current)) {
    for (const r of group) ctx.store.transition(r.id, 'cleaned');
    const session = await ctx.session(system);
    await removeJobDirs(session, group.map((r) => r.id));
    for (const r of group) rmSync(r.stageDir, { recursive: true, force: true });
  }
}
