// The contract every scheduler backend (local, slurm, sge, pbs) fulfils: render a job script,
// build submit/status/cancel argv, parse their output. Backends never run anything themselves.
import type { SchedulerKind, SystemConfig } from '../config/types.ts';
import type { NodeFit } from '../resources/types.ts';
import type { QueueUsage } from './accounting.ts';

export interface JobScriptSpec {
  /** xpr job id: short, [A-Za-z0-9_-], starts with a letter; used as the queue's job name. */
  jobId: string;
  system: SystemConfig;
  fit: NodeFit;
  /** Per-call extra header lines (RemoteInfo.header_extra), templated like the system header. */
  headerExtra: string[];
  /** Lines from EXPYRE_HEADER_EXTRA (JSON list), already parsed by the caller. */
  envHeaderExtra: string[];
  /** Absolute job dir on the system where the job runs. */
  jobDir: string;
  /** Batch-level stdout/stderr file names (relative to jobDir). */
  stdoutFile: string;
  stderrFile: string;
  /** Shell lines that do the work (written by system/job-script.ts); placed after the header. */
  body: string;
}

/**
 * A state the queue reports, mapped to what xpr needs:
 *  queued  = waiting (pending, held, configuring, requeued...)
 *  running = started and not ended
 *  ended   = the queue says it ended; `rawState`/`exitCode`/`reason` say how (COMPLETED, TIMEOUT, ...)
 *  unknown = a state we do not know: counted as alive, never as dead
 */
export type QueueState = 'queued' | 'running' | 'ended' | 'unknown';

export interface QueueStatus {
  schedulerId: string;
  state: QueueState;
  /** The scheduler's own word for the state (e.g. `PENDING`, `qw`, `Q`). */
  rawState: string;
  exitCode?: number;
  /** Why it ended or waits, when the queue says (e.g. `TIMEOUT`, `OUT_OF_MEMORY`, `Resources`). */
  reason?: string;
  /** What the queue's accounting says the job used (ended jobs; fetched by the same status command). */
  usage?: QueueUsage;
}

export interface Scheduler {
  readonly kind: SchedulerKind;
  /** File name of the job script inside the job dir, e.g. `job.script.slurm`. */
  readonly scriptName: string;
  /** Commands this scheduler needs on the submitting host (`xpr doctor` checks them). */
  readonly commands: SchedulerCommands;
  /** How the queue runs job arrays; null when it has none (the local queue). */
  readonly arrays: ArraySupport | null;
  /** Full job script text: shebang, header lines, then spec.body. */
  renderScript(spec: JobScriptSpec): string;
  /** argv that submits the script; it runs with the job dir as cwd. */
  submitArgv(spec: JobScriptSpec): string[];
  /** Scheduler job id from the submit command's stdout; throws SchedulerOutputError quoting it if unparseable. */
  parseSubmitOutput(stdout: string): string;
  /**
   * Commands that together report on the given ids. Run in one remote shell; each command's stdout
   * comes back as one element of `outputs` in parseStatus (a failing command gives its stdout anyway).
   */
  statusArgvs(schedulerIds: readonly string[]): string[][];
  /** Ids missing from the returned map are not listed by the queue at all. */
  parseStatus(outputs: readonly string[], schedulerIds: readonly string[]): Map<string, QueueStatus>;
  cancelArgv(schedulerIds: readonly string[]): string[];
  /**
   * Commands that list the queue's jobs, live and finished, whose job name is `name` (an xpr job id). Run in one
   * remote shell like statusArgvs; used after a crash between a submit and the recording of its scheduler id.
   */
  findByNameArgvs(name: string): string[][];
  /** The scheduler ids found by findByNameArgvs, oldest first; `answered: false` when the queue could not be asked. */
  parseFindByName(outputs: readonly string[], name: string): FoundByName;
}

/** What the queue said about the jobs carrying one name. */
export interface FoundByName {
  ids: string[];
  /** The queue was asked and answered; when false, an empty `ids` means nothing, and `problem` says why. */
  answered: boolean;
  problem?: string;
}

/** Commands a scheduler needs on the submitting host; `optional` ones only make results less precise. */
export interface SchedulerCommands {
  required: readonly string[];
  optional: readonly string[];
}

/**
 * A queue's job arrays (Slurm --array, SGE -t, PBS -J). Tasks are numbered from `firstTask`; `taskIdForm` and
 * `arrayIdPattern` are data for xpr's array submit script (src/system/shell/array.sh).
 */
export interface ArraySupport {
  /** Tasks per array when the system sets no `max_array_size`: the queue's own default limit. */
  readonly defaultMaxSize: number;
  /** The environment variable holding a task's index inside the running task. */
  readonly taskVariable: string;
  /** The index of the first task. */
  readonly firstTask: number;
  /** argv that submits an array of `n` tasks named `name` (options on the command line win over the script's header). */
  submitArgv(scriptName: string, n: number, name: string): string[];
  /** The queue id of task `task` of array `arrayId` (as parseSubmitOutput gave it), in the form the queue's commands take. */
  taskId(arrayId: string, task: number): string;
  /** The same rule for the array submit script (xpr_task_id of src/system/shell/array.sh): `join:<sep>` appends
   *  `<sep><task>` to the array id, `brackets` puts the task into the array id's `[]`. */
  readonly taskIdForm: 'brackets' | `join:${string}`;
  /** Extended regexp matching the array id at the start of a line of the submit command's output. */
  readonly arrayIdPattern: string;
}
