// Builds the scheduler backend a system names (local, slurm, sge, pbs). Layers above see the Scheduler interface and
// the shared pieces (kinds, accounting, common), never a backend class.
import type { SystemConfig } from '../config/types.ts';
import type { Scheduler } from './types.ts';
import { LocalScheduler, type LocalSchedulerOptions } from './local.ts';
import { SlurmScheduler } from './slurm.ts';
import { SgeScheduler } from './sge.ts';
import { PbsScheduler } from './pbs.ts';

export type { Scheduler, JobScriptSpec, QueueStatus, QueueState, ArraySupport, SchedulerCommands } from './types.ts';
export { arraySupport, schedulerCommands, type ArrayKind } from './kinds.ts';
export { localQueueScript } from './local-queue-script.ts';
export { SchedulerOutputError } from './errors.ts';

// The backend for a system; the local one needs to know where its queue lives on the target machine.
export function makeScheduler(system: SystemConfig, local: LocalSchedulerOptions): Scheduler {
  switch (system.scheduler) {
    case 'local': return new LocalScheduler(local);
    case 'slurm': return new SlurmScheduler();
    case 'sge': return new SgeScheduler();
    case 'pbs': return new PbsScheduler();
  }
}
