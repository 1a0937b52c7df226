// Runs the command jobs of a fit where its route says: on a system with the RemoteInfo's settings (env_vars,
// pre/post_cmds, input/output_files, resources, timeout), all started in one batch; or locally, one after another.
import type { XprContext } from '../job/index.ts';
import type { RemoteInfo } from '../routing/remote-info.ts';
import { runCommands, runCommandLocally, type CommandJobDefinition, type CommandResult } from './command.ts';

// Env var defaults a fit adds on the node unless the RemoteInfo's env_vars set them (never changing the RemoteInfo).
export function withDefaultEnv(envVars: RemoteInfo['env_vars'], defaults: Record<string, string>): RemoteInfo['env_vars'] {
  if (Array.isArray(envVars)) {
    const names = new Set(envVars.map((e) => e.slice(0, e.indexOf('='))));
    return [...envVars, ...Object.entries(defaults).filter(([k]) => !names.has(k)).map(([k, v]) => `${k}=${v}`)];
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(defaults)) if (!(k in envVars)) out[k] = v;
  return { ...out, ...envVars };
}

export interface FitJobs {
  ctx: XprContext;
  info: RemoteInfo | null;
  defs: CommandJobDefinition[];
  /** Env var defaults for the node (e.g. WFL_GAP_FIT_OMP_NUM_THREADS=${EXPYRE_NUM_CORES_PER_NODE}). */
  nodeEnvDefaults?: Record<string, string>;
}

export async function runFitJobs(f: FitJobs): Promise<CommandResult[]> {
  const { ctx, info } = f;
  if (!info) {
    const out: CommandResult[] = [];
    for (const d of f.defs) out.push(await runCommandLocally(d, { cwd: ctx.cwd, env: ctx.env }));
    return out;
  }
  const envVars = withDefaultEnv(info.env_vars, f.nodeEnvDefaults ?? {});
  const defs = f.defs.map((d, i): CommandJobDefinition => ({
    ...d,
    name: f.defs.length > 1 ? `${info.job_name}_${d.name ?? i}` : info.job_name,
    envVars,
    secretEnvVars: info.secret_env_vars,
    preCmds: info.pre_cmds,
    postCmds: info.post_cmds,
    inputGlobs: [...(d.inputGlobs ?? []), ...info.input_files],
    // RemoteInfo.output_files come back into the cwd, keeping their relative place (as wfl), if present.
    outputs: [...(d.outputs ?? []), ...info.output_files.map((g) => ({ remote: g, local: /[*?[\]{}]/.test(g) ? '.' : g, optional: true }))],
  }));
  return runCommands(defs, {
    system: info.sys_name,
    resources: info.resources,
    headerExtra: info.header_extra,
    exactFit: info.exact_fit,
    partialNode: info.partial_node,
    ...(info.job_array !== undefined ? { arrays: info.job_array } : {}),
    ...(info.timeout !== null ? { timeoutS: info.timeout } : {}),
    checkIntervalS: info.check_interval,
    resubmitDied: info.resubmit_killed_jobs,
    context: ctx,
  });
}
