// One-call convenience: create a job, start it on a system and wait for its value.
// Equivalent to RemoteJob.create(...).start(...).result(...), with the same caching and attaching.
import { RemoteJob } from './remote-job.ts';
import type { JobDefinition, JobResult, TypedJobDefinition } from './spec.ts';
import type { OpInput } from '../bundle/index.ts';
import type { StartOptions } from './lifecycle.ts';
import type { WaitOptions } from './poller.ts';
import type { XprContext } from './context.ts';

export type RunJobOptions<F extends OpInput = OpInput> = TypedJobDefinition<F> & StartOptions & WaitOptions & { context?: XprContext };

// Run an op as a job and return its value (reusing a finished or running job with the same cache key).
// The result type is the op's (awaited) return type and `args` are checked against its parameters; `runJob<T>(...)`
// names the result type explicitly instead.
export async function runJob<T = never, F extends OpInput = OpInput>(opts: RunJobOptions<F>): Promise<JobResult<T, F>> {
  const { system, resources, headerExtra, exactFit, partialNode, timeoutS, checkIntervalS, signal, onPoll, context, ...def } = opts;
  const job = await RemoteJob.create<unknown>(def as JobDefinition, context);
  await job.start({ system, resources, headerExtra, exactFit, partialNode });
  return (await job.result({ timeoutS, checkIntervalS, signal, onPoll })) as JobResult<T, F>;
}
