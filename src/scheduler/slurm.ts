// The Slurm backend: `#SBATCH` job scripts, `sbatch --parsable`, status from squeue (live jobs and recently
// ended ones) plus sacct (exit codes, and jobs squeue has forgotten), `scancel`.
import type { ArraySupport, FoundByName, JobScriptSpec, QueueState, QueueStatus, Scheduler, SchedulerCommands } from './types.ts';
import { checkJobName, foundIds, notAnswered } from './find-by-name.ts';
import { composeHeader, escapeTemplate, renderBatchScript } from './header.ts';
import {
  checkOutputFileName, checkSchedulerIds, describeSignal, expandTaskList, outputLines, splitExitMarker, withExitMarker,
} from './common.ts';
import { SchedulerOutputError } from './errors.ts';
import { parseSlurmDuration, parseSlurmMem, type QueueUsage } from './accounting.ts';

/** sacct's fields: the first four give the state, the others the usage (MaxRSS is on the steps' lines). */
const SACCT_FIELDS = 'JobID,State,ExitCode,Reason,Elapsed,TotalCPU,AllocCPUS,ReqMem,MaxRSS';

const QUEUED = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SPECIAL_EXIT']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'STAGE_OUT', 'RESIZING']);
const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

/** squeue's compact state codes (`%t`), in case a site's squeue prints them. */
const SHORT_CODES: Record<string, string> = {
  PD: 'PENDING', CF: 'CONFIGURING', RQ: 'REQUEUED', RH: 'REQUEUE_HOLD', RF: 'REQUEUE_FED', RD: 'RESV_DEL_HOLD',
  SE: 'SPECIAL_EXIT', R: 'RUNNING', CG: 'COMPLETING', S: 'SUSPENDED', ST: 'STOPPED', SI: 'SIGNALING', SO: 'STAGE_OUT',
  RS: 'RESIZING', CD: 'COMPLETED', F: 'FAILED', CA: 'CANCELLED', TO: 'TIMEOUT', OOM: 'OUT_OF_MEMORY', NF: 'NODE_FAIL',
  PR: 'PREEMPTED', BF: 'BOOT_FAIL', DL: 'DEADLINE', RV: 'REVOKED',
};

// Which of xpr's states a Slurm job state is (`CANCELLED by 1001` counts as CANCELLED); anything else is 'unknown'.
export function slurmQueueState(rawState: string): QueueState {
  const word = normaliseState(rawState);
  if (QUEUED.has(word)) return 'queued';
  if (RUNNING.has(word)) return 'running';
  if (ENDED.has(word)) return 'ended';
  return 'unknown'; // REVOKED (a federation sibling runs the job elsewhere) and states added by later Slurm versions
}

function normaliseState(rawState: string): string {
  const word = (rawState.trim().split(/\s+/)[0] ?? '').replace(/\+$/, '');
  return SHORT_CODES[word] ?? word;
}

/** sacct gives exit codes of ended jobs; flock lets a repeated submit wait for one in flight. */
export const SLURM_COMMANDS: SchedulerCommands = { required: ['sbatch', 'squeue', 'scancel'], optional: ['sacct', 'flock'] };

const SLURM_FIRST_TASK = 0;

/** `sbatch --array=0-<n-1>`; task ids `<array>_<k>`; MaxArraySize defaults to 1001 (ids 0..1000). */
export const SLURM_ARRAYS: ArraySupport = {
  defaultMaxSize: 1001,
  taskVariable: 'SLURM_ARRAY_TASK_ID',
  firstTask: SLURM_FIRST_TASK,
  submitArgv: (scriptName, n, name) =>
    ['sbatch', '--parsable', `--job-name=${name}`, `--array=${SLURM_FIRST_TASK}-${SLURM_FIRST_TASK + n - 1}`, scriptName],
  taskId: (arrayId, task) => `${arrayId}_${task}`,
  taskIdForm: 'join:_',
  arrayIdPattern: '^[0-9]+',
};

