// Submitting many jobs to a system's queue in one command, safe to rerun: a job dir's recorded scheduler id is replayed,
// an interrupted submit is looked up in the queue by job name and adopted, and only then is a job submitted again.
import { randomBytes } from 'node:crypto';
import { JobFiles } from '../runner/contract.ts';
import type { Logger } from '../log.ts';
import type { SystemSession } from './session.ts';
import { runScript, envPreamble, preSubmit } from './remote-script.ts';
import { argvListArgs, shellCall, shellProgram } from './shell-files.ts';

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
// Safe to rerun at any point: a job dir holding a scheduler id replays it; one whose earlier submit was interrupted
// before the id was written (SUBMITTING left, no id) is looked up in the queue by its name, the xpr job id (or, for a
// task of an interrupted array, its array's id is recovered), and the job found is adopted; only when the queue has
// no job of that name is it submitted again (a second command). Every round may be repeated by the transport after a
// dropped connection: a repeated resubmit finds its own marker token and falls back to a lookup.
export async function submitJobs(session: SystemSession, jobs: readonly SubmitRequest[], logger?: Logger): Promise<Map<string, SubmitOutcome>> {
  const out = new Map<string, SubmitOutcome>();
  if (jobs.length === 0) return out;
  const token = randomBytes(9).toString('hex');
  let steps: SubmitStep[] = jobs.map((job) => ({ job, mode: { kind: 'normal' } }));
  // Round 0 submits or replays; round 1 adopts, resubmits or looks up; round 2 only adopts.
  for (let round = 0; steps.length; round++) {
    const answers = await runSubmitScript(session, steps, token);
    const next: SubmitStep[] = [];
    const arrays: Array<{ job: SubmitRequest; name: string; task: number }> = [];
    for (const { job, mode } of steps) {
      const answer = answers.get(job.id)!;
      if (answer.kind === 'done') {
        out.set(job.id, answer.outcome);
      } else if (round >= 2) {
        out.set(job.id, { ok: false, lost: true, message: 'the job dir changed during the submit' });
      } else if (answer.kind === 'unreadable') {
        // The id file holds output the parser cannot read (a submit that exited 0): look the job up, never resubmit.
        next.push({ job, mode: { kind: 'lookup' } });
      } else if (answer.kind === 'array') {
        // A task of an array whose submit was interrupted: its array's recorded id, else the array looked up by name.
        const support = session.scheduler.arrays;
        if (!support) out.set(job.id, { ok: false, lost: true, message: `the job dir marks it as a task of array ${answer.name}, but the ${session.system.scheduler} queue has no arrays` });
        else if (answer.recorded !== null) next.push({ job, mode: { kind: 'adopt', schedulerId: support.taskId(answer.recorded, answer.task) } });
        else arrays.push({ job, name: answer.name, task: answer.task });
      } else {
        const found = session.scheduler.parseFindByName(answer.outputs, job.id);
        const replace = mode.kind === 'lookup';
        if (!found.answered) {
          out.set(job.id, {
            ok: false, lost: true,
            message: `an earlier submit of this job was interrupted before its queue id was recorded, and the queue could not be asked for a job named ${job.id}: ${found.problem}`,
          });
        } else if (found.ids.length) {
          next.push({ job, mode: { kind: 'adopt', schedulerId: adoptOne(found.ids, job.id, logger), replace } });
        } else if (answer.noLock || round > 0 || replace) {
          out.set(job.id, { ok: false, lost: true, message: answer.noLock
            ? `an earlier submit of this job may still be running (flock is unavailable or timed out on ${SUBMIT_LOCK}) and the queue has no job named ${job.id} yet`
            : `the queue has no job named ${job.id} yet, though a submit of it ran` });
        } else {
          next.push({ job, mode: { kind: 'resubmit' } });
        }
      }
    }
    if (arrays.length) {
      const found = await findJobsByName(session, [...new Set(arrays.map((a) => a.name))]);
      const adopted = new Map([...found].flatMap(([name, ids]) => (ids?.length ? [[name, adoptOne(ids, name, logger)] as const] : [])));
      for (const { job, name, task } of arrays) {
        const ids = found.get(name);
        const arrayId = adopted.get(name);
        if (ids === null || ids === undefined) {
          out.set(job.id, { ok: false, lost: true, message: `the submit of its array ${name} was interrupted before the array's id was recorded, and the queue could not be asked for a job named ${name}` });
        } else if (arrayId !== undefined) {
          next.push({ job, mode: { kind: 'adopt', schedulerId: session.scheduler.arrays!.taskId(arrayId, task) } });
        } else if (round === 0) {
          next.push({ job, mode: { kind: 'resubmit' } });
        } else {
          out.set(job.id, { ok: false, lost: true, message: `the queue has no array named ${name}` });
        }
      }
    }
    steps = next;
  }
  return out;
}

