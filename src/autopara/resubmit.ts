// The max_time and memory of resubmitted killed jobs (resubmit_killed_jobs): 1.5 x the time the died jobs had (1.5 x
// their memory for jobs killed OUT_OF_MEMORY) when a partition of the system takes it, else the same; null when none fits.
import type { XprContext } from '../job/index.ts';
import { normalizeResources, findPartition } from '../resources/resources.ts';
import { NoPartitionFitsError, ResourceSpecError } from '../resources/errors.ts';
import type { RemoteInfo } from '../routing/remote-info.ts';
import type { ResourcesInput } from '../resources/types.ts';

const GROWTH = 1.5;

// The first of [ceil(1.5 x previous), previous, original] seconds (positive ones only) that `fits`, or null.
export function resubmitMaxTimeS(previousS: number, originalS: number, fits: (maxTimeS: number) => boolean): number | null {
  const candidates = [Math.ceil(previousS * GROWTH), previousS, originalS].filter((s, i, all) => s > 0 && all.indexOf(s) === i);
  return candidates.find((s) => fits(s)) ?? null;
}

// The first of [ceil(1.5 x previous), previous] kB (positive ones) that `fits`, or null: the memory of jobs resubmitted
// after being killed OUT_OF_MEMORY.
export function resubmitMemKb(previousKb: number, fits: (memKb: number) => boolean): number | null {
  const candidates = [Math.ceil(previousKb * GROWTH), previousKb].filter((k, i, all) => k > 0 && all.indexOf(k) === i);
  return candidates.find((k) => fits(k)) ?? null;
}

// The RemoteInfo's resources with max_time replaced by `maxTimeS` and, given `memKb`, the memory by max_mem_tot = memKb.
export function resubmitResources(info: RemoteInfo, maxTimeS: number, memKb?: number | null): ResourcesInput {
  const out: ResourcesInput = { ...info.resources, max_time: maxTimeS };
  if (memKb) {
    delete out.max_mem_per_core;
    out.max_mem_tot = memKb;
  }
  return out;
}

// Whether some partition of the call's system takes the RemoteInfo's resources with max_time replaced by `maxTimeS`
// (and the memory by `memKb`, if given).
export function fitsSystem(ctx: XprContext, info: RemoteInfo, maxTimeS: number, memKb?: number | null): boolean {
  try {
    const resources = normalizeResources(resubmitResources(info, maxTimeS, memKb), 'resources');
    findPartition(resources, ctx.system(info.sys_name).partitions, { exactFit: info.exact_fit, partialNode: info.partial_node }, info.sys_name);
    return true;
  } catch (error) {
    if (error instanceof NoPartitionFitsError || error instanceof ResourceSpecError) return false;
    throw error;
  }
}