// Slurm: sbatch/squeue+sacct/scancel; scripts named job.script.slurm.
export class SlurmScheduler implements Scheduler {
  readonly kind = 'slurm' as const;
  readonly scriptName = 'job.script.slurm';
  readonly commands = SLURM_COMMANDS;
  readonly arrays = SLURM_ARRAYS;

  /** ExPyRe's default lines (job name, time limit, batch stdout/stderr), as templates; plus `--mem` when memory is asked for. */
  defaultHeader(spec: JobScriptSpec): string[] {
    checkOutputFileName(spec.stdoutFile, 'stdoutFile');
    checkOutputFileName(spec.stderrFile, 'stderrFile');
    return [
      '#SBATCH --job-name={id}',
      '#SBATCH --time={max_time}',
      `#SBATCH --output=${escapeTemplate(spec.stdoutFile)}`,
      `#SBATCH --error=${escapeTemplate(spec.stderrFile)}`,
      // The memory asked for (max_mem_tot / max_mem_per_core), per node: Slurm enforces it where memory is consumable.
      ...(spec.fit.memPerNodeKb ? [`#SBATCH --mem=${Math.ceil(spec.fit.memPerNodeKb / 1024)}M`] : []),
    ];
  }

  renderScript(spec: JobScriptSpec): string {
    return renderBatchScript(spec, composeHeader(spec, this.defaultHeader(spec)));
  }

  /** The job name on the command line (it beats any `#SBATCH --job-name` line): find-by-name relies on it. */
  submitArgv(spec: JobScriptSpec): string[] {
    checkJobName(spec.jobId);
    return ['sbatch', '--parsable', `--job-name=${spec.jobId}`, this.scriptName];
  }

  parseSubmitOutput(stdout: string): string {
    const ids = new Set<string>();
    for (const line of outputLines(stdout)) {
      const m = /^(\d+(?:_\d+)?)(?:;\S+)?$/.exec(line) ?? /^Submitted batch job (\d+)\b/.exec(line);
      if (m) ids.add(m[1]!);
    }
    const expected = 'one job id line such as "1234" or "1234;cluster" (sbatch --parsable)';
    if (ids.size === 1) return [...ids][0]!;
    throw new SchedulerOutputError('slurm', `submit (sbatch --parsable ${this.scriptName})`, stdout, expected,
      ids.size === 0 ? 'no job id found' : `${ids.size} different job ids found`);
  }

  /**
   * Two queries: squeue (every state, wrapped so its exit code is visible: "no such job" and "controller
   * down" look alike otherwise) and sacct (exit codes and usage: Elapsed, TotalCPU, AllocCPUS, ReqMem, and MaxRSS from
   * the steps' lines, so no -X; "accounting storage is disabled" simply gives nothing).
   */
  statusArgvs(schedulerIds: readonly string[]): string[][] {
    if (schedulerIds.length === 0) return [];
    checkSchedulerIds(schedulerIds, 'schedulerIds');
    const list = schedulerIds.join(',');
    return [
      withExitMarker(['squeue', '-h', '-t', 'all', '-o', '%i|%T|%r', '-j', list]),
      ['sacct', '-n', '-P', '-o', SACCT_FIELDS, '-j', list],
    ];
  }

  parseStatus(outputs: readonly string[], schedulerIds: readonly string[]): Map<string, QueueStatus> {
    const wanted = new Set(schedulerIds);
    const squeue = splitExitMarker(outputs[0] ?? '');
    const live = parseStatusLines(squeue.text, wanted, 'squeue');
    const accounted = parseStatusLines(outputs[1] ?? '', wanted, 'sacct');
    const used = sacctUsage(outputs[1] ?? '', wanted);
    const squeueAnswered = squeue.rc === 0 || /Invalid job id specified/.test(squeue.text);
    const result = new Map<string, QueueStatus>();
    for (const id of wanted) {
      const q = live.get(id);
      const a = accounted.get(id);
      // squeue is authoritative while the job is alive; once it ended, sacct knows the exit code.
      if (q && (q.state !== 'ended' || a?.state !== 'ended')) result.set(id, q);
      else if (a) result.set(id, a);
      else if (!squeueAnswered) {
        const said = outputLines(squeue.text)[0];
        result.set(id, {
          schedulerId: id, state: 'unknown', rawState: '',
          reason: `squeue did not answer (${squeue.rc === null ? 'no exit code' : `exit code ${squeue.rc}`}${said ? `: ${said}` : ''})`,
        });
      }
      const status = result.get(id);
      const usage = used.get(id);
      if (status && usage) result.set(id, { ...status, usage });
    }
    return result;
  }

