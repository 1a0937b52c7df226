// Polling all live jobs of a system in one command: the scheduler's status of each, and the marker files of each job
// dir (started, exit code, result, error); optionally waiting on the system for a watched job to start or end.
import { join } from 'node:path';
import { quote, quoteArgv } from '../transport/quote.ts';
import { JobFiles } from '../runner/contract.ts';
import type { QueueStatus } from '../scheduler/types.ts';
import type { SystemSession } from './session.ts';
import { SystemCommandError } from './session.ts';
import { runScript } from './remote-script.ts';

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

const POLL_FILES_LOOP = `
for xpr_id in "\${xpr_ids[@]}"; do
  if [ ! -d "$xpr_id" ]; then printf '@@xpr-job %s missing\\n' "$xpr_id"; continue; fi
  s=0; r=0; e=0; x=''; q=''; [ -e "$xpr_id/${JobFiles.started}" ] && s=1; [ -e "$xpr_id/${JobFiles.result}" ] && r=1; [ -e "$xpr_id/${JobFiles.error}" ] && e=1
  [ -e "$xpr_id/${JobFiles.exit}" ] && { read -r x < "$xpr_id/${JobFiles.exit}" || :; }
  st=-; xt=-; [ -n "$x" ] && { st=$(stat -c %Y "$xpr_id/${JobFiles.started}" 2>/dev/null) || st=-; xt=$(stat -c %Y "$xpr_id/${JobFiles.exit}" 2>/dev/null) || xt=-; }
  [ -e "$xpr_id/${JobFiles.schedulerId}" ] && while IFS= read -r l || [ -n "$l" ]; do q="$q$l "; [ \${#q} -ge 200 ] && break; done < "$xpr_id/${JobFiles.schedulerId}"
  printf '@@xpr-job %s ok %s %s %s %s %s %s|%s\\n' "$xpr_id" "$s" "$r" "$e" "\${x:--}" "$st" "$xt" "\${q:0:200}"
done`;

/**
 * Before a poll, wait on the system (up to `maxMs`) until one of these jobs starts or ends: its `_xpr_started` (if
 * not known `started`) or `_xpr_exit` marker appears; if one is there already, the poll goes ahead at once. Only file
 * tests run meanwhile (4 a second per marker); the queue is asked once, after. `signal` ends the wait early (the
 * command is killed; a dot printed per round makes it die on a closed pipe too).
 */
export interface PollWatch {
  jobs: ReadonlyArray<{ id: string; started: boolean }>;
  maxMs: number;
  signal?: AbortSignal;
}

// The shell lines of a watch (run in the base dir): the markers that should not be there yet, tested every 0.25 s.
function watchLines(watch: PollWatch): string[] {
  const rounds = Math.max(1, Math.ceil(watch.maxMs / 250));
  const markers = watch.jobs.flatMap((j) => [`${j.id}/${JobFiles.exit}`, ...(j.started ? [] : [`${j.id}/${JobFiles.started}`])]);
  return [
    `xpr_m=(${markers.map(quote).join(' ')})`,
    `xpr_n=${rounds}; xpr_until=$((SECONDS + ${Math.ceil(watch.maxMs / 1000)}))`,
    'for f in "${xpr_m[@]}"; do [ -e "$f" ] && { xpr_n=0; break; }; done',
    'while [ "$xpr_n" -gt 0 ] && [ "$SECONDS" -le "$xpr_until" ]; do',
    '  sleep 0.25 2>/dev/null || sleep 1; printf .',
    '  for f in "${xpr_m[@]}"; do [ -e "$f" ] && break 2; done',
    '  xpr_n=$((xpr_n - 1))',
    'done',
    "printf '\\n'",
  ];
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
  if (watch && watch.jobs.length && watch.maxMs > 0) lines.push(`cd ${quote(base)} || exit 3`, ...watchLines(watch));
  argvs.forEach((argv, k) => lines.push(`printf '@@xpr-section %s\\n' ${k}`, `${quoteArgv(argv)} 2>/dev/null`));
  lines.push(
    `printf '@@xpr-files\\n'`,
    `cd ${quote(base)} || exit 3`,
    `xpr_ids=(${jobs.map((j) => quote(j.id)).join(' ')})`,
    POLL_FILES_LOOP,
  );
  const res = await runScript(session, lines.join('\n'), true, watch?.signal);
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
