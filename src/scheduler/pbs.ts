// The PBS Professional / OpenPBS backend: `#PBS` job scripts, `qsub`, status from `qstat -f -F json -x` (PBS Pro
// >= 14; -x includes finished jobs with their Exit_status), `qdel`. Job ids are used as qsub prints them.
import type { ArraySupport, FoundByName, JobScriptSpec, QueueState, QueueStatus, Scheduler, SchedulerCommands } from './types.ts';
import { checkJobName, foundIds, notAnswered } from './find-by-name.ts';
import { composeHeader, escapeTemplate, renderBatchScript, shellPath } from './header.ts';
import {
  checkOutputFileName, checkSchedulerIds, describeSignal, outputLines, splitExitMarker, withExitMarker,
} from './common.ts';
import { SchedulerOutputError } from './errors.ts';
import { parsePbsDuration, parsePbsMem, type QueueUsage } from './accounting.ts';

/** qstat's exit code when some asked-about job ids are unknown (PBSE_UNKJOBID 15001 mod 256): the rest is still reported. */
const QSTAT_RC_UNKNOWN_JOB = 153;

const STATES: Record<string, { state: QueueState; reason?: string }> = {
  Q: { state: 'queued' },
  H: { state: 'queued', reason: 'held' },
  W: { state: 'queued', reason: 'waiting for its start time or for file stage-in' },
  T: { state: 'queued', reason: 'being moved to a new location' },
  R: { state: 'running' },
  E: { state: 'running', reason: 'exiting after having run' },
  B: { state: 'running', reason: 'array job: at least one subjob has started' },
  S: { state: 'running', reason: 'suspended' },
  U: { state: 'running', reason: 'suspended because the workstation became busy' },
  F: { state: 'ended' },
  X: { state: 'ended' },
  M: { state: 'unknown', reason: 'moved to another server; xpr cannot follow it there' },
};

/** PBS's own negative Exit_status values (job killed or never run by PBS), as PBS names them. */
const PBS_EXIT: Record<number, string> = {
  [-1]: 'JOB_EXEC_FAIL1: the job could not be started',
  [-2]: 'JOB_EXEC_FAIL2: the job could not be started',
  [-3]: 'JOB_EXEC_RETRY: the job could not be started (PBS may retry it)',
  [-4]: 'JOB_EXEC_INITABT: the job aborted during start-up',
  [-24]: 'JOB_EXEC_KILL_NCPUS_BURST: killed for using more CPUs than requested',
  [-25]: 'JOB_EXEC_KILL_NCPUS_SUM: killed for using more CPUs than requested',
  [-28]: 'JOB_EXEC_KILL_CPUT: killed for exceeding its CPU time',
};

// Which of xpr's states a PBS job_state letter is.
export function pbsQueueState(code: string): QueueState {
  return STATES[code]?.state ?? 'unknown';
}

/** flock lets a repeated submit wait for one in flight. */
export const PBS_COMMANDS: SchedulerCommands = { required: ['qsub', 'qstat', 'qdel'], optional: ['flock'] };

const PBS_FIRST_TASK = 0;

/** `qsub -J 0-<n-1> -r y` (PBS refuses non-rerunnable arrays); array ids `<n>[].<server>`, task ids `<n>[<k>].<server>`;
 *  max_array_size defaults to 10000. */
export const PBS_ARRAYS: ArraySupport = {
  defaultMaxSize: 10000,
  taskVariable: 'PBS_ARRAY_INDEX',
  firstTask: PBS_FIRST_TASK,
  submitArgv: (scriptName, n, name) => ['qsub', '-N', name, '-J', `${PBS_FIRST_TASK}-${PBS_FIRST_TASK + n - 1}`, '-r', 'y', scriptName],
  taskId: (arrayId, task) => arrayId.replace('[]', `[${task}]`),
  taskIdForm: 'brackets',
  arrayIdPattern: '^[0-9]+\\[\\][^[:space:]]*',
};

// PBS Pro/OpenPBS: qsub/qstat -f -F json -x/qdel; scripts named job.script.pbs.
export class PbsScheduler implements Scheduler {
  readonly kind = 'pbs' as const;
  readonly scriptName = 'job.script.pbs';
  readonly commands = PBS_COMMANDS;
  readonly arrays = PBS_ARRAYS;

  /** ExPyRe's default lines (name, walltime, output files, shell, not rerunnable), as templates; ids are not rewritten. */
  defaultHeader(spec: JobScriptSpec): string[] {
    checkOutputFileName(spec.stdoutFile, 'stdoutFile');
    checkOutputFileName(spec.stderrFile, 'stderrFile');
    return [
      '#PBS -N {id}',
      '#PBS -l walltime={max_time}',
      `#PBS -o ${escapeTemplate(spec.stdoutFile)}`,
      `#PBS -e ${escapeTemplate(spec.stderrFile)}`,
      `#PBS -S ${escapeTemplate(shellPath(spec.system.scriptExec))}`,
      '#PBS -r n',
    ];
  }