  cancelArgv(schedulerIds: readonly string[]): string[] {
    checkSchedulerIds(schedulerIds, 'schedulerIds');
    return ['scancel', ...schedulerIds];
  }

  /** squeue (live jobs and those ended within MinJobAge) and sacct (older ones; it may lag behind a new job). */
  findByNameArgvs(name: string): string[][] {
    checkJobName(name);
    return [
      withExitMarker(['squeue', '--noheader', '-t', 'all', `--name=${name}`, '-o', '%i']),
      withExitMarker(['sacct', '-n', '-X', '-P', '-S', 'now-30days', `--name=${name}`, '-o', 'JobID,JobName,State']),
    ];
  }

  /** squeue must answer; sacct adds what squeue has forgotten (accounting disabled: squeue alone). Array tasks give their array's id. */
  parseFindByName(outputs: readonly string[], name: string): FoundByName {
    const squeue = splitExitMarker(outputs[0] ?? '');
    if (squeue.rc !== 0) return notAnswered('squeue', squeue);
    const ids: string[] = [];
    for (const line of outputLines(squeue.text)) {
      const m = /^(\d+)(?:_\S+)?$/.exec(line);
      if (m) ids.push(m[1]!);
    }
    const sacct = splitExitMarker(outputs[1] ?? '');
    if (sacct.rc === 0) {
      for (const line of outputLines(sacct.text)) {
        const [id = '', jobName] = line.split('|');
        const m = /^(\d+)(?:[_+.]\S*)?$/.exec(id);
        if (m && jobName === name) ids.push(m[1]!);
      }
    }
    return { ids: foundIds(ids), answered: true };
  }
}

// Parse `id|state|...` lines (squeue: id|state|reason; sacct: id|state|exitcode|reason) into statuses per wanted id.
// Array tasks (`123_4`, `123_[5-9]`) and het-job parts (`123+0`) count for `123` when that is what was asked.
function parseStatusLines(text: string, wanted: ReadonlySet<string>, source: 'squeue' | 'sacct'): Map<string, QueueStatus> {
  const isSacct = source === 'sacct';
  const found = new Map<string, QueueStatus>();
  for (const line of outputLines(text)) {
    const fields = line.split('|');
    // sacct: 4 fields (older xpr's query) or SACCT_FIELDS; steps' lines (`123.batch`) name no asked-about id.
    if (isSacct ? fields.length !== 4 && fields.length !== 9 : fields.length !== 3) continue;
    const [rawId = '', rawState = ''] = fields;
    if (!/^[A-Z_]+(?: by \d+)?\+?$/.test(rawState)) continue;
    for (const id of wantedIdsOf(rawId, wanted)) {
      const status = toStatus(id, rawState, isSacct ? fields[2] : undefined, isSacct ? fields[3] : fields[2]);
      const prev = found.get(id);
      found.set(id, prev ? combine(prev, status) : status);
    }
  }
  return found;
}

// The asked-about ids a listed id stands for: itself; every asked-about task of a folded row (`123_[2-5,7%2]`, how
// sacct and plain squeue show pending tasks); else `123` for one of its tasks or het-job parts.
function wantedIdsOf(rawId: string, wanted: ReadonlySet<string>): string[] {
  if (wanted.has(rawId)) return [rawId];
  const folded = /^(\d+)_\[([\d,-]+)(?:%\d+)?\]$/.exec(rawId);
  if (folded) {
    const tasks = expandTaskList(folded[2]!).map((k) => `${folded[1]}_${k}`).filter((id) => wanted.has(id));
    if (tasks.length) return tasks;
  }
  const base = rawId.replace(/[_+].*$/, '');
  return wanted.has(base) ? [base] : [];
}

