// Plain-data shapes of a job's resource request and of the node allocation chosen for it.
// The user-facing input mirrors ExPyRe's Resources keys; everything after validation is in seconds and kB.
import type { PartitionSpec } from '../config/types.ts';

/** What a user writes (ExPyRe's Resources keys). */
export interface ResourcesInput {
  /** Seconds (int), `N[smhd]`, or `[D-]HH:MM:SS` (Slurm meaning: `D-HH` = days and hours). */
  max_time: number | string;
  num_nodes?: number;
  num_cores?: number;
  /** `N[kmgt]b?` (binary, as ExPyRe: 1g = 1024^3 bytes) or an int number of kB. */
  max_mem_tot?: number | string;
  max_mem_per_core?: number | string;
  /** Full-match regexps against partition names. */
  partitions?: string | string[];
  /** ExPyRe's alias of `partitions`. */
  queues?: string | string[];
}

export interface Resources {
  maxTimeS: number;
  request: { kind: 'nodes' | 'cores'; count: number };
  mem: { kind: 'total' | 'per_core'; kb: number } | null;
  /** Anchored regexps (full match); null = any partition. */
  partitions: string[] | null;
}

/** The allocation picked for a job: what header templates and EXPYRE_NUM_* are filled from. */
export interface NodeFit {
  partition: PartitionSpec;
  numNodes: number;
  numCores: number;
  numCoresPerNode: number;
  maxTimeS: number;
  /** Memory per node the request asks for (max_mem_tot over the nodes, or max_mem_per_core x cores per node), kB;
   *  absent or null when it asks for none. Slurm's default header requests it (`--mem`). */
  memPerNodeKb?: number | null;
}
