// Job arrays: the new jobs of one start go to the queue as array jobs (Slurm --array, SGE -t, PBS -J), split at the
// system's maximum array size. Each task runs its own job's script in that job's dir; each job records its task's id.
import { createHash } from 'node:crypto';
import type { SystemConfig } from '../config/types.ts';
import type { NodeFit } from '../resources/types.ts';
import { hashToId } from '../codec/index.ts';
import { ArrayFiles, BaseFiles, JobFiles } from '../runner/contract.ts';
import { shellCall, shellProgram } from './shell-files.ts';
import { quote } from '../transport/quote.ts';
import { arraySupport, type ArrayKind } from '../scheduler/kinds.ts';
import type { SystemSession } from './session.ts';
import { envPreamble, preSubmit, runScript, submitJobs, type SubmitOutcome, type SubmitRequest } from './system-ops.ts';
import { TransportDroppedError } from '../transport/errors.ts';
import type { Logger } from '../log.ts';

/** Tasks per array when the system sets no `max_array_size`, by scheduler (each backend's `arrays.defaultMaxSize`). */
export const DEFAULT_MAX_ARRAY_SIZE: Readonly<Record<ArrayKind, number>> = {
  slurm: arraySupport('slurm').defaultMaxSize, sge: arraySupport('sge').defaultMaxSize, pbs: arraySupport('pbs').defaultMaxSize,
};

/** What the array scripts of one start share with its jobs' own scripts (same allocation and header). */
export interface ArrayShared {
  /** Arrays asked for this start (RemoteInfo job_array), else the system's `arrays`. */
  asked: boolean | undefined;
  fit: NodeFit;
  headerExtra: string[];
  envHeaderExtra: string[];
  /** Ids of the jobs created by this start (only those go in arrays). */
  fresh: ReadonlySet<string>;
}

/** One array job: its jobs in task order, the first task index, its dir on the system (`<base>/_array/<name>`). */
export interface ArrayPart {
  name: string;
  jobs: SubmitRequest[];
  first: number;
  dirOnSystem: string;
}

/** Why arrays went unused on a system for the rest of this process (the queue refused one), by session. */
const refused = new WeakMap<SystemSession, string>();

// Whether jobs of this start go in arrays: asked for (per call, else per system), a batch scheduler, not refused before.
export function arraysEnabled(session: SystemSession, asked: boolean | undefined): boolean {
  const kind = session.system.scheduler;
  return kind !== 'local' && (asked ?? session.system.arrays ?? false) && !refused.has(session);
}

export function maxArraySize(system: SystemConfig): number {
  return system.maxArraySize ?? arraySupport(system.scheduler)?.defaultMaxSize ?? 1;
}

// Split jobs into arrays of at most `size` tasks; a lone job (a part of one) is left to a plain submit.
export function planArrays(session: SystemSession, jobs: readonly SubmitRequest[], size = maxArraySize(session.system)): { parts: ArrayPart[]; single: SubmitRequest[] } {
  const kind = session.system.scheduler as ArrayKind;
  const parts: ArrayPart[] = [];
  const single: SubmitRequest[] = [];
  for (let k = 0; k < jobs.length; k += Math.max(1, size)) {
    const group = jobs.slice(k, k + Math.max(1, size));
    if (group.length < 2) {
      single.push(...group);
      continue;
    }
    // Job ids are `<name>_<12>_<4>`: the array is named after the call (`relax_chunk_3_...` -> `relax_array_<hash>`).
    const stem = group[0]!.id.replace(/_[A-Za-z0-9]{12}_[A-Za-z0-9]{4}$/, '').replace(/_chunk_\d+.*$/, '').slice(0, 20);
    const name = `${stem}_array_${hashToId(createHash('sha256').update(group.map((j) => j.id).join(',')).digest('hex'), 10)}`;
    parts.push({ name, jobs: group, first: arraySupport(kind).firstTask, dirOnSystem: `${session.base}/${BaseFiles.arrays}/${name}` });
  }
  return { parts, single };
}

// The array's job script: the header of its jobs (same allocation), a body that runs the task's own job script.
export function renderArrayScript(session: SystemSession, part: ArrayPart, ctx: ArrayShared): string {
  return session.scheduler.renderScript({
    jobId: part.name,
    system: session.system,
    fit: ctx.fit,
    headerExtra: ctx.headerExtra,
    envHeaderExtra: ctx.envHeaderExtra,
    jobDir: part.dirOnSystem,
    stdoutFile: '/dev/null',
    stderrFile: '/dev/null',
    body: arrayTaskBody(session.system.scheduler as ArrayKind, part, session.scheduler.scriptName),
  });
}

// A task finds its job dir on line (index - first + 1) of `jobs` and runs that job's own script there.
export function arrayTaskBody(kind: ArrayKind, part: Pick<ArrayPart, 'first' | 'dirOnSystem'>, scriptName: string): string {
  const variable = arraySupport(kind).taskVariable;
  return [
    `xpr_k=\${${variable}:?not an array task}`,
    `xpr_dir=$(sed -n "$((xpr_k - ${part.first} + 1))p" ${quote(`${part.dirOnSystem}/${ArrayFiles.jobs}`)})`,
    '[ -n "$xpr_dir" ] && cd "$xpr_dir" || exit 1',
    `exec ./${scriptName} > ${JobFiles.schedStdout} 2> ${JobFiles.schedStderr}`,
  ].join('\n') + '\n';
}

// argv that submits an array of n tasks named `name` (options on the command line win over the script's header:
// a rerun looks an interrupted array up by that name).
export function arraySubmitArgv(kind: ArrayKind, scriptName: string, n: number, name: string): string[] {
  return arraySupport(kind).submitArgv(scriptName, n, name);
}

