// The Son of Grid Engine / SGE backend: `#$` job scripts, `qsub -terse`, status from `qstat -xml` (waiting and
// running jobs) plus `qacct` for the asked-about jobs qstat no longer lists (exit status), `qdel`.
import type { ArraySupport, FoundByName, JobScriptSpec, QueueState, QueueStatus, Scheduler, SchedulerCommands } from './types.ts';
import { checkJobName, foundIds, notAnswered } from './find-by-name.ts';
import { composeHeader, escapeTemplate, renderBatchScript, shellPath } from './header.ts';
import {
  checkOutputFileName, checkSchedulerIds, describeSignal, expandTaskList, outputLines, splitExitMarker, withExitMarker,
} from './common.ts';
import { SchedulerOutputError } from './errors.ts';
import { schedulerShell } from './shell-scripts.ts';
import { parseQacctBytes, parseQacctSeconds, type QueueUsage } from './accounting.ts';

// Which of xpr's states an SGE state code (qstat's `state` column, e.g. `qw`, `hqw`, `Eqw`, `r`, `dr`) is.
export function sgeQueueState(code: string): QueueState {
  if (!/^[A-Za-z]+$/.test(code)) return 'unknown';
  if (code.includes('E')) return 'queued'; // error state: waits until the error is cleared (qmod -cj)
  if (/[rt]/.test(code)) return 'running'; // r, t, Rr, Rt, dr, dt, hr
  if (/[sST]/.test(code)) return 'running'; // suspended after starting
  if (/[qw]/.test(code)) return 'queued'; // qw, hqw, hRwq, Rq
  if (code === 'z') return 'ended';
  return 'unknown';
}

function sgeReason(code: string, jobNumber: string): string | undefined {
  const parts: string[] = [];
  if (code.includes('E')) parts.push(`error state: the job cannot start until the error is cleared (qstat -j ${jobNumber} says why; qmod -cj ${jobNumber} clears it)`);
  if (code.includes('d')) parts.push('being deleted');
  if (code.includes('h')) parts.push('held');
  if (/[sST]/.test(code)) parts.push('suspended');
  if (code.includes('R')) parts.push('restarted');
  if (sgeQueueState(code) === 'unknown') parts.push(`SGE state ${code} is not one xpr knows; counted as alive`);
  return parts.length ? parts.join('; ') : undefined;
}

/** qacct gives exit codes of ended jobs; flock lets a repeated submit wait for one in flight. */
export const SGE_COMMANDS: SchedulerCommands = { required: ['qsub', 'qstat', 'qdel'], optional: ['qacct', 'flock'] };

const SGE_FIRST_TASK = 1;

/** `qsub -t 1-<n>`; task ids `<array>.<k>`; max_aj_tasks defaults to 75000. */
export const SGE_ARRAYS: ArraySupport = {
  defaultMaxSize: 75000,
  taskVariable: 'SGE_TASK_ID',
  firstTask: SGE_FIRST_TASK,
  submitArgv: (scriptName, n, name) => ['qsub', '-terse', '-N', name, '-t', `${SGE_FIRST_TASK}-${SGE_FIRST_TASK + n - 1}`, scriptName],
  taskId: (arrayId, task) => `${arrayId}.${task}`,
  taskIdForm: 'join:.',
  arrayIdPattern: '^[0-9]+',
};

// SGE: qsub -terse/qstat -xml+qacct/qdel; scripts named job.script.sge.
export class SgeScheduler implements Scheduler {
  readonly kind = 'sge' as const;
  readonly scriptName = 'job.script.sge';
  readonly commands = SGE_COMMANDS;
  readonly arrays = SGE_ARRAYS;

  /** ExPyRe's default lines (name, h_rt, output files, shell, not rerunnable, cwd), as templates. */
  defaultHeader(spec: JobScriptSpec): string[] {
    checkOutputFileName(spec.stdoutFile, 'stdoutFile');
    checkOutputFileName(spec.stderrFile, 'stderrFile');
    return [
      '#$ -N {id}',
      '#$ -l h_rt={max_time}',
      `#$ -o ${escapeTemplate(spec.stdoutFile)}`,
      `#$ -e ${escapeTemplate(spec.stderrFile)}`,
      `#$ -S ${escapeTemplate(shellPath(spec.system.scriptExec))}`,
      '#$ -r n',
      '#$ -cwd',
    ];
  }