// The queue id adopted among those found by name: the oldest; the others are duplicates made outside xpr's control.
function adoptOne(ids: readonly string[], name: string, logger: Logger | undefined): string {
  if (ids.length > 1) {
    logger?.warn(`the queue has ${ids.length} jobs named ${name}: adopting ${ids[0]}; ${ids.slice(1).join(', ')} ` +
      'were submitted outside this submit (cancel them if they are duplicates)');
  }
  return ids[0]!;
}

/** Left in a job dir just before its submit command runs (JobFiles.submitting): `submit`, `resubmit <token>` (a second
 *  try, the token fresh per submitJobs call) or `array <name> <task>` (written by submitArrays before the array's submit). */
export const SUBMITTING = JobFiles.submitting;
/** Locked (flock, where available) while a job's submit runs: a rerun waits for a submit of the same job still in flight. */
const SUBMIT_LOCK = JobFiles.submitLock;

/**
 * normal: replay or submit, but look the job up if an earlier submit was interrupted; resubmit: the queue has no such
 * job; adopt: it has this one (replace: over an unreadable id file); lookup: only look the job up.
 */
type SubmitMode = { kind: 'normal' } | { kind: 'resubmit' } | { kind: 'lookup' } | { kind: 'adopt'; schedulerId: string; replace?: boolean };
interface SubmitStep {
  job: SubmitRequest;
  mode: SubmitMode;
}
type SubmitAnswer =
  | { kind: 'done'; outcome: SubmitOutcome }
  | { kind: 'find'; outputs: string[]; noLock: boolean }
  | { kind: 'unreadable' }
  | { kind: 'array'; name: string; task: number; recorded: string | null };

