// Public surface of autoparallelize: the call, collecting a call later, RemoteInfo, the errors a call throws (its own,
// routing's, the pool's). Only src/index.ts imports autopara/ (this file and cache-control.ts).
export { autoparallelize, collectCall, AutoparaOptionError, type AutoparallelizeOptions, type AutoparallelizeBaseOptions, type AutoparaResults, type AutoparaHandle, type BatchOp, type CollectOptions } from './autoparallelize.ts';
export { ItemsFailedError, type ItemFailure } from './failures.ts';
export { normalizeRemoteInfo, type RemoteInfo, type RemoteInfoInput } from '../routing/remote-info.ts';
export { RemoteInfoError, ExpyreInfoError } from '../routing/errors.ts';
export { EnvSettingError, PoolOpLoadError, PoolOptionError } from '../pool/errors.ts';
export type { AutoparaProgressEvent, ProgressSnapshot, JobStateCounts } from './progress-events.ts';
