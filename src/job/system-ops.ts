// Batched operations on one system through its transport: stage many jobs in one transfer, submit them in one
// command, poll all live jobs in one command, fetch finished results in one transfer, cancel, remove.
import { mkdirSync } from 'node:fs';
import { packEntries, unpackInto } from './tar-stream.ts';
import { quote, quoteArgv } from '../transport/quote.ts';
import { JobFiles } from '../runner/contract.ts';
import type { QueueStatus } from '../scheduler/types.ts';
import { unsetSchedulerEnvLine } from '../scheduler/common.ts';
import type { SystemSession } from './session.ts';
import { SystemCommandError } from './session.ts';

export interface StageRequest {
  id: string;
}

// Runs a script that arrives on stdin: saved to a temp file first, so no size limit applies (a single argv element,
// and so a whole ssh command line, is capped at 128 KiB on Linux) and nothing the script runs can read it from stdin.
const RUN_STDIN_SCRIPT = 'f=$(mktemp "${TMPDIR:-/tmp}/xpr.XXXXXX") || exit 97; cat > "$f"; bash "$f"; rc=$?; rm -f "$f"; exit $rc';

// Run a generated script (every value in it already quoted with quote()) on the system.
async function runScript(session: SystemSession, script: string, idempotent: boolean) {
  return session.transport.exec(['bash', '-c', RUN_STDIN_SCRIPT], { stdin: script, idempotent });
}

// Send the local stage dirs of `jobs` (and code files the system lacks) in one tar stream, unpacked by one command.
// Returns the files of `codeNeeded` that are still missing there (say, a scratch purge removed what was sent earlier).
export async function stageJobs(
  session: SystemSession, jobs: readonly StageRequest[], codeFiles: readonly string[], codeNeeded: readonly string[] = [],
): Promise<string[]> {
  if (session.sharesFs || jobs.length + codeFiles.length === 0) return [];
  const base = session.base;
  const entries = [...jobs.map((j) => j.id), ...codeFiles.map((f) => `_code/${f}`)];
  const pack = packEntries(session.localBase, entries);
  // Job dirs arrive with the 0700 mode they have here; umask 077 covers anything tar creates.
  const script = 'umask 077 && mkdir -p "$1" && cd "$1" && tar -xf - && shift && for f; do [ -e "_code/$f" ] || printf \'%s\\n\' "$f"; done';
  const res = await session.transport.exec(['bash', '-c', script, 'xpr-stage', base, ...codeNeeded], {
    stdin: pack,
    idempotent: true,
  });
  if (res.code !== 0) throw new SystemCommandError(session, 'stage jobs', res);
  return res.stdout.toString('utf8').split('\n').filter((f) => codeNeeded.includes(f));
}

export interface SubmitRequest {
  id: string;
  jobDir: string;
  argv: string[];
}

const SUBMIT_PARALLEL = 8;

/** `lost`: no answer came back (the connection dropped): the job may or may not be in the queue. */
export type SubmitOutcome = { ok: true; schedulerId: string } | { ok: false; message: string; lost?: boolean };

