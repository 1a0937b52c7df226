// Resource usage of one job (JobUsage, stored as `details.usage` of its row): what the runner measured of itself and
// what the queue's accounting says (runner/usage.ts, scheduler/accounting.ts), merged; the "killed for memory" rule.
import type { RunnerUsage } from '../runner/usage.ts';
import type { QueueUsage } from '../scheduler/accounting.ts';
import type { JobDetails } from '../store/index.ts';

/** A job's resource usage as stored in the job row (`details.usage`) and printed by `xpr show`/`ls -l`/`--json`. */
export interface JobUsage {
  /** Wall time the job ran, seconds. */
  elapsed_s: number | null;
  /** User + system CPU time, seconds. */
  cpu_s: number | null;
  /** Cores allocated to the job (the queue's count, else the fit's). */
  cores: number | null;
  /** cpu_s / (elapsed_s x cores), or null when one of them is unknown or zero. */
  cpu_efficiency: number | null;
  /** Peak resident memory, bytes. */
  max_rss_bytes: number | null;
  /** Memory the queue granted the job, bytes (Slurm ReqMem, PBS Resource_List.mem), when known. */
  req_mem_bytes?: number | null;
  /**
   * Who measured: `runner` (the runner's own process.resourceUsage(): its process and worker threads, not child
   * processes), or the scheduler kind (`slurm`, `sge`, `pbs`: the queue's accounting, covering the whole job script),
   * `<kind>+runner` when the queue gave some figures and the runner the others.
   */
  source: string;
}

// One JobUsage from the queue's figures (preferred: they cover the whole job script and its child processes) and the
// runner's (for what the queue does not say); `fitCores` when neither knows the core count. Null if nothing is known.
export function mergeUsage(
  kind: string, queue: QueueUsage | undefined, runner: RunnerUsage | null, fitCores: number | null,
): JobUsage | null {
  const q = kind === 'local' ? undefined : queue;
  const fromQueue = q && Object.values(q).some((x) => x !== undefined);
  if (!fromQueue && !runner) return null;
  let usedQueue = false;
  let usedRunner = false;
  const pick = (qv: number | undefined, rv: number | null | undefined): number | null => {
    if (qv !== undefined) {
      usedQueue = true;
      return qv;
    }
    if (rv !== undefined && rv !== null) {
      usedRunner = true;
      return rv;
    }
    return null;
  };
  const elapsed = pick(q?.elapsed_s, runner?.elapsed_s);
  // CPU and peak memory: the larger figure. The queue's covers child processes too, but sacct's TotalCPU of a job
  // whose batch step is not yet accounted reads 0; the queue samples memory, the runner's own peak may be higher.
  const larger = (qv: number | undefined, rv: number | undefined): number | null => {
    if (qv !== undefined && rv !== undefined) {
      usedQueue = true;
      if (rv > qv) usedRunner = true;
      return Math.max(qv, rv);
    }
    return pick(qv, rv);
  };
  const cpu = larger(q?.cpu_s, runner?.cpu_s);
  const rss = larger(q?.max_rss_bytes, runner?.max_rss_bytes);
  const cores = q?.cores ?? runner?.cores ?? fitCores;
  const usage: JobUsage = {
    elapsed_s: elapsed, cpu_s: cpu, cores, cpu_efficiency: cpuEfficiency(cpu, elapsed, cores), max_rss_bytes: rss,
    source: usedQueue && usedRunner ? `${kind}+runner` : usedQueue ? kind : 'runner',
  };
  if (q?.req_mem_bytes !== undefined) usage.req_mem_bytes = q.req_mem_bytes;
  return usage;
}

// CPU time / (elapsed x cores), rounded to 3 places; null when not computable.
export function cpuEfficiency(cpuS: number | null, elapsedS: number | null, cores: number | null): number | null {
  if (cpuS === null || elapsedS === null || cores === null || elapsedS <= 0 || cores <= 0) return null;
  return round3(cpuS / (elapsedS * cores));
}

/** A peak this close to the granted memory counts as having hit it (the queue samples; see isKilledForMemory). */
export const MEMORY_HIT_FRACTION = 0.95;

/**
 * Whether a job that ended without a result was killed at its memory limit, from its exit and its accounting:
 * killed by SIGKILL (exit code 137 = 128+9, or Slurm's `0:9`) with a peak resident memory of at least 95 % of the
 * memory it was granted. Slurm's own OUT_OF_MEMORY state (cgroup OOM kills) is mapped before this is asked; Slurm's
 * OverMemoryKill (jobacct_gather sampling) instead ends the job FAILED with signal 9, so that case is read here.
 */
export function isKilledForMemory(exitCode: number | undefined | null, maxRssBytes: number | null | undefined, reqMemBytes: number | null | undefined): boolean {
  if (exitCode !== 137) return false;
  if (!maxRssBytes || !reqMemBytes) return false;
  return maxRssBytes >= MEMORY_HIT_FRACTION * reqMemBytes;
}

/** Node.js's own messages when it cannot get memory (a heap limit, or an address-space limit such as SGE h_vmem). */
const NODE_OOM = /JavaScript heap out of memory|Fatal process OOM|Array buffer allocation failed|Reached heap limit|Allocation failed - process out of memory/;

// Whether a job's stderr shows Node.js failing for lack of memory (the allocation failed inside the process).
export function isNodeOutOfMemory(stderrTail: string | null | undefined): boolean {
  return !!stderrTail && NODE_OOM.test(stderrTail);
}

// Human size for tables: `245 MiB`, `1.2 GiB`.
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

// The usage stored in a row's details, or null (older rows, live jobs).
export function usageOf(details: JobDetails): JobUsage | null {
  const u = details.usage;
  return u && typeof u === 'object' ? (u as JobUsage) : null;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
