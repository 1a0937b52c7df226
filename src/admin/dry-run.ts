// The job script a job would be submitted with, rendered without submitting anything (`xpr script`, dryRunScript):
// the same body (system/job-script.ts) and scheduler rendering as a real start, for one system, resources and job options.
import { normalizeResources, findPartition } from '../resources/resources.ts';
import type { ResourcesInput } from '../resources/types.ts';
import { bundleRunner } from '../bundle/index.ts';
import type { XprContext } from '../job/context.ts';
import type { SystemSession } from '../system/session.ts';
import { renderJobScript, parseEnvHeaderExtra, checkHeaderLines, normalizeEnvVars } from '../system/job-script.ts';
import { sanitizeJobName } from '../job/ids.ts';
import { stringList } from '../job/spec.ts';
import { JobOptionError } from '../job/errors.ts';
import type { StartOptions } from '../job/lifecycle.ts';

export interface DryRunOptions extends StartOptions {
  /** Job name (as RemoteJob's `name`). @default "job" */
  name?: string;
  /** Job id to render with (ids are made at start; a placeholder is used otherwise). */
  jobId?: string;
  envVars?: Record<string, string> | string[];
  /** Names of envVars entries that are secret (as JobDefinition.secretEnvVars): the script sources their file. */
  secretEnvVars?: string[];
  preCmds?: string[];
  postCmds?: string[];
}

/** A job script as it would be written into the job dir and submitted. */
export interface DryRunScript {
  system: string;
  jobId: string;
  /** Job dir on the system (absolute). */
  jobDir: string;
  /** File name of the script in the job dir, e.g. `job.script.slurm`. */
  scriptName: string;
  /** The script, byte for byte. */
  text: string;
  /** The command run in the job dir to submit it. */
  submitArgv: string[];
  /** Where the job would go: partition (config key and scheduler name), nodes, cores, time limit. */
  fit: { partition: string; schedulerPartition: string; numNodes: number; numCores: number; numCoresPerNode: number; maxTimeS: number };
}

const JOB_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;

// Render the job script a start with these options would submit. Opens the system's session (for a remote system
// that connects and resolves the run dir) but stages and submits nothing.
export async function dryRunScript(ctx: XprContext, opts: DryRunOptions): Promise<DryRunScript> {
  const system = ctx.system(opts.system);
  const resources = normalizeResources(opts.resources as ResourcesInput);
  const fit = findPartition(resources, system.partitions, { exactFit: opts.exactFit ?? true, partialNode: opts.partialNode ?? false }, system.name);
  const envVars = normalizeEnvVars(opts.envVars);
  const preCmds = stringList(opts.preCmds, 'pre_cmds');
  const postCmds = stringList(opts.postCmds, 'post_cmds');
  const secretEnvNames = stringList(opts.secretEnvVars, 'secret_env_vars');
  const headerExtra = opts.headerExtra ?? [];
  checkHeaderLines('header_extra', headerExtra);
  const envHeaderExtra = parseEnvHeaderExtra(ctx.env.EXPYRE_HEADER_EXTRA);
  const jobId = opts.jobId ?? `${sanitizeJobName(opts.name ?? 'job')}_DRYRUN`;
  if (!JOB_ID.test(jobId)) throw new JobOptionError('jobId', `expected [A-Za-z][A-Za-z0-9_-]*, got ${JSON.stringify(jobId)}`);
  const [session, runner] = await Promise.all([ctx.session(system.name), bundleRunner()]);
  const { spec, text } = renderJobScript(session, jobId, {
    fit, headerExtra, envHeaderExtra, runnerFileName: runner.fileName, envVars, secretEnvNames, preCmds, postCmds,
  });
  return {
    system: system.name,
    jobId,
    jobDir: spec.jobDir,
    scriptName: session.scheduler.scriptName,
    text,
    submitArgv: session.scheduler.submitArgv(spec),
    fit: {
      partition: fit.partition.name, schedulerPartition: fit.partition.schedulerName, numNodes: fit.numNodes,
      numCores: fit.numCores, numCoresPerNode: fit.numCoresPerNode, maxTimeS: fit.maxTimeS,
    },
  };
}
