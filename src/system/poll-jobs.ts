// Polling all live jobs of a system in one command: the scheduler's status of each, and the marker files of each job
// dir (started, exit code, result, error); optionally waiting on the system for a watched job to start or end.
import type { QueueStatus } from '../scheduler/types.ts';
import type { SystemSession } from './session.ts';
import { SystemCommandError } from './session.ts';
import { runScript } from './remote-script.ts';
import { argvListArgs, shellCall, shellProgram } from './shell-files.ts';

/** What the job dir says about a job. */
export interface JobFileFlags {
  started: boolean;
  /** Exit code written by the job script, or null if not yet written. */
  exitCode: number | null;
  hasResult: boolean;
  hasError: boolean;
  /** Raw submit output left in the job dir (to recover a scheduler id after a crash), or null. */
  schedulerIdRaw: string | null;
  /** The job dir does not exist. */
  missing: boolean;
  /** When the job script started and wrote its exit code (mtimes of its marker files, s since epoch; read once the
   * exit code is there), if known. */
  startedAtS?: number | null;
  exitedAtS?: number | null;
}

// The queue id a job dir recorded at submission (read back after a lost submit answer), or null if none can be read.
export function recordedSchedulerId(session: SystemSession, flags: JobFileFlags | undefined): string | null {
  if (!flags?.schedulerIdRaw) return null;
  try {
    return session.scheduler.parseSubmitOutput(flags.schedulerIdRaw);
  } catch {
    return null;
  }
}

export interface PollOutcome {
  queue: Map<string, QueueStatus>;
  files: Map<string, JobFileFlags>;
}

/**
 * Before a poll, wait on the system (up to `maxMs`) until one of these jobs starts or ends: its JobFiles.started (if
 * not known `started`) or JobFiles.exit marker appears; if one is there already, the poll goes ahead at once. Only file
 * tests run meanwhile (4 a second per marker); the queue is asked once, after. `signal` ends the wait early (the
 * command is killed; a dot printed per round makes it die on a closed pipe too).
 */
export interface PollWatch {
  jobs: ReadonlyArray<{ id: string; started: boolean }>;
  maxMs: number;
  signal?: AbortSignal;
}

// The xpr_watch call of a watch (shell/poll.sh; cds to the base dir): its jobs' markers that should not be there yet,
// tested every 0.25 s.
function watchCall(base: string, watch: PollWatch): string {
  const rounds = Math.max(1, Math.ceil(watch.maxMs / 250));
  const jobs = watch.jobs.flatMap((j) => [j.id, j.started ? '1' : '0']);
  return `${shellCall('xpr_watch', base, rounds, Math.ceil(watch.maxMs / 1000), ...jobs)} || exit 3`;
}

// One command: the scheduler's status commands for all live ids, then the marker files of every job dir; with
// `watch`, first a wait on the system for one of the watched jobs to start or end.
export async function pollJobs(
  session: SystemSession,
  jobs: ReadonlyArray<{ id: string; schedulerId: string | null }>,
  watch?: PollWatch,
): Promise<PollOutcome> {
  const base = session.base;
  const schedIds = jobs.map((j) => j.schedulerId).filter((s): s is string => s !== null);
  const argvs = schedIds.length ? session.scheduler.statusArgvs(schedIds) : [];
  const lines: string[] = [];
  if (watch && watch.jobs.length && watch.maxMs > 0) lines.push(watchCall(base, watch));
  if (argvs.length) lines.push(shellCall('xpr_poll_status', ...argvListArgs(argvs)));
  lines.push(`${shellCall('xpr_poll_files', base, ...jobs.map((j) => j.id))} || exit 3`);
  const res = await runScript(session, shellProgram(['lib', 'poll'], lines), true, watch?.signal);
  const text = res.stdout.toString('utf8');
  const filesAt = text.lastIndexOf('@@xpr-files\n');
  if (res.code !== 0 || filesAt < 0) throw new SystemCommandError(session, 'poll jobs', res);
  const sections = text.slice(0, filesAt).split(/@@xpr-section \d+\n/).slice(1);
  const queue = argvs.length ? session.scheduler.parseStatus(sections, schedIds) : new Map<string, QueueStatus>();
  const files = new Map<string, JobFileFlags>();
  for (const line of text.slice(filesAt).split('\n')) {
    const m = /^@@xpr-job (\S+) (missing|ok)(?: (\d) (\d) (\d) (\S+)(?: (\S+) (\S+))?\|(.*))?$/.exec(line);
    if (!m) continue;
    const [, id, what, s, r, e, x, st, xt, q] = m;
    const secs = (v: string | undefined): number | null => (v && /^\d+$/.test(v) ? Number(v) : null);
    files.set(id!, {
      missing: what === 'missing',
      started: s === '1',
      hasResult: r === '1',
      hasError: e === '1',
      exitCode: x && x !== '-' && /^-?\d+$/.test(x) ? Number(x) : null,
      schedulerIdRaw: q?.trim() ? q.trim() : null,
      startedAtS: secs(st),
      exitedAtS: secs(xt),
    });
  }
  return { queue, files };
}
