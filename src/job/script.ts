// The body of every job script: cd to the job dir, export EXPYRE_NUM_*, run system commands, pre_cmds, env vars,
// the runner under Node (output captured at the fd level), post_cmds, then write the exit code atomically.
import { quote, quoteArgv } from '../transport/quote.ts';
import { JobFiles } from '../runner/contract.ts';
import type { NodeFit } from '../resources/types.ts';
import { JobOptionError } from './errors.ts';

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
  envVars: ReadonlyArray<readonly [string, string]>;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Render the shell lines that run one job. Values the user did not write as shell code are quoted.
export function renderJobBody(spec: JobBodySpec): string {
  const { fit } = spec;
  const lines = [
    `cd ${quote(spec.jobDir)} || exit 1`,
    `: > ${JobFiles.started}`,
    `export EXPYRE_NUM_NODES=${fit.numNodes} EXPYRE_NUM_CORES=${fit.numCores} EXPYRE_NUM_CORES_PER_NODE=${fit.numCoresPerNode}`,
    `export XPR_JOB_ID=${quote(spec.jobId)}`,
    ...section('system commands', spec.systemCommands),
    ...section('pre_cmds', spec.preCmds),
    ...spec.envVars.map(([k, v]) => `export ${k}=${shellValueWithVars(v)}`),
    `${quoteArgv([spec.nodeCmd, '--enable-source-maps', spec.runnerPath, spec.jobDir])} > ${JobFiles.stdout} 2> ${JobFiles.stderr}`,
    'xpr_rc=$?',
    ...section('post_cmds', spec.postCmds),
    `cd ${quote(spec.jobDir)} && printf '%s\\n' "$xpr_rc" > ${JobFiles.exit}.tmp && mv -f ${JobFiles.exit}.tmp ${JobFiles.exit}`,
    'exit $xpr_rc',
  ];
  return lines.join('\n') + '\n';
}

function section(title: string, lines: readonly string[]): string[] {
  return lines.length ? [`# ${title}`, ...lines] : [];
}

/**
 * Quote an env var value for the shell, keeping `${NAME}` and `$NAME` references live (so
 * `OMP_NUM_THREADS=${EXPYRE_NUM_CORES_PER_NODE}` works) while everything else, `$(...)` included, stays literal.
 */
export function shellValueWithVars(value: string): string {
  const parts: string[] = [];
  const re = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  let last = 0;
  for (const m of value.matchAll(re)) {
    if (m.index > last) parts.push(quote(value.slice(last, m.index)));
    parts.push(`"\${${m[1] ?? m[2]}}"`);
    last = m.index + m[0].length;
  }
  if (last < value.length || parts.length === 0) parts.push(quote(value.slice(last)));
  return parts.join('');
}

// Normalise env_vars given as {NAME: value} or ["NAME=value", ...] into pairs; bad names or missing '=' are errors.
export function normalizeEnvVars(envVars: unknown, where = 'env_vars'): Array<[string, string]> {
  if (envVars === undefined || envVars === null) return [];
  const pairs: Array<[string, string]> = [];
  if (Array.isArray(envVars)) {
    envVars.forEach((entry, i) => {
      if (typeof entry !== 'string' || !entry.includes('=')) {
        throw new JobOptionError(`${where}[${i}]`, `expected "NAME=value", got ${JSON.stringify(entry)}`);
      }
      const eq = entry.indexOf('=');
      pairs.push([entry.slice(0, eq), entry.slice(eq + 1)]);
    });
  } else if (typeof envVars === 'object') {
    for (const [k, v] of Object.entries(envVars)) {
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw new JobOptionError(`${where}.${k}`, `expected a string value, got ${typeof v}`);
      }
      pairs.push([k, String(v)]);
    }
  } else {
    throw new JobOptionError(where, `expected an object {NAME: value} or a list of "NAME=value", got ${typeof envVars}`);
  }
  for (const [k] of pairs) {
    if (!VAR_NAME.test(k)) throw new JobOptionError(where, `${JSON.stringify(k)} is not a valid environment variable name`);
  }
  return pairs;
}