/** The id of task `task` of array `arrayId` (as parseSubmitOutput gave it), in the form the queue's commands take. */
export function taskSchedulerId(kind: ArrayKind, arrayId: string, task: number): string {
  return arraySupport(kind).taskId(arrayId, task);
}

/** `refused`: the queue would not take an array (say, arrays are disabled or too large); the jobs can go one by one. */
export type ArrayOutcome =
  | { ok: true; arrayId: string; taskIds: string[] }
  | { ok: false; message: string; lost?: boolean; refused?: boolean };

// Words in a failed array submit that mean arrays themselves were refused, not the job.
const REFUSAL = /array|MaxArraySize|max_aj_tasks|max_array_size|more than \d+ tasks|invalid option.*-(?:J|t)\b|illegal.*-(?:J|t)\b/i;

export function isArrayRefusal(message: string): boolean {
  return REFUSAL.test(message);
}

// Submit arrays with one remote command that also writes each array's dir (job dir list and script). An array dir that
// already holds an id (an earlier answer was lost) replays it. After a submit every job dir gets its task's id, so a
// job whose answer is lost is found again like a plain one.
export async function submitArrays(session: SystemSession, parts: readonly ArrayPart[], ctx: ArrayShared): Promise<Map<string, ArrayOutcome>> {
  const out = new Map<string, ArrayOutcome>();
  if (parts.length === 0) return out;
  const kind = session.system.scheduler as ArrayKind;
  const support = arraySupport(kind);
  const script = session.scheduler.scriptName;
  const lines = [
    ...envPreamble(session),
    ...preSubmit(session.system.preSubmitCmds),
    // xpr_submit_array (shell/array.sh) per array: its dir written, its jobs marked as its tasks, the submit, each
    // job's task id recorded.
    ...parts.map((part) => shellCall(
      'xpr_submit_array', part.name, part.dirOnSystem, part.first, support.arrayIdPattern, support.taskIdForm, script,
      part.jobs.map((j) => `${j.jobDir}\n`).join(''), renderArrayScript(session, part, ctx),
      ...arraySubmitArgv(kind, script, part.jobs.length, part.name),
    )),
    'exit 0',
  ];
  let res;
  try {
    res = await runScript(session, shellProgram(['array'], lines), false);
  } catch (err) {
    if (!(err instanceof TransportDroppedError)) throw err;
    // The arrays may be in the queue: their jobs stay staged, and the next submit recovers them from their marks.
    for (const part of parts) out.set(part.name, { ok: false, lost: true, message: err.message });
    return out;
  }
  const byName = new Map(parts.map((p) => [p.name, p]));
  for (const block of res.stdout.toString('utf8').split('@@xpr-array ').slice(1)) {
    const nl = block.indexOf('\n');
    const [name = '', rc] = block.slice(0, nl).split(' ');
    const part = byName.get(name);
    if (!part) continue;
    const [stdoutPart = '', errPart = ''] = block.slice(nl + 1).split('@@xpr-array-err\n');
    if (rc !== '0') {
      const message = `array submit exited with ${rc}: ${(errPart || stdoutPart).trim() || res.stderr.trim()}`;
      out.set(name, { ok: false, message, refused: isArrayRefusal(errPart || stdoutPart) });
      continue;
    }
    try {
      const arrayId = session.scheduler.parseSubmitOutput(stdoutPart);
      out.set(name, { ok: true, arrayId, taskIds: part.jobs.map((_, k) => taskSchedulerId(kind, arrayId, part.first + k)) });
    } catch (err) {
      // The submit exited 0, so the array is probably queued: its jobs stay staged and are recovered from their marks.
      out.set(name, { ok: false, lost: true, message: `the array submit exited 0 but its output could not be read: ${(err as Error).message}` });
    }
  }
  for (const part of parts) {
    if (!out.has(part.name)) out.set(part.name, { ok: false, lost: true, message: `no answer from the array submit command (${res.stderr.trim() || `exit ${res.code}`})` });
  }
  return out;
}

// Remember for this session that the queue refused arrays: later starts submit jobs one by one.
export function markArraysRefused(session: SystemSession, why: string): void {
  refused.set(session, why);
}

// Submit jobs, the ones this start made (ctx.fresh) as arrays when arrays are on; the others, lone jobs, and arrays the
// queue refused go one by one. Outcomes per job id, as submitJobs gives them.
export async function submitMaybeArrays(
  session: SystemSession, jobs: readonly SubmitRequest[], ctx: ArrayShared | undefined, logger: Logger,
): Promise<Map<string, SubmitOutcome>> {
  if (!ctx || !arraysEnabled(session, ctx.asked)) return submitJobs(session, jobs, logger);
  const { parts, single } = planArrays(session, jobs.filter((j) => ctx.fresh.has(j.id)));
  const plain = [...jobs.filter((j) => !ctx.fresh.has(j.id)), ...single];
  const out = new Map<string, SubmitOutcome>();
  const outcomes = await submitArrays(session, parts, ctx);
  for (const part of parts) {
    const o = outcomes.get(part.name)!;
    if (o.ok) {
      part.jobs.forEach((j, k) => out.set(j.id, { ok: true, schedulerId: o.taskIds[k]! }));
    } else if (o.refused) {
      markArraysRefused(session, o.message);
      logger.warn(`system "${session.system.name}" refused a job array (${o.message}); submitting its ${part.jobs.length} jobs one by one, and no arrays for the rest of this run`);
      plain.push(...part.jobs);
    } else {
      for (const j of part.jobs) out.set(j.id, { ok: false, message: o.message, ...(o.lost ? { lost: true } : {}) });
    }
  }
  for (const [id, o] of await submitJobs(session, plain, logger)) out.set(id, o);
  return out;
}
