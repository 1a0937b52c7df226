// The contract between the driver and the runner: the files of a job dir and the shape of the job spec.
// One owner for every file name inside a job dir, an array dir and the base dir; every module imports them from here.

/** Files in `<base>/<job id>/`. `_xpr_*` files are written by the job (runner or job script), atomically. */
export const JobFiles = {
  /** RunnerSpec (JSON), written by the driver. */
  spec: 'xpr-job.json',
  /** Codec payload of the argument list: the op's arguments (call mode) or the extra arguments after the batch (map
   *  mode). A format-2 container (binary, despite the name kept for older runners); format-1 text in older job dirs. */
  input: 'xpr-input.json',
  /** Map mode: codec payload of the chunk's items (as `input`). */
  itemsIn: 'xpr-items.json',
  /** Output file globs, one per line (declared output_files). */
  outputGlobs: 'xpr-output-files',
  /** The scheduler's job id, written by the submit command right after submission. */
  schedulerId: '_xpr_sched_id',
  /** Touched by the job script when the job starts on a node. */
  started: '_xpr_started',
  /** The op's stdout and stderr, captured at the file-descriptor level. */
  stdout: '_xpr_stdout',
  stderr: '_xpr_stderr',
  /** Written by a fetch on the system: output-glob matches that were not sent (symlinks, devices, fifos), one per line. */
  refusedOutputs: '.xpr_refused_outputs',
  /** Batch-level stdout/stderr of the queueing system. */
  schedStdout: '_xpr_sched.out',
  schedStderr: '_xpr_sched.err',
  /** Call mode: encoded return value (format-2 container; format-1 text from older runners). */
  result: '_xpr_result',
  /** Call mode: encoded thrown error (map mode: an error outside any item, e.g. the op failed to load); as `result`. */
  error: '_xpr_error',
  /** Map mode: one encoded ItemRecord per line (format-1 text), appended as each item finishes. */
  items: '_xpr_items.jsonl',
  /** The runner's own resource usage (JSON RunnerUsage of runner/usage.ts), written just before it exits. */
  usage: '_xpr_usage',
  /** Exit code of the runner, written by the job script after post commands. */
  exit: '_xpr_exit',
  /** Secret env values as shell assignments, written by the driver just before the submit; the job script sources
   *  and removes it. */
  secretEnv: '.xpr_secret_env',
  /** Left just before the job's submit command runs; with no scheduler id beside it, the job may be in the queue.
   *  Holds `submit`, `resubmit <token>` or `array <name> <task>` (a task of the array named <name>). */
  submitting: '.xpr_submitting',
  /** Locked (flock, where available) while the job's submit runs: a rerun waits for a submit still in flight. */
  submitLock: '.xpr_submit_lock',
  /** stderr of the last submit command (also in an array dir, for the array's submit). */
  submitErr: '.xpr_submit_err',
} as const;

/** Names in the base dir (`<rundir>/<project id>` on a system, `<project root>/xpr-stage` on this machine), beside the
 *  job dirs. */
export const BaseFiles = {
  /** Content-addressed op bundles, the runner and the local queue script (`_code/<name>`), never rewritten. */
  code: '_code',
  /** Array dirs: `_array/<array name>/` holds the array's job script, `ArrayFiles.jobs` and its scheduler id. */
  arrays: '_array',
  /** The local queue's records when the system does not share this machine's filesystem. */
  localQueue: '_local-queue',
} as const;

/** Files in an array dir `<base>/_array/<array name>/` besides its job script and its `JobFiles.schedulerId`. */
export const ArrayFiles = {
  /** The job dirs of the array's tasks, one absolute path a line, in task order. */
  jobs: 'jobs',
  /** stderr of the array's submit command. */
  submitErr: JobFiles.submitErr,
} as const;

export const RUNNER_SPEC_VERSION = 1;

export interface RunnerSpec {
  version: typeof RUNNER_SPEC_VERSION;
  jobId: string;
  /** The op bundle, relative to the job dir (e.g. `../_code/<hash>.mjs`). */
  codeFile: string;
  exportName: string;
  mode: 'call' | 'map';
  /** Map mode: items per op call. */
  batchSize?: number;
}

/** Map mode: what the runner appends to `_xpr_items.jsonl` for each item of the chunk (position in the chunk). */
export type ItemRecord =
  | { i: number; ok: true; value: unknown }
  | { i: number; ok: false; error: unknown };

/** Call mode: contents of `_xpr_result`. */
export interface ResultRecord {
  value: unknown;
}
