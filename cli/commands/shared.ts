// Re-exports the job operations the CLI commands share, so each command file stays small.
// The CLI uses only the public API and the store.
export { XprContext } from '../../src/index.ts';
export { cancelJobs as cancelJobsPublic, cleanJobs } from '../../src/job/index.ts';