// One remote program for all `steps` (xpr_submit_job of shell/submit.sh per step); every job gets an answer (lost
// when none came back).
async function runSubmitScript(session: SystemSession, steps: readonly SubmitStep[], token: string): Promise<Map<string, SubmitAnswer>> {
  const lines = [...envPreamble(session), ...preSubmit(session.system.preSubmitCmds)];
  lines.push(`${shellCall('xpr_submit_begin', SUBMIT_PARALLEL)} || exit 97`);
  for (const { job, mode } of steps) {
    lines.push(shellCall(
      'xpr_submit_job', job.id, job.jobDir, mode.kind, mode.kind === 'adopt' ? mode.schedulerId : '', token,
      mode.kind === 'adopt' && mode.replace ? 1 : 0, session.base,
      job.argv.length, ...job.argv, ...argvListArgs(session.scheduler.findByNameArgvs(job.id)),
    ));
  }
  lines.push('xpr_submit_end', 'exit 0');
  // Safe to repeat after a dropped connection (the transport does, after reconnecting): a repeat replays the ids
  // written, finds interrupted submits by name (a resubmit by its token), and waits (flock) for a submit of the
  // first try still running; where it cannot wait, it leaves the job staged rather than submit it again.
  const res = await runScript(session, shellProgram(['lib', 'submit'], lines), true);
  const text = res.stdout.toString('utf8');
  const answers = new Map<string, SubmitAnswer>();
  for (const block of text.split('@@xpr-submit ').slice(1)) {
    const nl = block.indexOf('\n');
    const [id, rc] = block.slice(0, nl).split(' ');
    const body = block.slice(nl + 1);
    if (!id || !steps.some((s) => s.job.id === id)) continue;
    if (rc === 'find' || rc === 'find-nolock') {
      answers.set(id, { kind: 'find', outputs: body.split(/@@xpr-find \d+\n/).slice(1), noLock: rc === 'find-nolock' });
      continue;
    }
    if (rc === 'array') {
      const [marker = '', recordedRaw = ''] = body.split('@@xpr-array-id\n');
      const [name = '', task = ''] = marker.trim().split(' ');
      if (!/^[A-Za-z0-9_-]+$/.test(name) || !/^\d+$/.test(task)) {
        answers.set(id, { kind: 'done', outcome: { ok: false, lost: true, message: `the job dir's ${SUBMITTING} names no array task (${JSON.stringify(marker.trim())})` } });
        continue;
      }
      let recorded: string | null = null;
      try {
        recorded = recordedRaw.trim() ? session.scheduler.parseSubmitOutput(recordedRaw) : null;
      } catch {
        recorded = null;
      }
      answers.set(id, { kind: 'array', name, task: Number(task), recorded });
      continue;
    }
    const [stdoutPart = '', errPart = ''] = body.split('@@xpr-submit-err\n');
    let outcome: SubmitOutcome;
    if (rc === 'nolock') {
      outcome = { ok: false, lost: true, message: `an earlier submit of this job may still be running (flock is unavailable or timed out on ${SUBMIT_LOCK})` };
    } else if (rc === '0' || rc === 'replay') {
      try {
        outcome = { ok: true, schedulerId: session.scheduler.parseSubmitOutput(stdoutPart) };
      } catch (err) {
        if (rc === 'replay') {
          answers.set(id, { kind: 'unreadable' });
          continue;
        }
        // The submit exited 0, so the job is probably queued: it stays staged and is found by name next time.
        outcome = { ok: false, lost: true, message: `the submit exited 0 but its output could not be read: ${(err as Error).message}` };
      }
    } else {
      outcome = { ok: false, message: `submit exited with ${rc}: ${(errPart || stdoutPart).trim() || res.stderr.trim()}` };
    }
    answers.set(id, { kind: 'done', outcome });
  }
  for (const { job } of steps) {
    if (!answers.has(job.id)) {
      answers.set(job.id, { kind: 'done', outcome: { ok: false, lost: true, message: `no answer from the submit command (${res.stderr.trim() || `exit ${res.code}`})` } });
    }
  }
  return answers;
}

// Ask the queue (one command for all names) for the jobs named after these xpr job ids: the jobs an interrupted submit
// may have left in the queue without their id being recorded. Names the queue could not be asked about map to null.
export async function findJobsByName(session: SystemSession, jobIds: readonly string[]): Promise<Map<string, string[] | null>> {
  const out = new Map<string, string[] | null>();
  if (jobIds.length === 0) return out;
  const lines = [...envPreamble(session)];
  for (const id of jobIds) lines.push(shellCall('xpr_find_named', id, ...argvListArgs(session.scheduler.findByNameArgvs(id))));
  lines.push('exit 0');
  const res = await runScript(session, shellProgram(['lib', 'submit'], lines), true);
  const blocks = new Map(res.stdout.toString('utf8').split('@@xpr-name ').slice(1).map((b) => {
    const nl = b.indexOf('\n');
    return [b.slice(0, nl), b.slice(nl + 1)] as const;
  }));
  for (const id of jobIds) {
    const body = blocks.get(id);
    const found = body === undefined ? null : session.scheduler.parseFindByName(body.split(/@@xpr-find \d+\n/).slice(1), id);
    out.set(id, found?.answered ? found.ids : null);
  }
  return out;
}
