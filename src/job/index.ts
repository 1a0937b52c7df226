// Public surface of the job area: the RemoteJob API, batch start/wait used by autoparallelize, the context, errors.
// The CLI's admin verbs (sync, rm/gc, script, doctor, logs) are in src/admin; one system's protocol is in src/system.
export { RemoteJob, JobStateError, outcomeOf, cancelJobs, cleanJobs } from './remote-job.ts';
export { XprContext, defaultContext, closeDefaultContext, type ContextOptions } from './context.ts';
export { prepareJob, collectInputFiles, type JobDefinition, type PreparedJob, type InputFile } from './spec.ts';
export { startJobs, type StartOptions, type StartedJob } from './lifecycle.ts';
export { Poller, type WaitOptions } from './poller.ts';
export { JobFailedError, JobDiedError, JobCancelledError, JobWaitTimeoutError, WaitStoppedError, JobRemovedError, JobAbandonedError, JobFileError, JobOptionError, JobSubmitError } from './errors.ts';
export { SystemCommandError } from '../system/session.ts';
export { runJob, type RunJobOptions } from './run-job.ts';
export { renderJobScript, parseEnvHeaderExtra, type ScriptInputs } from '../system/job-script.ts';