// Submit many jobs with one remote command; each job's raw submit output is also left in its job dir.
// Submissions run SUBMIT_PARALLEL at a time (plain `wait` per group: no bash >= 4.3 needed); answers come back in order.
export async function submitJobs(session: SystemSession, jobs: readonly SubmitRequest[]): Promise<Map<string, SubmitOutcome>> {
  const out = new Map<string, SubmitOutcome>();
  if (jobs.length === 0) return out;
  const lines = [...envPreamble(session), ...preSubmit(session.system.preSubmitCmds)];
  lines.push('xpr_tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpr-submit.XXXXXX") || exit 97');
  jobs.forEach((job, k) => {
    lines.push(
      // A job dir that already holds a scheduler id was submitted by an earlier try whose answer was lost: that
      // answer is replayed instead of submitting again, which makes this script safe to rerun.
      `( if ! cd ${quote(job.jobDir)}; then xpr_out=''; xpr_rc=1; ` +
        `elif [ -s ${JobFiles.schedulerId} ]; then xpr_out=$(cat ${JobFiles.schedulerId}); xpr_rc=0; ` +
        `else xpr_out=$(${quoteArgv(job.argv)} 2>.xpr_submit_err); xpr_rc=$?; ` +
        `[ "$xpr_rc" = 0 ] && { printf '%s\\n' "$xpr_out" > ${JobFiles.schedulerId}.tmp && mv -f ${JobFiles.schedulerId}.tmp ${JobFiles.schedulerId}; }; fi; ` +
        `printf '@@xpr-submit %s %s\\n' ${quote(job.id)} "$xpr_rc"; printf '%s\\n' "$xpr_out"; ` +
        `[ "$xpr_rc" = 0 ] || { printf '@@xpr-submit-err\\n'; cat .xpr_submit_err 2>/dev/null; } ) > "$xpr_tmp/${k}" 2>&1 &`,
    );
    if ((k + 1) % SUBMIT_PARALLEL === 0) lines.push('wait');
  });
  lines.push('wait', `for ((k = 0; k < ${jobs.length}; k++)); do cat "$xpr_tmp/$k"; done`, 'rm -rf "$xpr_tmp"');
  lines.push('exit 0');
  // Not retried by the transport (a drop is reported): jobs without an answer stay staged, and the next submit of
  // them replays the scheduler id their job dir holds instead of submitting twice.
  const res = await runScript(session, lines.join('\n'), false);
  const text = res.stdout.toString('utf8');
  const blocks = text.split('@@xpr-submit ').slice(1);
  for (const block of blocks) {
    const nl = block.indexOf('\n');
    const [id, rc] = block.slice(0, nl).split(' ');
    const body = block.slice(nl + 1);
    if (!id) continue;
    const [stdoutPart = '', errPart = ''] = body.split('@@xpr-submit-err\n');
    if (rc === '0') {
      try {
        out.set(id, { ok: true, schedulerId: session.scheduler.parseSubmitOutput(stdoutPart) });
      } catch (err) {
        out.set(id, { ok: false, message: (err as Error).message });
      }
    } else {
      out.set(id, { ok: false, message: `submit exited with ${rc}: ${(errPart || stdoutPart).trim() || res.stderr.trim()}` });
    }
  }
  for (const job of jobs) {
    if (!out.has(job.id)) out.set(job.id, { ok: false, lost: true, message: `no answer from the submit command (${res.stderr.trim() || `exit ${res.code}`})` });
  }
  return out;
}

function envPreamble(session: SystemSession): string[] {
  if (!session.env.WFL_SCHEDULER_IGNORE_ENV) return [];
  return [unsetSchedulerEnvLine()];
}

// pre_submit_cmds are argv tokens (as in ExPyRe); shell operators among them stay operators, a leading NAME=value
// stays an assignment (its value quoted), everything else is quoted.
export function preSubmit(tokens: readonly string[]): string[] {
  if (tokens.length === 0) return [];
  const ops = new Set(['&&', '||', ';', '|']);
  const word = (t: string): string => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(t);
    return m ? `${m[1]}=${quote(m[2]!)}` : quote(t);
  };
  return [tokens.map((t) => (ops.has(t) ? t : word(t))).join(' ')];
}

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
  s=0; r=0; e=0; [ -e "$xpr_id/${JobFiles.started}" ] && s=1; [ -e "$xpr_id/${JobFiles.result}" ] && r=1; [ -e "$xpr_id/${JobFiles.error}" ] && e=1
  x=$(cat "$xpr_id/${JobFiles.exit}" 2>/dev/null); q=$(head -c 200 "$xpr_id/${JobFiles.schedulerId}" 2>/dev/null | tr '\\n' ' ')
  printf '@@xpr-job %s ok %s %s %s %s|%s\\n' "$xpr_id" "$s" "$r" "$e" "\${x:--}" "$q"
