// The submit path of one system: stage created jobs in one transfer and submit staged ones in one command, within
// max_queued_jobs; and, for the poller, the jobs left pending (held back, or abandoned unstaged by another driver).
import { mkdirSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleRunner, type CodeBundle } from '../bundle/index.ts';
import { localQueueScript } from '../scheduler/index.ts';
import type { JobRow } from '../store/index.ts';
import { BaseFiles } from '../runner/contract.ts';
import type { SystemSession } from '../system/session.ts';
import { stageJobs } from '../system/system-ops.ts';
import { submitMaybeArrays, type ArrayShared } from '../system/array.ts';
import type { JobServices } from './services.ts';
import { newLease, isStaleLease, leaseHeld } from './lease.ts';
import { JobSubmitError } from './errors.ts';
import { admit, isHeld, jobsTakingPlaces } from './throttle.ts';

const noLap = (): void => undefined;

/** The jobs of one system a poller hands back to the submit path each round. */
export interface PendingSubmitter {
  /** Stage and submit jobs another driver claimed but never staged (see adoptUnstaged). */
  adoptUnstaged(rows: readonly JobRow[]): Promise<AdoptRound>;
  /** Submit held jobs as places free up (see submitHeld). */
  submitHeld(rows: readonly JobRow[], lingering: number): Promise<SubmitRound>;
}

// The pending-jobs dispatcher of one system, for its poller.
export function pendingSubmitter(services: JobServices, session: SystemSession): PendingSubmitter {
  return {
    adoptUnstaged: (rows) => adoptUnstaged(services, session, rows),
    submitHeld: (rows, lingering) => submitHeld(services, session, rows, lingering),
  };
}

// Put the op bundles, the runner and the local queue script into `<local base>/_code/` (content-addressed: never rewritten).
export function writeCodeFiles(session: SystemSession, bundles: readonly CodeBundle[], runner: CodeBundle): void {
  const dir = join(session.localBase, BaseFiles.code);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const put = (name: string, text: string): void => {
    const path = join(dir, name);
    if (existsSync(path)) return;
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  };
  for (const b of [...bundles, runner]) {
    put(b.fileName, b.code);
    put(`${b.fileName}.map`, b.map);
  }
  const queue = localQueueScript();
  put(queue.fileName, queue.text);
}

// The names of the code files of these bundles in `<local base>/_code/` (with source maps and the local queue script).
export function codeFileNames(bundles: readonly CodeBundle[], runner: CodeBundle): string[] {
  return [...bundles, runner].flatMap((b) => [b.fileName, `${b.fileName}.map`]).concat(localQueueScript().fileName);
}

/** What stageAndSubmit works on: jobs (created or staged) whose lease `owner` holds, and the code files they need. */
export interface StageAndSubmitOptions {
  services: JobServices;
  session: SystemSession;
  rows: JobRow[];
  /** Names of the files in `<local base>/_code/` the jobs run (op bundles, runner, local queue script). */
  codeFiles: string[];
  owner: string;
  /** Called after each step with what was done (XPR_TIMING). */
  lap?: (what: string) => void;
  arrays?: ArrayShared;
}

// Stage the created jobs in one transfer (sending code files not yet on the system), then submit them all.
export async function stageAndSubmit(o: StageAndSubmitOptions): Promise<void> {
  const { services: ctx, session, rows, codeFiles, owner, arrays } = o;
  const lap = o.lap ?? noLap;
  if (rows.length === 0) return;
  const name = session.system.name;
  const toStage = rows.filter((r) => r.state === 'created');
  if (toStage.length) {
    // Code files are sent once per system and run dir; the stage command reports any that vanished since, and
    // those are sent again before anything is submitted.
    const place = `${name}:${session.base}`;
    const needed = [...new Set(codeFiles)];
    const unsent = needed.filter((f) => !ctx.store.hasStagedCode(place, f));
    const vanished = await stageJobs(session, toStage.map((r) => ({ id: r.id })), unsent, needed);
    if (vanished.length) await stageJobs(session, [], vanished);
    if (!session.sharesFs && unsent.length) ctx.store.markStagedCode(place, unsent);
    for (const r of toStage) ctx.store.transition(r.id, 'staged');
    lap(`${toStage.length} job dir(s) staged`);
  }
  const round = await submitStaged({ services: ctx, session, staged: rows.map((r) => ctx.store.get(r.id) ?? r), owner, lap, arrays });
  if (round.held) {
    ctx.logger.info(
      `system "${name}": ${round.held} job(s) held back by max_queued_jobs=${session.system.maxQueuedJobs} (${round.taken} already in the queue); ` +
        'they stay staged and are submitted as earlier ones end, by whichever xpr process is waiting for them',
    );
  }
}

/** What one submission round did: jobs sent to the queue, jobs held back by max_queued_jobs, places others took. */
export interface SubmitRound {
  submitted: number;
  held: number;
  taken: number;
}

// For a poller: stage and submit jobs claimed by a driver that stopped before staging them (killed, or its staging
// failed): their lease is free or stale. Jobs with secret env vars are left (the values lived in that driver's memory),
// and so are jobs whose code is no longer in the local stage dir: those are returned as `stuck`, with why.
/** What adoptUnstaged did: jobs staged and submitted, and jobs it could not take over, with why. */
export interface AdoptRound {
  adopted: number;
  stuck: Array<{ id: string; why: string }>;
}