  renderScript(spec: JobScriptSpec): string {
    return renderBatchScript(spec, composeHeader(spec, this.defaultHeader(spec)));
  }

  /** The job name on the command line (it beats any `#$ -N` line): find-by-name relies on it. */
  submitArgv(spec: JobScriptSpec): string[] {
    checkJobName(spec.jobId);
    return ['qsub', '-terse', '-N', spec.jobId, this.scriptName];
  }

  /** The job number; for an array job (`123.1-5:1`) the number `123`, which qstat, qacct and qdel all take. */
  parseSubmitOutput(stdout: string): string {
    const ids = new Set<string>();
    for (const line of outputLines(stdout)) {
      const m = /^(\d+)(?:\.\d+-\d+:\d+)?$/.exec(line) ?? /^Your job(?:-array)? (\d+)\b.* has been submitted$/.exec(line)
        ?? /^(\d+\.\d+)$/.exec(line); // one task of an array job, as xpr records it in the task's job dir
      if (m) ids.add(m[1]!);
    }
    if (ids.size === 1) return [...ids][0]!;
    throw new SchedulerOutputError('sge', `submit (qsub -terse ${this.scriptName})`, stdout,
      'one job number line such as "1234" or "1234.1-5:1" (qsub -terse)',
      ids.size === 0 ? 'no job number found' : `${ids.size} different job numbers found`);
  }

  statusArgvs(schedulerIds: readonly string[]): string[][] {
    if (schedulerIds.length === 0) return [];
    checkSchedulerIds(schedulerIds, 'schedulerIds');
    const numbers = [...new Set(schedulerIds.map((id) => id.split('.')[0]!))]; // array tasks `123.4`: qacct -j 123 once
    return [withExitMarker(['qstat', '-xml']), ['sh', '-c', schedulerShell('sge-qacct'), 'sh', ...numbers]];
  }

  parseStatus(outputs: readonly string[], schedulerIds: readonly string[]): Map<string, QueueStatus> {
    const byNumber = new Map<string, string[]>();
    for (const id of schedulerIds) {
      const n = id.split('.')[0]!;
      byNumber.set(n, [...(byNumber.get(n) ?? []), id]);
    }
    const qstat = splitExitMarker(outputs[0] ?? '');
    const listed = parseQstatXml(qstat.text, byNumber);
    const accounted = parseQacct(outputs[1] ?? '', byNumber);
    const answered = qstat.rc === 0;
    const tasks = schedulerIds.some((id) => id.includes('.')) ? taskStatuses(qstat.text, outputs[1] ?? '') : new Map<string, QueueStatus>();
    const result = new Map<string, QueueStatus>();
    for (const [n, ids] of byNumber) {
      // qacct is asked only about jobs qstat did not list a moment later, so it is the newer word.
      let status = accounted.get(n) ?? listed.get(n);
      if (!status && !answered) {
        const said = outputLines(qstat.text)[0];
        status = {
          schedulerId: n, state: 'unknown', rawState: '',
          reason: `qstat did not answer (${qstat.rc === null ? 'no exit code' : `exit code ${qstat.rc}`}${said ? `: ${said}` : ''})`,
        };
      }
      for (const id of ids) {
        // An array task (`123.4`) has its own state: its own qacct record, or the qstat entry listing its number.
        const own = id.includes('.') ? tasks.get(id) ?? (answered ? undefined : status) : status;
        if (own) result.set(id, { ...own, schedulerId: id });
      }
    }
    return result;
  }

  cancelArgv(schedulerIds: readonly string[]): string[] {
    checkSchedulerIds(schedulerIds, 'schedulerIds');
    return ['qdel', ...schedulerIds];
  }

