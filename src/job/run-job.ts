// One-call convenience: create a job, start it on a system and wait for its value.
// Equivalent to RemoteJob.create(...).start(...).result(...), with the same caching and attaching.
import { RemoteJob } from './remote-job.ts';
import type { JobDefinition } from './spec.ts';
import type { StartOptions } from './lifecycle.ts';
import type { WaitOptions } from './poller.ts';
import type { XprContext } from './context.ts';

export type RunJobOptions = JobDefinition & StartOptions & WaitOptions & { context?: XprContext };

// Run an op as a job and return its value (reusing a finished or running job with the same cache key).
export async function runJob<T = unknown>(opts: RunJobOptions): Promise<T> {
  const { system, resources, headerExtra, exactFit, partialNode, timeoutS, checkIntervalS, signal, onPoll, context, ...def } = opts;
  const job = await RemoteJob.create<T>(def, context);
  await job.start({ system, resources, headerExtra, exactFit, partialNode });
  return job.result({ timeoutS, checkIntervalS, signal, onPoll });
}