done`;

// One command: the scheduler's status commands for all live ids, then the marker files of every job dir.
export async function pollJobs(
  session: SystemSession,
  jobs: ReadonlyArray<{ id: string; schedulerId: string | null }>,
): Promise<PollOutcome> {
  const base = session.base;
  const schedIds = jobs.map((j) => j.schedulerId).filter((s): s is string => s !== null);
  const argvs = schedIds.length ? session.scheduler.statusArgvs(schedIds) : [];
  const lines: string[] = [];
  argvs.forEach((argv, k) => lines.push(`printf '@@xpr-section %s\\n' ${k}`, `${quoteArgv(argv)} 2>/dev/null`));
  lines.push(
    `printf '@@xpr-files\\n'`,
    `cd ${quote(base)} || exit 3`,
    `xpr_ids=(${jobs.map((j) => quote(j.id)).join(' ')})`,
    POLL_FILES_LOOP,
  );
  const res = await runScript(session, lines.join('\n'), true);
  const text = res.stdout.toString('utf8');
  const filesAt = text.lastIndexOf('@@xpr-files\n');
  if (res.code !== 0 || filesAt < 0) throw new SystemCommandError(session, 'poll jobs', res);
  const sections = text.slice(0, filesAt).split(/@@xpr-section \d+\n/).slice(1);
  const queue = argvs.length ? session.scheduler.parseStatus(sections, schedIds) : new Map<string, QueueStatus>();
  const files = new Map<string, JobFileFlags>();
  for (const line of text.slice(filesAt).split('\n')) {
    const m = /^@@xpr-job (\S+) (missing|ok)(?: (\d) (\d) (\d) (\S+)\|(.*))?$/.exec(line);
    if (!m) continue;
    const [, id, what, s, r, e, x, q] = m;
    files.set(id!, {
      missing: what === 'missing',
      started: s === '1',
      hasResult: r === '1',
      hasError: e === '1',
      exitCode: x && x !== '-' && /^-?\d+$/.test(x) ? Number(x) : null,
      schedulerIdRaw: q?.trim() ? q.trim() : null,
    });
  }
  return { queue, files };
}

export interface FetchRequest {
  id: string;
  outputGlobs: readonly string[];
  /** Bring back stdout/stderr too (for failed and died jobs). */
  withLogs: boolean;
}

const FETCH_LOOP = `
set -- "\${xpr_args[@]}"
{
while [ $# -gt 0 ]; do
  xpr_id=$1; xpr_logs=$2; xpr_n=$3; shift 3
  for f in ${JobFiles.result} ${JobFiles.error} ${JobFiles.items} ${JobFiles.exit}; do [ -e "$xpr_id/$f" ] && printf '%s\\0' "$xpr_id/$f"; done
  if [ "$xpr_logs" = 1 ]; then for f in ${JobFiles.stdout} ${JobFiles.stderr} ${JobFiles.schedStdout} ${JobFiles.schedStderr}; do [ -e "$xpr_id/$f" ] && printf '%s\\0' "$xpr_id/$f"; done; fi
  while [ "$xpr_n" -gt 0 ]; do
    (cd "$xpr_id" && compgen -G "$1") | while IFS= read -r f; do printf '%s/%s\\0' "$xpr_id" "$f"; done
    shift; xpr_n=$((xpr_n - 1))
  done
done
} | tar -cf - --null -T -`;

// Bring the result files (and declared outputs) of finished jobs into their local stage dirs, in one transfer.
export async function fetchJobs(session: SystemSession, jobs: readonly FetchRequest[]): Promise<void> {
  if (session.sharesFs || jobs.length === 0) return;
  const base = session.base;
  const args = jobs.flatMap((j) => [j.id, j.withLogs ? '1' : '0', String(j.outputGlobs.length), ...j.outputGlobs]);
  const script = [`cd ${quote(base)} || exit 3`, `xpr_args=(${args.map(quote).join(' ')})`, FETCH_LOOP].join('\n');
  const res = await runScript(session, script, true);
  if (res.code !== 0) throw new SystemCommandError(session, 'fetch results', res);
  mkdirSync(session.localBase, { recursive: true, mode: 0o700 });
  await unpackInto(session.localBase, res.stdout);
}

// Ask the queue to cancel these scheduler ids (one command).
export async function cancelInQueue(session: SystemSession, schedulerIds: readonly string[]): Promise<void> {
  if (schedulerIds.length === 0) return;
  const res = await session.transport.exec(session.scheduler.cancelArgv(schedulerIds), { idempotent: true });
  if (res.code !== 0 && res.code !== 1) throw new SystemCommandError(session, 'cancel jobs', res);
}

// Remove job dirs on the system (one command). Ids are validated job ids; paths are quoted all the same.
export async function removeJobDirs(session: SystemSession, ids: readonly string[]): Promise<void> {
  if (ids.length === 0 || session.sharesFs) return;
  const base = session.base;
  const res = await runScript(session, `cd ${quote(base)} || exit 0\nrm -rf -- ${ids.map(quote).join(' ')}`, true);
  if (res.code !== 0) throw new SystemCommandError(session, 'remove job dirs', res);
}
