// Says once per call when the jobs whose item results an autoparallelize call uses ran with other env_vars, pre_cmds,
// post_cmds, output_files or system/resources than asked now (settings outside the item keys, as RemoteJob reports).
import { prepareJob, type XprContext } from '../job/index.ts';
import { differences, startHashOf } from '../job/lifecycle.ts';
import type { CallRecord, RemoteCall } from './remote-map.ts';
import { chunkStartOptions, lookedUpResults } from './remote-map.ts';

// Warn (through the context's logger) about every setting that differs for the jobs behind the call's results.
// Jobs resubmitted by resubmit_killed_jobs (more max_time on purpose) are not counted. Returns what differs.
export async function warnSettingDifferences(ctx: XprContext, call: RemoteCall, record: CallRecord): Promise<string[]> {
  const ids = new Set(record.chunks.map((c) => c.jobId));
  // The results submitRemote just read (a second read of 10^5 payloads was a quarter of a cached rerun).
  for (const r of (lookedUpResults(record) ?? ctx.store.getItemResults(record.itemKeys)).values()) if (r.ok) ids.add(r.jobId);
  return warnForJobs(ctx, call, [...ids]);
}

// The same for the jobs `ids` (those behind a call's snapshot).
export async function warnForJobs(ctx: XprContext, call: RemoteCall, ids: readonly string[]): Promise<string[]> {
  const rows = ctx.store.list({ ids }).filter((r) => !/_retry\d+$/.test(r.name));
  if (rows.length === 0) return [];
  const { info } = call;
  const probe = await prepareJob({
    bundle: call.op,
    args: call.extraArgs,
    items: [],
    envVars: info.env_vars,
    secretEnvVars: info.secret_env_vars,
    preCmds: info.pre_cmds,
    postCmds: info.post_cmds,
    outputFiles: info.output_files,
    cwd: call.cwd,
  });
  const startHash = startHashOf(ctx.system(info.sys_name).name, chunkStartOptions(info, info.resources));
  const jobsBy = new Map<string, number>();
  for (const row of rows) for (const d of differences(row, probe, startHash)) jobsBy.set(d, (jobsBy.get(d) ?? 0) + 1);
  if (jobsBy.size === 0) return [];
  const what = [...jobsBy.keys()];
  const jobs = new Set(rows.filter((r) => differences(r, probe, startHash).length > 0)).size;
  ctx.logger.warn(
    `autoparallelize ${call.op.exportName}: ${jobs} job(s) whose item results this call uses ran with other ${what.join(', ')} than asked now; ` +
      'those settings are not part of the item keys, so their results are kept (recompute: true computes them again)',
  );
  return what;
}
