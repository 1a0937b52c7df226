// xpr's public API: run exported functions as cached, resumable batch jobs (RemoteJob, runJob), map an op over many
// items locally or in queued chunks (autoparallelize, collectCall), and what a caller may need to read (config, errors).
export {
  RemoteJob, runJob, XprContext, defaultContext, closeDefaultContext, startJobs, prepareJob,
  JobFailedError, JobDiedError, JobCancelledError, JobWaitTimeoutError, WaitStoppedError, JobRemovedError, JobAbandonedError, JobFileError, JobOptionError, JobSubmitError, JobStateError,
  SystemCommandError,
  type JobDefinition, type StartOptions, type WaitOptions, type RunJobOptions, type ContextOptions, type StartedJob,
} from './job/index.ts';
export { loadConfig } from './config/load.ts';
export { cancelJobs, cleanJobs, outcomeOf } from './job/index.ts';
export {
  syncJobs, removeJobs, gcJobs, gcCandidates, GC_STATES, dryRunScript, runDoctor, systemSources, readJobLogs, jobScriptEnded,
  type SyncReport, type SyncChange, type RemoveReport, type DryRunOptions, type DryRunScript, type DoctorCheck, type LogChunk, type LogName,
} from './admin/index.ts';
export { cancelUnended, type CancelReport } from './admin/gc.ts';
export { callSelection, jobsItemKeys, oldItemKeys, type ItemSelection } from './autopara/cache-control.ts';
export { ConfigError, UnknownSystemError } from './config/errors.ts';
export { ResourceSpecError, NoPartitionFitsError } from './resources/errors.ts';
export { UncodableValueError, CodecFormatError } from './codec/index.ts';
export { UnshippableOpError, BundleError } from './bundle/index.ts';
export { XprError } from './errors.ts';
export type { ResourcesInput } from './resources/types.ts';
export type { SystemConfig, PartitionSpec, XprConfig } from './config/types.ts';
export type { JobState, JobRow, JobOutcome, JobDetails, JobFit } from './store/index.ts';
export {
  autoparallelize, collectCall, ItemsFailedError, AutoparaOptionError, normalizeRemoteInfo, RemoteInfoError, ExpyreInfoError,
  EnvSettingError, PoolOpLoadError, PoolOptionError,
  type AutoparallelizeOptions, type AutoparaResults, type AutoparaHandle, type BatchOp, type CollectOptions, type ItemFailure,
  type RemoteInfo, type RemoteInfoInput, type AutoparaProgressEvent, type ProgressSnapshot, type JobStateCounts,
} from './autopara/index.ts';
export {
  runCommand, runCommands, runCommandLocally, gapSimpleFit, gapMultistageFit, gapCommitteeFit, gapFitCommandLine, gapFitArgs, aceFit,
  FitOptionError, CommandJobError, CommandStepError, FitOutputError, FitRoutingError,
  type CommandJobDefinition, type CommandInput, type CommandOutput, type CommandResult, type RunCommandOptions, type RunCommandsOptions, type CommandStep,
  type GapFitParams, type GapSimpleFitOptions, type GapMultistageOptions, type GapMultistageResult, type GapCommitteeOptions,
  type AceFitOptions, type AceFitParams, type FitRoutingOptions,
} from './fit/index.ts';
export { StoreError, StoreLockedError, StoreCorruptError, StoredDataError } from './store/index.ts';
export {
  TransportDroppedError, UnknownHostKeyError, HostKeyMismatchError, SshAuthError, SshConnectError, SshConfigError,
  CommandTimeoutError, TransportClosedError, ChannelOpenRefusedError, SpawnError,
} from './transport/errors.ts';
export { SchedulerOutputError, SchedulerArgumentError, HeaderTemplateError } from './scheduler/errors.ts';
export { LocalTarError } from './system/tar-stream.ts';
export { isMainScript } from './main-script.ts';
