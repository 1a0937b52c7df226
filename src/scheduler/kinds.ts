// What each scheduler kind needs and supports, known from the kind alone (a SystemConfig's `scheduler`) without
// building its backend: the commands it needs and its job arrays. The backends hold the same objects.
import type { SchedulerKind } from '../config/types.ts';
import type { ArraySupport, SchedulerCommands } from './types.ts';
import { LOCAL_COMMANDS } from './local.ts';
import { SLURM_ARRAYS, SLURM_COMMANDS } from './slurm.ts';
import { SGE_ARRAYS, SGE_COMMANDS } from './sge.ts';
import { PBS_ARRAYS, PBS_COMMANDS } from './pbs.ts';

/** The scheduler kinds that have job arrays. */
export type ArrayKind = Exclude<SchedulerKind, 'local'>;

/** The commands a scheduler of this kind needs on the submitting host (what its backend's `commands` holds). */
export function schedulerCommands(kind: SchedulerKind): SchedulerCommands {
  switch (kind) {
    case 'local': return LOCAL_COMMANDS;
    case 'slurm': return SLURM_COMMANDS;
    case 'sge': return SGE_COMMANDS;
    case 'pbs': return PBS_COMMANDS;
  }
}

/** The job arrays of a scheduler of this kind (what its backend's `arrays` holds); null for the local queue. */
export function arraySupport(kind: ArrayKind): ArraySupport;
export function arraySupport(kind: SchedulerKind): ArraySupport | null;
export function arraySupport(kind: SchedulerKind): ArraySupport | null {
  switch (kind) {
    case 'local': return null;
    case 'slurm': return SLURM_ARRAYS;
    case 'sge': return SGE_ARRAYS;
    case 'pbs': return PBS_ARRAYS;
  }
}
