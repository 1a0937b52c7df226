// Public surface of the store area: the SQLite job store and the job state machine.
// Everything above (job, cli) goes through these exports.
export { JobStore, STORE_FILE } from './store.ts';
export type { JobRow, NewJob, JobEvent, JobFilter, ItemResult, JobBrief, ListOrder } from './rows.ts';
export type { JobDetails, JobFit, StoredEnvVar } from './job-details.ts';
export type { TransitionOptions } from './jobs.ts';
export type { StoredCall } from './calls.ts';
export type { CallSnapshot } from './snapshots.ts';
export {
  type JobState, type JobOutcome, JOB_STATES, JOB_OUTCOMES, REUSABLE_STATES, LIVE_STATES, NEW_OR_LIVE_STATES, RESULT_HOLDER_STATES,
  UNCOLLECTED_STATES, IN_QUEUE_STATES, WAITING_STATES, OUTCOME_STATES, ENDED_STATES, OUTCOME_STATE, DIED_OUTCOMES, isLegalTransition,
} from './states.ts';
export { StoreError, StoreLockedError, StoreCorruptError, StoredDataError } from './errors.ts';
export { isStale as isStaleLock, lockOwner } from './write-lock.ts';
export { isNetworkFilesystem, filesystemType, filesystemTypeIn, isNetworkType } from './fs-kind.ts';