  renderScript(spec: JobScriptSpec): string {
    return renderBatchScript(spec, composeHeader(spec, this.defaultHeader(spec)));
  }

  /** The job name on the command line (it beats any `#PBS -N` line): find-by-name relies on it. */
  submitArgv(spec: JobScriptSpec): string[] {
    checkJobName(spec.jobId);
    return ['qsub', '-N', spec.jobId, this.scriptName];
  }

  /** The id exactly as qsub prints it, e.g. `1805770.pbs01` or `2152.edtb-01.mcp.alcf.anl.gov` (`123[].server` for arrays). */
  parseSubmitOutput(stdout: string): string {
    const ids = new Set(outputLines(stdout).filter((l) => /^\d+(?:\[\d*\])?(?:\.[A-Za-z0-9_-]+)*$/.test(l)));
    if (ids.size === 1) return [...ids][0]!;
    throw new SchedulerOutputError('pbs', `submit (qsub ${this.scriptName})`, stdout,
      'one job id line such as "1234.server" (qsub)',
      ids.size === 0 ? 'no job id found' : `${ids.size} different job ids found`);
  }

  /** One query; stderr is left out of the JSON, the exit code is appended (153 = some ids unknown). */
  statusArgvs(schedulerIds: readonly string[]): string[][] {
    if (schedulerIds.length === 0) return [];
    checkSchedulerIds(schedulerIds, 'schedulerIds');
    return [withExitMarker(['qstat', '-f', '-F', 'json', '-x', ...schedulerIds], { keepStderr: true })];
  }

  parseStatus(outputs: readonly string[], schedulerIds: readonly string[]): Map<string, QueueStatus> {
    const { text, rc } = splitExitMarker(outputs[0] ?? '');
    const { jobs, parsed } = readJobs(text);
    const result = new Map<string, QueueStatus>();
    for (const id of schedulerIds) {
      const entry = jobs.find(([key]) => samePbsId(key, id));
      if (entry) result.set(id, toStatus(id, entry[1]));
    }
    const answered = rc === 0 || rc === QSTAT_RC_UNKNOWN_JOB || (rc !== null && parsed && jobs.length > 0);
    if (!answered) {
      for (const id of schedulerIds) {
        if (!result.has(id)) {
          result.set(id, { schedulerId: id, state: 'unknown', rawState: '', reason: `qstat did not answer (${rc === null ? 'no exit code' : `exit code ${rc}`})` });
        }
      }
    }
    return result;
  }

  cancelArgv(schedulerIds: readonly string[]): string[] {
    checkSchedulerIds(schedulerIds, 'schedulerIds');
    return ['qdel', ...schedulerIds];
  }

  /** qselect -x (finished jobs too) -N NAME: the ids, one per line, as qsub prints them. */
  findByNameArgvs(name: string): string[][] {
    checkJobName(name);
    return [withExitMarker(['qselect', '-x', '-N', name], { keepStderr: true })];
  }

  parseFindByName(outputs: readonly string[], _name: string): FoundByName {
    const out = splitExitMarker(outputs[0] ?? '');
    if (out.rc !== 0) return notAnswered('qselect', out);
    return { ids: foundIds(outputLines(out.text).filter((l) => /^\d+(?:\[\d*\])?(?:\.[A-Za-z0-9_-]+)*$/.test(l))), answered: true };
  }
}

/**
 * The same job? qsub and qstat may print the server part differently (`123.pbs01` vs `123.pbs01.example.org`,
 * or no server part at all): sequence numbers must match and one server name must be a prefix of the other.
 */
export function samePbsId(a: string, b: string): boolean {
  if (a === b) return true;
  const [seqA = '', ...restA] = a.split('.');
  const [seqB = '', ...restB] = b.split('.');
  if (seqA !== seqB) return false;
  const [short, long] = restA.length <= restB.length ? [restA, restB] : [restB, restA];
  return short.every((label, i) => label === long[i]);
}

interface JobFields {
  job_state?: unknown;
  Exit_status?: unknown;
  comment?: unknown;
  resources_used?: unknown;
  Resource_List?: unknown;
}

