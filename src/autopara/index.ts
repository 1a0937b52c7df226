// Public surface of autoparallelize: the call, collecting a call later, RemoteInfo and failure types.
// Other areas (fit, runner) also import single modules of this folder: the pool, env settings, routing.
export { autoparallelize, collectCall, AutoparaOptionError, type AutoparallelizeOptions, type AutoparallelizeBaseOptions, type AutoparaResults, type AutoparaHandle, type BatchOp, type CollectOptions } from './autoparallelize.ts';
export { ItemsFailedError, type ItemFailure } from './failures.ts';
export { normalizeRemoteInfo, type RemoteInfo, type RemoteInfoInput } from '../routing/remote-info.ts';
export { RemoteInfoError, ExpyreInfoError, EnvSettingError, PoolOpLoadError } from './errors.ts';
export type { AutoparaProgressEvent, ProgressSnapshot, JobStateCounts } from './progress-events.ts';