  /** qstat -xml (waiting and running jobs, with their names) and qacct -j NAME (finished ones). */
  findByNameArgvs(name: string): string[][] {
    checkJobName(name);
    return [withExitMarker(['qstat', '-xml']), withExitMarker(['qacct', '-j', name])];
  }

  /** qstat must answer; qacct's "job name ... not found" (exit 1) just means no finished job has that name. */
  parseFindByName(outputs: readonly string[], name: string): FoundByName {
    const qstat = splitExitMarker(outputs[0] ?? '');
    if (qstat.rc !== 0) return notAnswered('qstat', qstat);
    const ids: string[] = [];
    for (const m of qstat.text.matchAll(/<job_list\b[^>]*>([\s\S]*?)<\/job_list>/g)) {
      const n = xmlText(m[1]!, 'JB_job_number');
      if (n && /^\d+$/.test(n) && xmlText(m[1]!, 'JB_name') === name) ids.push(n);
    }
    const qacct = splitExitMarker(outputs[1] ?? '');
    for (const block of qacct.text.split(/^={10,}\s*$/m)) {
      const rec = new Map<string, string>();
      for (const line of outputLines(block)) {
        const m = /^(\w+)\s+(.*)$/.exec(line);
        if (m) rec.set(m[1]!, m[2]!.trim());
      }
      const n = rec.get('jobnumber');
      if (n && /^\d+$/.test(n) && rec.get('jobname') === name) ids.push(n);
    }
    return { ids: foundIds(ids), answered: true };
  }
}

function xmlText(block: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(block);
  return m ? decodeXml(m[1]!.trim()) : undefined;
}

function decodeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (_, e: string) =>
    ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? String.fromCodePoint(Number(e.slice(1))));
}

// <job_list> entries of `qstat -xml` for the wanted job numbers; several entries (array tasks) are combined.
function parseQstatXml(text: string, wanted: ReadonlyMap<string, string[]>): Map<string, QueueStatus> {
  const found = new Map<string, QueueStatus>();
  for (const m of text.matchAll(/<job_list\b[^>]*>([\s\S]*?)<\/job_list>/g)) {
    const n = xmlText(m[1]!, 'JB_job_number');
    const code = xmlText(m[1]!, 'state');
    if (!n || !code || !wanted.has(n)) continue;
    const status: QueueStatus = { schedulerId: n, state: sgeQueueState(code), rawState: code };
    const reason = sgeReason(code, n);
    if (reason) status.reason = reason;
    const prev = found.get(n);
    found.set(n, prev ? combine(prev, status) : status);
  }
  return found;
}

// qacct records (blocks of `key value` lines) for the wanted job numbers; array tasks are combined.
function parseQacct(text: string, wanted: ReadonlyMap<string, string[]>): Map<string, QueueStatus> {
  const found = new Map<string, QueueStatus>();
  for (const block of text.split(/^={10,}\s*$/m)) {
    const rec = new Map<string, string>();
    for (const line of outputLines(block)) {
      const m = /^(\w+)\s+(.*)$/.exec(line);
      if (m) rec.set(m[1]!, m[2]!.trim());
    }
    const n = rec.get('jobnumber');
    const exit = rec.get('exit_status');
    if (!n || !wanted.has(n) || exit === undefined || !/^-?\d+/.test(exit)) continue;
    const exitCode = Number(/^-?\d+/.exec(exit)![0]);
    const failed = rec.get('failed') ?? '0';
    const status: QueueStatus = { schedulerId: n, state: 'ended', rawState: 'finished', exitCode };
    const parts: string[] = [];
    if (!/^0\b/.test(failed)) parts.push(`failed ${failed}`);
    if (exitCode > 128 && exitCode < 160) parts.push(`exit status ${exitCode} = 128+${exitCode - 128}: killed by ${describeSignal(exitCode - 128)}`);
    if (parts.length) status.reason = parts.join('; ');
    const usage = qacctUsage(rec);
    if (usage) status.usage = usage;
    const prev = found.get(n);
    const isTask = (rec.get('taskid') ?? 'undefined') !== 'undefined';
    found.set(n, prev && isTask ? combine(prev, status) : status); // a rerun job: the last record is the latest run
  }
  return found;
}

