// Plain-data shapes of a job's resource request and of the node allocation chosen for it.
// The user-facing input mirrors ExPyRe's Resources keys; everything after validation is in seconds and kB.

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

/** One partition of a system (from config.json), as resources are fitted to it. */
export interface PartitionSpec {
  /** Key of the partition in config.json (what `partitions` regexps in resources match against). */
  name: string;
  /** Name given to the scheduler: the `partition` key if set, else `name`. */
  schedulerName: string;
  /** Cores per node. */
  numCores: number;
  /** Longest job allowed, in seconds; null = unlimited. */
  maxTimeS: number | null;
  /** Memory per node in kB (1 kB = 1024 bytes, as ExPyRe); null = unknown/unlimited. */
  maxMemKb: number | null;
  /** Extra header lines for jobs on this partition, templated like the system header. */
  header: string[];
}