export async function adoptUnstaged(
  ctx: JobServices, session: SystemSession, rows: readonly JobRow[],
): Promise<AdoptRound> {
  const owner = newLease();
  const mine: JobRow[] = [];
  const stuck: Array<{ id: string; why: string }> = [];
  for (const r of rows) {
    if (r.state !== 'created' || leaseHeld(r.owner)) continue;
    const codeFile = r.details.codeFile ?? null;
    if (r.details.secretEnvVars !== undefined) {
      stuck.push({ id: r.id, why: 'its secret env var values lived only in that process' });
      continue;
    }
    if (codeFile === null || !existsSync(join(session.localBase, BaseFiles.code, codeFile)) || !existsSync(r.stageDir)) {
      stuck.push({ id: r.id, why: `its stage dir or code file is gone from ${session.localBase}` });
      continue;
    }
    if (!ctx.store.takeOwnership(r.id, owner, isStaleLease)) continue;
    const cur = ctx.store.get(r.id);
    if (cur?.state === 'created') mine.push(cur);
    else ctx.store.releaseOwnership(r.id, owner);
  }
  if (mine.length === 0) return { adopted: 0, stuck };
  try {
    const runner = await bundleRunner();
    writeCodeFiles(session, [], runner);
    const codeFiles = [...new Set(mine.flatMap((r) => r.details.codeFile ?? []))].flatMap((f) => [f, `${f}.map`]);
    ctx.logger.info(`system "${session.system.name}": staging ${mine.length} job(s) that another xpr process claimed but never staged`);
    await stageAndSubmit({ services: ctx, session, rows: mine, codeFiles: [...codeFiles, ...codeFileNames([], runner)], owner });
    return { adopted: mine.length, stuck };
  } finally {
    for (const r of mine) ctx.store.releaseOwnership(r.id, owner);
  }
}

// For a poller: submit held jobs (staged, never submitted) of one system as places in the queue free up, oldest
// first. Only as many leases as there are free places are taken. Throws JobSubmitError for jobs the queue refused.
// `lingering`: places taken by jobs that ended for xpr but that the queue still lists.
export async function submitHeld(ctx: JobServices, session: SystemSession, rows: readonly JobRow[], lingering = 0): Promise<SubmitRound> {
  const limit = session.system.maxQueuedJobs;
  const held = rows.filter(isHeld);
  const taken = limit === undefined ? 0 : jobsTakingPlaces(ctx.store, session.system.name, isStaleLease) + lingering;
  const free = limit === undefined ? held.length : Math.max(0, limit - taken);
  const owner = newLease();
  const mine: JobRow[] = [];
  for (const r of held) {
    if (mine.length >= free) break;
    const cur = ctx.store.get(r.id);
    if (cur && isHeld(cur) && ctx.store.takeOwnership(r.id, owner, isStaleLease)) mine.push(cur);
  }
  if (mine.length === 0) return { submitted: 0, held: held.length, taken };
  try {
    const round = await submitStaged({ services: ctx, session, staged: mine, owner, lingering });
    return { ...round, held: held.length - round.submitted };
  } finally {
    for (const r of mine) ctx.store.releaseOwnership(r.id, owner);
  }
}

/** What submitStaged works on: staged jobs whose lease `owner` holds. */
interface SubmitStagedOptions {
  services: JobServices;
  session: SystemSession;
  staged: JobRow[];
  owner: string;
  lap?: (what: string) => void;
  arrays?: ArrayShared;
  /** Places taken by jobs that ended for xpr but that the queue still lists. */
  lingering?: number;
}

// Submit staged jobs whose lease `owner` holds, as many as the system's max_queued_jobs lets in; the others stay
// staged with their leases released. Jobs the queue refused are recorded as failed and reported in JobSubmitError.
async function submitStaged(o: SubmitStagedOptions): Promise<SubmitRound> {
  const { services: ctx, session, staged, owner, arrays, lingering = 0 } = o;
  const lap = o.lap ?? noLap;
  const { admitted: rows, held, taken } = admit(ctx.store, session.system.name, session.system.maxQueuedJobs, staged, owner, isStaleLease, lingering);
  if (rows.length === 0) return { submitted: 0, held: held.length, taken };
  const outcomes = await submitMaybeArrays(
    session,
    rows.map((r) => ({ id: r.id, jobDir: r.runDir, argv: r.details.submitArgv ?? [] })),
    arrays,
    ctx.logger,
  );
  lap(`${rows.length} job(s) submitted`);
  const failures: Array<{ jobId: string; message: string }> = [];
  for (const r of rows) {
    const o = outcomes.get(r.id);
    if (o?.ok) {
      ctx.store.transition(r.id, 'submitted', { schedulerId: o.schedulerId });
      continue;
    }
    const message = o?.message ?? 'no answer';
    // A lost answer leaves the job staged: the next start replays its recorded scheduler id or submits it then.
    failures.push({ jobId: r.id, message: o?.lost ? `${message}; the job stays staged and is resumed by the next run` : message });
    if (!o?.lost) ctx.store.transition(r.id, 'failed', { reason: `submission failed: ${message}`, outcome: 'submission-failed', force: true });
  }
  if (failures.length) throw new JobSubmitError(failures);
  return { submitted: rows.length, held: held.length, taken };
}
