// Public surface of autoparallelize: the call, collecting a call later, RemoteInfo and failure types.
// Everything else in this folder is internal.
export { autoparallelize, collectCall, AutoparaOptionError, type AutoparallelizeOptions, type AutoparallelizeBaseOptions, type AutoparaResults, type AutoparaHandle, type BatchOp, type CollectOptions } from './autoparallelize.ts';
export { ItemsFailedError, type ItemFailure } from './failures.ts';
export { normalizeRemoteInfo, type RemoteInfo, type RemoteInfoInput } from './remote-info.ts';
export { RemoteInfoError, ExpyreInfoError, EnvSettingError, PoolOpLoadError } from './errors.ts';
export type { AutoparaProgressEvent, ProgressSnapshot, JobStateCounts } from './progress-events.ts';
