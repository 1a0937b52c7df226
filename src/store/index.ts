// Public surface of the store area: the SQLite job store and the job state machine.
// Everything above (job, cli) goes through these exports.
export { JobStore, STORE_FILE, type JobRow, type NewJob, type JobEvent, type JobFilter, type ItemResult, type JobBrief, type ListOrder } from './store.ts';
export { type JobState, JOB_STATES, REUSABLE_STATES, LIVE_STATES, ENDED_STATES, isLegalTransition } from './states.ts';
export { StoreError, StoreLockedError, StoreCorruptError } from './errors.ts';
export { isStale as isStaleLock, lockOwner } from './write-lock.ts';
export { isNetworkFilesystem, filesystemType, filesystemTypeIn, isNetworkType } from './fs-kind.ts';
