// The max_time of resubmitted killed jobs (resubmit_killed_jobs): 1.5 x the time the died jobs had when a partition of
// the system takes it, else that same time, else the RemoteInfo's own max_time; null when none fits (items stay died).
import type { XprContext } from '../job/index.ts';
import { normalizeResources, findPartition } from '../resources/resources.ts';
import { NoPartitionFitsError, ResourceSpecError } from '../resources/errors.ts';
import type { RemoteInfo } from './remote-info.ts';

const GROWTH = 1.5;

// The first of [ceil(1.5 x previous), previous, original] seconds (positive ones only) that `fits`, or null.
export function resubmitMaxTimeS(previousS: number, originalS: number, fits: (maxTimeS: number) => boolean): number | null {
  const candidates = [Math.ceil(previousS * GROWTH), previousS, originalS].filter((s, i, all) => s > 0 && all.indexOf(s) === i);
  return candidates.find((s) => fits(s)) ?? null;
}

// Whether some partition of the call's system takes the RemoteInfo's resources with max_time replaced by `maxTimeS`.
export function fitsSystem(ctx: XprContext, info: RemoteInfo, maxTimeS: number): boolean {
  try {
    const resources = normalizeResources({ ...info.resources, max_time: maxTimeS }, 'resources');
    findPartition(resources, ctx.system(info.sys_name).partitions, { exactFit: info.exact_fit, partialNode: info.partial_node }, info.sys_name);
    return true;
  } catch (error) {
    if (error instanceof NoPartitionFitsError || error instanceof ResourceSpecError) return false;
    throw error;
  }
}
