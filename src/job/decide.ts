// What one poll means for one job: from the job dir's marker files and the queue's word, the next state.
// Pure function; the poller applies the answer. A job the queue no longer lists gets a grace period (ExPyRe B11, B12).
import { isLegalTransition, type JobState } from '../store/index.ts';
import type { QueueStatus } from '../scheduler/types.ts';
import type { JobFileFlags } from '../system/system-ops.ts';
import { formatBytes, isKilledForMemory, isNodeOutOfMemory } from './usage.ts';

export interface DecideInput {
  state: JobState;
  files: JobFileFlags | undefined;
  queue: QueueStatus | undefined;
  /** When this job was first seen ended or unlisted without a result (ms), and in how many polls since. */
  gone: { sinceMs: number; polls: number } | undefined;
  nowMs: number;
  graceMs: number;
}

export interface Decision {
  /** New state, if it changes. */
  to?: JobState;
  reason?: string;
  /** Results (and logs, for failures) must be fetched before the new state is recorded. */
  fetch?: 'result' | 'logs';
  /** The job looks gone: start (or keep) the grace clock. */
  gone?: { sinceMs: number; polls: number };
}

// Decide the next state of one live job from one poll.
export function decideJobState(input: DecideInput): Decision {
  const { files, queue } = input;
  // A result or error counts once the job script is through: its exit file is written, or the queue no longer runs
  // it. Until then post_cmds may still be writing output files, so the job is only running.
  const scriptDone = files?.exitCode !== null || !queue || queue.state === 'ended';
  if ((files?.hasResult || files?.hasError) && !scriptDone) {
    return input.state === 'running' ? {} : { to: 'running' };
  }
  if (files?.hasResult) return { to: 'succeeded', fetch: 'result' };
  if (files?.hasError) return { to: 'failed', reason: 'the op threw', fetch: 'logs' };
  // Exit code 0 comes only after the result was written: a result not seen yet is late (a slow shared filesystem
  // shows files to the login node in any order), so it gets the grace period below like a job the queue let go.
  if (files && files.exitCode !== null && files.exitCode !== 0) {
    return { to: 'died', reason: `runner exited with code ${files.exitCode} without writing a result`, fetch: 'logs' };
  }
  if (queue && queue.state !== 'ended') {
    const to: JobState = queue.state === 'running' || files?.started ? 'running' : queue.state === 'queued' ? 'queued' : input.state;
    return to === input.state || !isLegalTransition(input.state, to) ? {} : { to };
  }
  // Ended in the queue, or not listed at all, and no result yet: re-check over at least two more polls and the grace
  // period (slow shared filesystems, accounting lag) before declaring it dead.
  const gone = { sinceMs: input.gone?.sinceMs ?? input.nowMs, polls: (input.gone?.polls ?? 0) + 1 };
  if (gone.polls < 3 || input.nowMs - gone.sinceMs < input.graceMs) return { gone };
  return { to: 'died', reason: diedReason(queue, files), fetch: 'logs' };
}

function diedReason(queue: QueueStatus | undefined, files: JobFileFlags | undefined): string {
  if (files?.missing) return 'the job dir is gone from the system';
  if (files?.exitCode === 0) return 'runner exited with code 0, but no result file appeared within the grace period';
  if (!queue) return 'no longer listed by the queue, and no result was written';
  const parts = [`the queue reports ${queue.rawState}`];
  if (queue.reason) parts.push(`reason ${queue.reason}`);
  if (queue.exitCode !== undefined) parts.push(`exit code ${queue.exitCode}`);
  return `${parts.join(', ')}; no result was written`;
}

/**
 * Killed for memory? (`OUT_OF_MEMORY`, which resubmit_killed_jobs answers with 1.5x the memory.) Asked for a job that
 * died, once its logs and usage are in:
 *  - the queue says so: Slurm's OUT_OF_MEMORY state (cgroup OOM kill), PBS Exit_status -26/-27;
 *  - killed by SIGKILL (exit 137, Slurm ExitCode `0:9`) with a peak RSS of at least 95 % of the memory granted
 *    (usage.ts isKilledForMemory). This is how a Slurm with JobAcctGatherParams=OverMemoryKill (the test cluster)
 *    reports it: `FAILED 0:9`, the batch step `CANCELLED`, MaxRSS over ReqMem; and how SGE/PBS kills show;
 *  - Node.js itself failed to get memory (its stderr says `JavaScript heap out of memory`, `Fatal process OOM`...):
 *    an address-space limit such as SGE's h_vmem makes allocations fail inside the process instead of a kill.
 * Returns the reason to record (starting `OUT_OF_MEMORY: `), or null.
 */
export function outOfMemoryReason(input: {
  queue: QueueStatus | undefined;
  fileExitCode: number | null | undefined;
  maxRssBytes: number | null | undefined;
  reqMemBytes: number | null | undefined;
  stderrTail: string | null;
  reason: string | null;
}): string | null {
  const { queue } = input;
  const why = input.reason ? `; ${input.reason}` : '';
  const peak = input.maxRssBytes ? `peak memory ${formatBytes(input.maxRssBytes)}` : 'peak memory unknown';
  const granted = input.reqMemBytes ? ` of ${formatBytes(input.reqMemBytes)} granted` : '';
  if (queue?.reason === 'OUT_OF_MEMORY') return `OUT_OF_MEMORY: the queue reports it (${peak}${granted})${why}`;
  const exit = input.fileExitCode ?? queue?.exitCode;
  if (isKilledForMemory(exit, input.maxRssBytes, input.reqMemBytes)) {
    return `OUT_OF_MEMORY: killed by signal 9 (SIGKILL) at ${peak}${granted}${why}`;
  }
  if (isNodeOutOfMemory(input.stderrTail)) return `OUT_OF_MEMORY: Node.js could not allocate memory (see its stderr; ${peak}${granted})${why}`;
  return null;
}