// Usage per asked-about id from sacct's SACCT_FIELDS lines: Elapsed, TotalCPU, AllocCPUS and ReqMem of the job's own
// line, the largest MaxRSS of its steps' lines (`123.batch`, `123_4.0`). Lines of another shape are skipped.
export function sacctUsage(text: string, wanted: ReadonlySet<string>): Map<string, QueueUsage> {
  const found = new Map<string, QueueUsage>();
  for (const line of outputLines(text)) {
    const fields = line.split('|');
    if (fields.length !== 9) continue;
    const [rawId = '', , , , elapsed, totalCpu, allocCpus, reqMem, maxRss] = fields;
    const step = /^(.+)\.[^.]+$/.exec(rawId);
    for (const id of wantedIdsOf(step ? step[1]! : rawId, wanted)) {
      const u = found.get(id) ?? {};
      const rss = parseSlurmMem(maxRss)?.bytes;
      if (rss !== undefined) u.max_rss_bytes = Math.max(u.max_rss_bytes ?? 0, rss);
      if (!step) {
        const cores = /^\d+$/.test(allocCpus?.trim() ?? '') ? Number(allocCpus) : undefined;
        const e = parseSlurmDuration(elapsed);
        const c = parseSlurmDuration(totalCpu);
        const m = parseSlurmMem(reqMem);
        if (e !== undefined) u.elapsed_s = e;
        if (c !== undefined) u.cpu_s = c;
        if (cores !== undefined && cores > 0) u.cores = cores;
        if (m) u.req_mem_bytes = m.per === 'cpu' && cores ? m.bytes * cores : m.bytes;
      }
      found.set(id, u);
    }
  }
  for (const [id, u] of found) if (Object.keys(u).length === 0) found.delete(id);
  return found;
}

function toStatus(id: string, rawState: string, exitField: string | undefined, slurmReason: string | undefined): QueueStatus {
  const state = slurmQueueState(rawState);
  const word = normaliseState(rawState);
  const status: QueueStatus = { schedulerId: id, state, rawState };
  const why = slurmReason && slurmReason !== 'None' ? slurmReason.trim() : undefined;
  const parts: string[] = [];
  if (state === 'ended') {
    // ExitCode is "<exit code>:<signal>"; a job killed by signal N is given the shell's 128+N.
    const m = exitField === undefined ? null : /^(\d+):(\d+)$/.exec(exitField.trim());
    const signal = m ? Number(m[2]) : 0;
    if (m) status.exitCode = signal > 0 && Number(m[1]) === 0 ? 128 + signal : Number(m[1]);
    if (word === 'TIMEOUT' || word === 'OUT_OF_MEMORY') {
      status.reason = word;
      return status;
    }
    if (word !== 'COMPLETED' && word !== 'FAILED') parts.push(rawState.replace(/\+$/, ''));
    if (why && !(why === 'NonZeroExitCode' && m)) parts.push(why); // sacct's exit code says it better
    if (signal > 0) parts.push(`killed by ${describeSignal(signal)}`);
  } else if (state === 'unknown') {
    parts.push(`Slurm state ${rawState} is not one xpr knows; counted as alive`);
  } else {
    if (word !== 'PENDING' && word !== 'RUNNING') parts.push(word);
    if (why) parts.push(why);
  }
  if (parts.length) status.reason = parts.join('; ');
  return status;
}

const RANK: Record<QueueState, number> = { running: 3, queued: 2, unknown: 1, ended: 0 };

// One status for several lines of the same job (array tasks): alive beats ended; among ended, a failure beats success.
function combine(a: QueueStatus, b: QueueStatus): QueueStatus {
  if (RANK[a.state] !== RANK[b.state]) return RANK[a.state] > RANK[b.state] ? a : b;
  if (a.state === 'ended' && normaliseState(a.rawState) === 'COMPLETED') return b;
  return a;
}
