// Public surface of autoparallelize: the call, collecting a call later, RemoteInfo and failure types.
// Other areas import single modules of this folder; the pool and WFL_EXPYRE_INFO routing live in src/pool and src/routing.
export { autoparallelize, collectCall, AutoparaOptionError, type AutoparallelizeOptions, type AutoparallelizeBaseOptions, type AutoparaResults, type AutoparaHandle, type BatchOp, type CollectOptions } from './autoparallelize.ts';
export { ItemsFailedError, type ItemFailure } from './failures.ts';
export { normalizeRemoteInfo, type RemoteInfo, type RemoteInfoInput } from '../routing/remote-info.ts';
export { RemoteInfoError, ExpyreInfoError } from '../routing/errors.ts';
export { EnvSettingError, PoolOpLoadError, PoolOptionError } from '../pool/errors.ts';
export type { AutoparaProgressEvent, ProgressSnapshot, JobStateCounts } from './progress-events.ts';
