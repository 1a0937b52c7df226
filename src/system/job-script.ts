// The body of every job script: shell/job.sh's functions called around the user's lines (enter the job dir, export
// EXPYRE_NUM_*, system commands, secret env, pre_cmds, env vars, the runner, post_cmds, the exit code written atomically).
import { BaseFiles, JobFiles } from '../runner/contract.ts';
import { shellCall, shellFunctionsOnly, shellNamesBlockFor } from './shell-files.ts';
import type { NodeFit } from '../resources/types.ts';
import type { JobScriptSpec } from '../scheduler/types.ts';
import type { SystemSession } from './session.ts';
import { JobOptionError } from './errors.ts';
import { renderEnvValue } from './env-value.ts';

export interface JobBodySpec {
  jobId: string;
  jobDir: string;
  runnerPath: string;
  nodeCmd: string;
  fit: NodeFit;
  /** The system's `commands` (shell lines by design: e.g. `module load nodejs`). */
  systemCommands: readonly string[];
  /** The call's pre/post commands (shell lines by design). */
  preCmds: readonly string[];
  postCmds: readonly string[];
  envVars: readonly EnvVar[];
  /** Read (and delete) the secret env file written at submission, after the system commands, before the pre_cmds. */
  readSecretEnv?: boolean;
}

/** One env var: `literal` values expand only ${NAME} references; `word` values (ExPyRe's "NAME=value" list form) are read as a shell word. */
export interface EnvVar {
  name: string;
  value: string;
  form: 'literal' | 'word';
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Render the shell lines that run one job: the functions of shell/job.sh (xpr's fixed part, shellchecked there) and
// the file names they read, then calls of them, every value quoted, around the user's own lines (shell by design).
export function renderJobBody(spec: JobBodySpec): string {
  const { fit } = spec;
  const functions = shellFunctionsOnly('job');
  const lines = [
    '# xpr job functions (src/system/shell/job.sh)',
    ...functions,
    ...shellNamesBlockFor(functions.join('\n')),
    shellCall('xpr_job_start', spec.jobDir, spec.jobId, fit.numNodes, fit.numCores, fit.numCoresPerNode),
    ...section('system commands', spec.systemCommands),
    ...(spec.readSecretEnv ? [shellCall('xpr_job_secret_env', spec.jobDir)] : []),
    ...section('pre_cmds', spec.preCmds),
    ...spec.envVars.map((e) => `export ${e.name}=${renderEnvValue(e.value, e.form, `env_vars.${e.name}`)}`),
    shellCall('xpr_job_run', spec.nodeCmd, spec.runnerPath, spec.jobDir),
    ...section('post_cmds', spec.postCmds),
    shellCall('xpr_job_end', spec.jobDir),
  ];
  return lines.join('\n') + '\n';
}

function section(title: string, lines: readonly string[]): string[] {
  return lines.length ? [`# ${title}`, ...lines] : [];
}

// Normalise env_vars given as {NAME: value} (literal values) or ["NAME=value", ...] (shell words, as ExPyRe).
// A bad name, a missing '=' or a value that would need command substitution is an error naming the entry.
export function normalizeEnvVars(envVars: unknown, where = 'env_vars'): EnvVar[] {
  if (envVars === undefined || envVars === null) return [];
  const vars: EnvVar[] = [];
  if (Array.isArray(envVars)) {
    envVars.forEach((entry, i) => {
      if (typeof entry !== 'string' || !entry.includes('=')) {
        throw new JobOptionError(`${where}[${i}]`, `expected "NAME=value", got ${JSON.stringify(entry)}`);
      }
      const eq = entry.indexOf('=');
      vars.push({ name: entry.slice(0, eq), value: entry.slice(eq + 1), form: 'word' });
    });
  } else if (typeof envVars === 'object') {
    for (const [k, v] of Object.entries(envVars)) {
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw new JobOptionError(`${where}.${k}`, `expected a string value, got ${typeof v}`);
      }
      vars.push({ name: k, value: String(v), form: 'literal' });
    }
  } else {
    throw new JobOptionError(where, `expected an object {NAME: value} or a list of "NAME=value", got ${typeof envVars}`);
  }
  for (const v of vars) {
    if (!VAR_NAME.test(v.name)) throw new JobOptionError(where, `${JSON.stringify(v.name)} is not a valid environment variable name`);
    renderEnvValue(v.value, v.form, `${where}.${v.name}`); // refuse bad values now, before anything is written
  }
  return vars;
}

/** What a job's script is made from, besides the system session and the job id. */
export interface ScriptInputs {
  fit: NodeFit;
  headerExtra: readonly string[];
  envHeaderExtra: readonly string[];
  runnerFileName: string;
  envVars: readonly EnvVar[];
  /** Names of the secret env vars (their values travel separately, see JobFiles.secretEnv). */
  secretEnvNames: readonly string[];
  preCmds: readonly string[];
  postCmds: readonly string[];
}

// The one place a job script is made (a real start and `xpr script` both call this): scheduler spec and text.
export function renderJobScript(session: SystemSession, jobId: string, p: ScriptInputs): { spec: JobScriptSpec; text: string } {
  const jobDir = `${session.base}/${jobId}`;
  const body = renderJobBody({
    jobId,
    jobDir,
    runnerPath: `${session.base}/${BaseFiles.code}/${p.runnerFileName}`,
    nodeCmd: session.system.nodeCmd,
    fit: p.fit,
    systemCommands: session.system.commands,
    // Secret env vars reach the job dir in JobFiles.secretEnv (0600), written at submission; the job reads and
    // deletes it before the op runs.
    readSecretEnv: p.secretEnvNames.length > 0,
    preCmds: p.preCmds,
    postCmds: p.postCmds,
    envVars: p.envVars,
  });
  const spec: JobScriptSpec = {
    jobId,
    system: session.system,
    fit: p.fit,
    headerExtra: [...p.headerExtra],
    envHeaderExtra: [...p.envHeaderExtra],
    jobDir,
    stdoutFile: JobFiles.schedStdout,
    stderrFile: JobFiles.schedStderr,
    body,
  };
  return { spec, text: session.scheduler.renderScript(spec) };
}

// The EXPYRE_HEADER_EXTRA value (ExPyRe's format: a JSON list of header lines), checked as header lines.
export function parseEnvHeaderExtra(text: string | undefined): string[] {
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new JobOptionError('EXPYRE_HEADER_EXTRA', `expected a JSON list of header lines, got ${JSON.stringify(text)}`);
  }
  checkHeaderLines('EXPYRE_HEADER_EXTRA', value as string[]);
  return value as string[];
}

// Header lines are one line each: a line break would make the rest run as a command in the job script.
export function checkHeaderLines(where: string, lines: readonly string[]): void {
  const broken = lines.find((l) => /[\r\n]/.test(l));
  if (broken !== undefined) throw new JobOptionError(where, `a header line must not contain a line break (the rest would run as a command in the job script); got ${JSON.stringify(broken)}`);
}