// Usage of one qacct record: ru_wallclock, cpu, slots, ru_maxrss (the largest process's peak RSS; qacct prints the
// kernel's kB figure as if it were bytes, `246.562KB` = 246 562 kB), else maxvmem; h_vmem x slots from `category`.
export function qacctUsage(rec: ReadonlyMap<string, string>): QueueUsage | undefined {
  const u: QueueUsage = {};
  const wall = parseQacctSeconds(rec.get('ru_wallclock'));
  const cpu = parseQacctSeconds(rec.get('cpu'));
  const slots = Number(rec.get('slots'));
  const rssKb = parseQacctBytes(rec.get('ru_maxrss'));
  const vmem = parseQacctBytes(rec.get('maxvmem'));
  if (wall !== undefined) u.elapsed_s = wall;
  if (cpu !== undefined) u.cpu_s = cpu;
  if (Number.isInteger(slots) && slots > 0) u.cores = slots;
  if (rssKb) u.max_rss_bytes = rssKb * 1024;
  else if (vmem) u.max_rss_bytes = vmem;
  const hVmem = /(?:^|[\s,])h_vmem=([0-9.]+[kKmMgG]?)(?=[\s,]|$)/.exec(rec.get('category') ?? '')?.[1];
  const perSlot = hVmem === undefined ? undefined : sgeMemBytes(hVmem);
  if (perSlot !== undefined) u.req_mem_bytes = perSlot * (u.cores ?? 1);
  return Object.keys(u).length ? u : undefined;
}

// SGE memory specifiers: k/m/g = 1000^n, K/M/G = 1024^n (sge_types(1)).
function sgeMemBytes(text: string): number | undefined {
  const m = /^([0-9.]+)([kKmMgG]?)$/.exec(text);
  if (!m) return undefined;
  const scale = { '': 1, k: 1e3, m: 1e6, g: 1e9, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as ''];
  return Math.round(Number(m[1]) * scale);
}

// The state of every array task `<number>.<task>` listed: from its own qacct record if it has one, else from the qstat
// entry whose <tasks> (`3`, `3,4`, `5-9:1`) include it. A task neither lists ended or was deleted before it ran.
function taskStatuses(qstatText: string, qacctText: string): Map<string, QueueStatus> {
  const out = new Map<string, QueueStatus>();
  for (const m of qstatText.matchAll(/<job_list\b[^>]*>([\s\S]*?)<\/job_list>/g)) {
    const n = xmlText(m[1]!, 'JB_job_number');
    const code = xmlText(m[1]!, 'state');
    if (!n || !code) continue;
    const reason = sgeReason(code, n);
    for (const t of expandTaskList(xmlText(m[1]!, 'tasks') ?? '')) {
      out.set(`${n}.${t}`, { schedulerId: `${n}.${t}`, state: sgeQueueState(code), rawState: code, ...(reason ? { reason } : {}) });
    }
  }
  for (const block of qacctText.split(/^={10,}\s*$/m)) {
    const n = /^jobnumber\s+(\d+)\s*$/m.exec(block)?.[1];
    const t = /^taskid\s+(\d+)\s*$/m.exec(block)?.[1];
    const status = n && t ? parseQacct(block, new Map([[n, [n]]])).get(n) : undefined;
    if (status) out.set(`${n}.${t}`, { ...status, schedulerId: `${n}.${t}` });
  }
  return out;
}

const RANK: Record<QueueState, number> = { running: 3, queued: 2, unknown: 1, ended: 0 };

// One status for several entries of one job (array tasks): alive beats ended; among ended, a failure beats success.
function combine(a: QueueStatus, b: QueueStatus): QueueStatus {
  if (RANK[a.state] !== RANK[b.state]) return RANK[a.state] > RANK[b.state] ? a : b;
  if (a.state === 'ended' && a.exitCode === 0 && a.reason === undefined) return b;
  return a;
}
