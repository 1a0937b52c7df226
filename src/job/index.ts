// Public surface of the job area: the RemoteJob API, batch start/wait used by autoparallelize, the context, errors.
// Most callers import from here; autopara and the CLI also reach into single modules (lifecycle, poller) they drive.
export { RemoteJob, JobStateError, outcomeOf, cancelJobs, cleanJobs } from './remote-job.ts';
export { XprContext, defaultContext, closeDefaultContext, type ContextOptions } from './context.ts';
export { prepareJob, collectInputFiles, type JobDefinition, type PreparedJob, type InputFile } from './spec.ts';
export { startJobs, JobSubmitError, type StartOptions, type StartedJob } from './lifecycle.ts';
export { Poller, type WaitOptions } from './poller.ts';
export { JobFailedError, JobDiedError, JobCancelledError, JobWaitTimeoutError, WaitStoppedError, JobRemovedError, JobAbandonedError, JobFileError, JobOptionError } from './errors.ts';
export { SystemCommandError } from '../system/session.ts';
export { runJob, type RunJobOptions } from './run-job.ts';
export { syncJobs, syncable, type SyncReport, type SyncChange, type SyncOptions } from '../admin/sync.ts';
export { removeJobs, gcJobs, gcCandidates, GC_STATES, type RemoveOptions, type RemoveReport } from '../admin/gc.ts';
export { dryRunScript, type DryRunOptions, type DryRunScript } from '../admin/dry-run.ts';
export { renderJobScript, parseEnvHeaderExtra, type ScriptInputs } from '../system/job-script.ts';
export { runDoctor, systemSources, SCHEDULER_COMMANDS, MIN_NODE_MAJOR, type DoctorCheck } from '../admin/doctor.ts';
export { readJobLogs, jobScriptEnded, LOG_FILES, type LogChunk, type LogName } from '../admin/logs.ts';
