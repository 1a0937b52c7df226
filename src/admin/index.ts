// Public surface of the admin verbs, the CLI's commands as a library: sync job states, remove / gc / cancel jobs,
// render a job script without submitting (dry run), health checks (doctor) and reading a job's logs.
export { syncJobs, syncable, type SyncReport, type SyncChange, type SyncOptions } from './sync.ts';
export { removeJobs, gcJobs, gcCandidates, GC_STATES, type RemoveOptions, type RemoveReport } from './gc.ts';
export { dryRunScript, type DryRunOptions, type DryRunScript } from './dry-run.ts';
export { runDoctor, systemSources, MIN_NODE_MAJOR, type DoctorCheck } from './doctor.ts';
export { readJobLogs, jobScriptEnded, LOG_FILES, type LogChunk, type LogName } from './logs.ts';
