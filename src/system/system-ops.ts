// Batched operations on one system through its transport: stage many jobs in one transfer, cancel, remove; and the
// entry point to the other batched ones (submit-jobs.ts, poll-jobs.ts, fetch-jobs.ts, remote-script.ts).
import { join } from 'node:path';
import { packEntries } from './tar-stream.ts';
import { shellCall, shellOneLiner, shellProgram } from './shell-files.ts';
import { BaseFiles } from '../runner/contract.ts';
import type { SystemSession } from './session.ts';
import { SystemCommandError } from './session.ts';
import { runScript } from './remote-script.ts';

export interface StageRequest {
  id: string;
}

// Send the local stage dirs of `jobs` (and code files the system lacks) in one tar stream, unpacked by one command.
// Returns the files of `codeNeeded` that are still missing there (say, a scratch purge removed what was sent earlier).
export async function stageJobs(
  session: SystemSession, jobs: readonly StageRequest[], codeFiles: readonly string[], codeNeeded: readonly string[] = [],
): Promise<string[]> {
  if (session.sharesFs || jobs.length + codeFiles.length === 0) return [];
  const base = session.base;
  const entries = [...jobs.map((j) => j.id), ...codeFiles.map((f) => `${BaseFiles.code}/${f}`)];
  const pack = packEntries(session.localBase, entries);
  // Job dirs arrive with the 0700 mode they have here; umask 077 covers anything tar creates.
  const res = await session.transport.exec(['bash', '-c', shellOneLiner('stage'), 'xpr-stage', base, BaseFiles.code, ...codeNeeded], {
    stdin: pack,
    idempotent: true,
  });
  if (res.code !== 0) throw new SystemCommandError(session, 'stage jobs', res);
  return res.stdout.toString('utf8').split('\n').filter((f) => codeNeeded.includes(f));
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
  const res = await runScript(session, shellProgram(['remove'], [shellCall('xpr_remove_dirs', base, ...ids)]), true);
  if (res.code !== 0) throw new SystemCommandError(session, 'remove job dirs', res);
}

export { runScript, envPreamble, preSubmit } from './remote-script.ts';
export { type SubmitRequest, type SubmitOutcome, submitJobs, SUBMITTING, findJobsByName } from './submit-jobs.ts';
export { type JobFileFlags, recordedSchedulerId, type PollOutcome, type PollWatch, pollJobs } from './poll-jobs.ts';
export { type FetchRequest, fetchJobs } from './fetch-jobs.ts';