// [id, fields] of every job in the output. Valid JSON is read as JSON; otherwise (PBS versions have printed
// unescaped characters, and stray lines can surround it) each job's fields are picked out of the text.
function readJobs(text: string): { jobs: Array<[string, JobFields]>; parsed: boolean } {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start >= 0 && end > start) {
    try {
      const doc = JSON.parse(text.slice(start, end + 1)) as { Jobs?: unknown };
      const jobs = doc.Jobs;
      if (jobs && typeof jobs === 'object' && !Array.isArray(jobs)) {
        return { jobs: Object.entries(jobs as Record<string, JobFields>).filter(([, v]) => v && typeof v === 'object'), parsed: true };
      }
      return { jobs: [], parsed: true };
    } catch {
      // fall through to the tolerant reading
    }
  }
  const jobs: Array<[string, JobFields]> = [];
  const keys = [...text.matchAll(/"(\d+(?:\[\d*\])?(?:\.[A-Za-z0-9_-]+)*)"\s*:\s*\{/g)];
  keys.forEach((k, i) => {
    const chunk = text.slice(k.index + k[0].length, keys[i + 1]?.index ?? text.length);
    const state = /"job_state"\s*:\s*"([A-Z])"/.exec(chunk)?.[1];
    if (!state) return;
    const exit = /"Exit_status"\s*:\s*(-?\d+)/.exec(chunk)?.[1];
    const comment = /"comment"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(chunk)?.[1];
    jobs.push([k[1]!, { job_state: state, Exit_status: exit === undefined ? undefined : Number(exit), comment }]);
  });
  return { jobs, parsed: false };
}

function toStatus(id: string, fields: JobFields): QueueStatus {
  const rawState = typeof fields.job_state === 'string' ? fields.job_state : '';
  const known = STATES[rawState];
  const status: QueueStatus = { schedulerId: id, state: known?.state ?? 'unknown', rawState };
  const comment = typeof fields.comment === 'string' && fields.comment.trim() !== '' ? fields.comment.trim() : undefined;
  if (status.state === 'ended') {
    const exit = typeof fields.Exit_status === 'number' ? fields.Exit_status
      : typeof fields.Exit_status === 'string' && /^-?\d+$/.test(fields.Exit_status) ? Number(fields.Exit_status) : undefined;
    if (exit === undefined) {
      status.reason = comment ?? 'finished without an exit status (deleted before it ran?)';
    } else {
      Object.assign(status, exitInfo(exit));
    }
    const usage = pbsUsage(fields);
    if (usage) status.usage = usage;
    return status;
  }
  const parts: string[] = [];
  if (!known) parts.push(`PBS state ${rawState || '(none)'} is not one xpr knows; counted as alive`);
  else if (known.reason) parts.push(known.reason);
  if (comment && status.state !== 'running') parts.push(comment);
  if (parts.length) status.reason = parts.join('; ');
  return status;
}

// Usage of a finished job: resources_used.walltime, cput, ncpus, mem (the job's peak resident memory) and
// Resource_List.mem (what it was granted). Only from output read as JSON.
export function pbsUsage(fields: JobFields): QueueUsage | undefined {
  const used = fields.resources_used && typeof fields.resources_used === 'object' ? fields.resources_used as Record<string, unknown> : {};
  const asked = fields.Resource_List && typeof fields.Resource_List === 'object' ? fields.Resource_List as Record<string, unknown> : {};
  const u: QueueUsage = {};
  const wall = parsePbsDuration(used.walltime);
  const cpu = parsePbsDuration(used.cput);
  const cores = Number(used.ncpus ?? asked.ncpus);
  const rss = parsePbsMem(used.mem);
  const req = parsePbsMem(asked.mem);
  if (wall !== undefined) u.elapsed_s = wall;
  if (cpu !== undefined) u.cpu_s = cpu;
  if (Number.isInteger(cores) && cores > 0) u.cores = cores;
  if (rss !== undefined) u.max_rss_bytes = rss;
  if (req !== undefined) u.req_mem_bytes = req;
  return Object.keys(u).length ? u : undefined;
}

// Exit_status: >= 0 the job script's exit code, >= 256 killed by signal (256+N; given here as 128+N like a shell),
// < 0 PBS's own reasons (-29 walltime -> TIMEOUT, -26/-27 memory -> OUT_OF_MEMORY).
function exitInfo(exit: number): Pick<QueueStatus, 'exitCode' | 'reason'> {
  if (exit === -29) return { exitCode: exit, reason: 'TIMEOUT' };
  if (exit === -26 || exit === -27) return { exitCode: exit, reason: 'OUT_OF_MEMORY' };
  if (exit < 0) return { exitCode: exit, reason: PBS_EXIT[exit] ?? `PBS ended the job itself (Exit_status ${exit})` };
  if (exit >= 256) return { exitCode: 128 + (exit - 256), reason: `killed by ${describeSignal(exit - 256)} (Exit_status ${exit})` };
  if (exit > 128 && exit < 160) return { exitCode: exit, reason: `exit status ${exit} = 128+${exit - 128}: killed by ${describeSignal(exit - 128)}` };
  return { exitCode: exit };
}
