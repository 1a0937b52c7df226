// xpr's public API: run exported functions as cached, resumable batch jobs (RemoteJob, runJob), and the pieces
// a caller may need to read (config, errors). Importing this module does no work.
export {
  RemoteJob, runJob, XprContext, defaultContext, closeDefaultContext, startJobs, prepareJob,
  JobFailedError, JobDiedError, JobCancelledError, JobWaitTimeoutError, JobOptionError, JobSubmitError, JobStateError,
  SystemCommandError,
  type JobDefinition, type StartOptions, type WaitOptions, type RunJobOptions, type ContextOptions, type StartedJob,
} from './job/index.ts';
export { loadConfig } from './config/load.ts';
export { ConfigError, UnknownSystemError } from './config/errors.ts';
export { ResourceSpecError, NoPartitionFitsError } from './resources/errors.ts';
export { UncodableValueError, CodecFormatError } from './codec/index.ts';
export { UnshippableOpError, BundleError } from './bundle/index.ts';
export { XprError } from './errors.ts';
export type { ResourcesInput } from './resources/types.ts';
export type { SystemConfig, PartitionSpec, XprConfig } from './config/types.ts';
export type { JobState, JobRow } from './store/index.ts';
export {
  autoparallelize, collectCall, ItemsFailedError, AutoparaOptionError, normalizeRemoteInfo, RemoteInfoError, ExpyreInfoError,
  type AutoparallelizeOptions, type AutoparaResults, type AutoparaHandle, type BatchOp, type ItemFailure, type RemoteInfo, type RemoteInfoInput,
} from './autopara/index.ts';
