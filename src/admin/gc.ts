// Removing jobs for good (`xpr rm`, `xpr gc`) and cancelling them (`xpr cancel`): live jobs are cancelled in their queues
// first, so nothing is ever left running (ExPyRe B19); jobs a driver is submitting right now are left alone.
import { rmSync } from 'node:fs';
import { LIVE_STATES, type JobRow, type JobState } from '../store/index.ts';
import type { XprContext } from '../job/context.ts';
import { cancelJobs, cleanJobs, JobStateError } from '../job/remote-job.ts';
import { withLeases } from '../job/lease.ts';

/** States `gc` collects: the job's outcome was used (processed), its files are gone (cleaned), or it cannot be reused. */
export const GC_STATES: readonly JobState[] = ['processed', 'cleaned', 'failed', 'cancelled'];

export interface RemoveOptions {
  /** Also delete the job dirs on the system and the local stage dirs. @default false (files are kept, paths reported) */
  clean?: boolean;
}

export interface RemoveReport {
  /** Rows deleted. */
  removed: JobRow[];
  /** Of those, jobs that were live and were cancelled in their queue first. */
  cancelled: string[];
  /** Jobs left alone because a driver is submitting them right now (try again in a moment). */
  busy: JobRow[];
  /** With `clean`: job dirs left on systems no longer in the config (their local stage dirs are deleted). */
  unreachable: Array<{ id: string; system: string; runDir: string }>;
  /** Without `clean`: dirs that were kept (local stage dir; job dir on the system, when it is another place). */
  keptDirs: Array<{ id: string; system: string; stageDir: string; runDir: string | null }>;
}

// Cancel the live jobs among `rows`, optionally clean every job's dirs, then delete the rows.
// Each job's submission lease is taken first (as cancelUnended does), so no driver starts submitting it meanwhile.
export async function removeJobs(ctx: XprContext, rows: readonly JobRow[], opts: RemoveOptions = {}): Promise<RemoveReport> {
  return withLeases(ctx.store, rows, (todo, busy) => removeLeased(ctx, todo, busy, opts));
}

async function removeLeased(ctx: XprContext, todo: JobRow[], busy: JobRow[], opts: RemoveOptions): Promise<RemoveReport> {
  const live = todo.filter((r) => LIVE_STATES.includes(r.state));
  const lost = live.filter((r) => !ctx.config.systems.has(r.system));
  if (lost.length) {
    throw new JobStateError(lost[0]!.id, lost[0]!.state, 'remove',
      `its system "${lost[0]!.system}" is not in the config, so it cannot be cancelled; put the system back, or if you know the job is gone, ` +
        `mark it with \`xpr reset-status cancelled -i ${lost.map((r) => r.id).join(',')}\` first`);
  }
  if (live.length) await cancelJobs(ctx, live, removalReason(ctx.store.path));
  // A system removed from the config cannot be reached: such jobs lose their local files only (none can be live,
  // since cancelling them would have needed the system too and thrown above).
  const known = todo.filter((r) => ctx.config.systems.has(r.system));
  const orphans = todo.filter((r) => !ctx.config.systems.has(r.system));
  if (opts.clean) {
    await cleanJobs(ctx, known.map((r) => ctx.store.get(r.id) ?? r));
    for (const r of orphans) {
      ctx.store.transition(r.id, 'cleaned');
      rmSync(r.stageDir, { recursive: true, force: true });
    }
  }
  ctx.store.deleteJobs(todo.map((r) => r.id));
  const keptDirs = opts.clean
    ? []
    : todo.map((r) => ({ id: r.id, system: r.system, stageDir: r.stageDir, runDir: r.runDir === r.stageDir ? null : r.runDir }));
  const unreachable = opts.clean ? orphans.filter((r) => r.runDir !== r.stageDir).map((r) => ({ id: r.id, system: r.system, runDir: r.runDir })) : [];
  return { removed: todo, cancelled: live.map((r) => r.id), busy, keptDirs, unreachable };
}

// What a live job removed by removeJobs is recorded as cancelled for: a driver waiting on it that looks before its row
// is deleted reads this in its JobCancelledError (one that looks after gets JobRemovedError).
export function removalReason(storePath: string): string {
  return `cancelled, then removed from ${storePath} (xpr rm); its results are gone`;
}

export interface CancelReport {
  /** Jobs cancelled in their queue (or before reaching one) and recorded as cancelled. */
  cancelled: JobRow[];
  /** Jobs left alone because a driver is staging or submitting them right now (try again in a moment). */
  busy: JobRow[];
  /** Jobs that had ended (or were removed) by the time they were re-read: nothing to cancel. */
  ended: JobRow[];
}

// Cancel the jobs among `rows` that have not ended. Each job's submission lease is taken first, so no driver can
// stage or submit it meanwhile (a job a driver holds is reported busy, not cancelled: cancelling it then could leave
// an untracked job in the queue); rows are re-read under the lease, since the selection may be out of date.
export async function cancelUnended(ctx: XprContext, rows: readonly JobRow[]): Promise<CancelReport> {
  const gone = rows.filter((r) => !ctx.store.get(r.id));
  const { toCancel, ended, busy } = await withLeases(ctx.store, rows, async (mine, busy) => {
    const toCancel = mine.filter((r) => r.state === 'created' || LIVE_STATES.includes(r.state));
    if (toCancel.length) await cancelJobs(ctx, toCancel);
    return { toCancel, ended: mine.filter((r) => !toCancel.includes(r)), busy };
  });
  return { cancelled: toCancel.map((r) => ctx.store.get(r.id) ?? r), busy, ended: [...ended, ...gone] };
}

// Jobs `gc` would collect: in GC_STATES and unchanged for more than `olderThanS` seconds.
export function gcCandidates(ctx: XprContext, olderThanS: number, nowMs = Date.now()): JobRow[] {
  const cutoff = nowMs / 1000 - olderThanS;
  return ctx.store.list({ states: GC_STATES }).filter((r) => r.updatedAt < cutoff);
}

// Delete the files and rows of jobs in GC_STATES unchanged for more than `olderThanS` seconds.
export async function gcJobs(ctx: XprContext, olderThanS: number): Promise<RemoveReport> {
  return removeJobs(ctx, gcCandidates(ctx, olderThanS), { clean: true });
}
