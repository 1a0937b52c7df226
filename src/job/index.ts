// The job area's exports: RemoteJob and runJob, preparing and starting jobs in a batch (autopara, fit), the context,
// the job errors. admin/, autopara/, dashboard/ and the CLI also import single modules of job/ they need.
export { RemoteJob, JobStateError, outcomeOf, cancelJobs, cleanJobs } from './remote-job.ts';
export { XprContext, defaultContext, closeDefaultContext, type ContextOptions } from './context.ts';
export { prepareJob, resolveInputFiles, type JobDefinition, type PreparedJob, type InputFile } from './spec.ts';
export { startJobs, type StartOptions, type StartedJob } from './lifecycle.ts';
export type { WaitOptions } from './poller.ts';
export { JobFailedError, JobDiedError, JobCancelledError, JobWaitTimeoutError, WaitStoppedError, JobRemovedError, JobAbandonedError, JobFileError, JobOptionError, JobSubmitError } from './errors.ts';
export { SystemCommandError } from '../system/session.ts';
export { runJob, type RunJobOptions } from './run-job.ts';
