// Plain-data shapes of a loaded configuration: systems and their partitions.
// Produced by config/load.ts from ExPyRe-compatible config.json files; consumed read-only everywhere else.

import type { PartitionSpec } from '../resources/types.ts';

export type { PartitionSpec };

export type SchedulerKind = 'local' | 'slurm' | 'sge' | 'pbs';

export interface SystemConfig {
  name: string;
  /** `[user@]host` or an ~/.ssh/config alias; null = this machine. */
  host: string | null;
  scheduler: SchedulerKind;
  /** In config order. */
  partitions: PartitionSpec[];
  header: string[];
  noDefaultHeader: boolean;
  /** Shebang interpreter of job scripts. @default "/bin/bash" */
  scriptExec: string;
  preSubmitCmds: string[];
  /** Lines run at the start of every job script (e.g. `module load nodejs`). */
  commands: string[];
  /** Remote base dir; relative = relative to the remote home. null = run in the local stage dir. */
  rundir: string | null;
  /** The user's ssh command as argv (from `remsh_cmd` or EXPYRE_RSH); null = native ssh2. */
  remshCmd: string[] | null;
  /** Command that runs Node.js on the compute nodes (`node_cmd`). @default "node" */
  nodeCmd: string;
  /** Most jobs of this project in the queue (submitted, queued or running) at once (`max_queued_jobs`); absent = no limit. */
  maxQueuedJobs?: number;
  /** Submit the jobs of one autoparallelize call as job arrays (`arrays`). @default false */
  arrays?: boolean;
  /** Most tasks per array (`max_array_size`). @default the scheduler's own limit (`Scheduler.arrays.defaultMaxSize`) */
  maxArraySize?: number;
}

export interface XprConfig {
  /** The `_expyre` (or `.expyre`) dir found, else ~/.expyre: where the job store and stage dirs live. */
  projectRoot: string;
  /** config.json files read, shallowest first. */
  files: string[];
  systems: Map<string, SystemConfig>;
  /** Overrides $HOSTNAME in remote rundir naming (kept for ExPyRe compatibility). */
  remoteRundirSubmitHostname: string | null;
}
