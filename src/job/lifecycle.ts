// Starting jobs on a system: validate resources, write each new job's stage dir, claim it in the store (or attach to
// the job already there), then stage all new jobs in one transfer and submit them in one command (job/submit.ts).
import { mkdirSync, writeFileSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { normalizeResources, findPartition } from '../resources/resources.ts';
import type { ResourcesInput, NodeFit } from '../resources/types.ts';
import { bundleRunner, type CodeBundle } from '../bundle/index.ts';
import { localQueueScript } from '../scheduler/index.ts';
import { leftoverName } from '../system/leftovers.ts';
import type { JobRow } from '../store/index.ts';
import { BaseFiles, JobFiles, RUNNER_SPEC_VERSION, type RunnerSpec } from '../runner/contract.ts';
import { canonicalHash, writeChunksSync } from '../codec/index.ts';
import type { XprContext } from './context.ts';
import type { SystemSession } from '../system/session.ts';
import type { PreparedJob } from './spec.ts';
import { makeJobId, sanitizeJobName } from './ids.ts';
import { newLease, isStaleLease } from './lease.ts';
import { JobOptionError, JobSubmitError } from './errors.ts';
import { renderJobScript, parseEnvHeaderExtra, checkHeaderLines } from '../system/job-script.ts';
import { quote } from '../transport/quote.ts';
import { SystemCommandError } from '../system/session.ts';
import { shellCall, shellOneLiner, shellProgram } from '../system/shell-files.ts';
import type { EnvVar } from '../system/job-script.ts';
import { stageAndSubmit, writeCodeFiles, codeFileNames } from './submit.ts';

export interface StartOptions {
  /** Name of a system in config.json (`local` always exists). */
  system: string;
  resources: ResourcesInput;
  /** Extra header lines for this call, templated like the system header. */
  headerExtra?: string[];
  /** Refuse a core count that does not fill whole nodes. @default true */
  exactFit?: boolean;
  /** Allow using part of one node. @default false */
  partialNode?: boolean;
  /** Submit the new jobs as job arrays (else the system's `arrays`, default false). See src/system/array.ts. */
  arrays?: boolean;
}

export interface StartedJob {
  row: JobRow;
  /** An existing job with the same cache key was found and reused. */
  attached: boolean;
  /** For an attached job: what differs from what was asked now (env_vars, resources, system...). */
  differences: string[];
}

// The session of another system that holds unsubmitted jobs with the same cache keys; if it cannot be had, an error
// that names those jobs and how to start afresh on the system asked for now.
async function foreignSession(ctx: XprContext, sys: string, rows: readonly JobRow[], asked: string): Promise<SystemSession> {
  try {
    return await ctx.session(sys);
  } catch (err) {
    const ids = rows.map((r) => r.id);
    throw new JobSubmitError(ids.map((id) => ({
      jobId: id,
      message: `this job (same op and arguments) was made for system "${sys}" and never submitted, and "${sys}" cannot be used ` +
        `(${(err as Error).message}); to start afresh on "${asked}", remove it: xpr rm --id ${ids.join(' ')}`,
    })));
  }
}

// Rows grouped by the system they belong to, in first-seen order.
export function groupBySystem(rows: readonly JobRow[]): Map<string, JobRow[]> {
  const m = new Map<string, JobRow[]>();
  for (const r of rows) m.set(r.system, [...(m.get(r.system) ?? []), r]);
  return m;
}

// Start (or attach to) jobs on one system. Everything is validated before anything is written.
export async function startJobs(ctx: XprContext, jobs: readonly PreparedJob[], opts: StartOptions): Promise<StartedJob[]> {
  const lap = timingTrace(ctx, `start ${jobs.length} job(s) on ${opts.system}`);
  const system = ctx.system(opts.system);
  const resources = normalizeResources(opts.resources);
  const fit = findPartition(resources, system.partitions, { exactFit: opts.exactFit ?? true, partialNode: opts.partialNode ?? false }, system.name);
  const headerExtra = opts.headerExtra ?? [];
  checkHeaderLines('header_extra', headerExtra);
  const envHeaderExtra = parseEnvHeaderExtra(ctx.env.EXPYRE_HEADER_EXTRA);
  const [session, runner] = await Promise.all([ctx.session(system.name), bundleRunner()]);
  lap('session and runner ready');
  const startHash = startHashOf(system.name, opts);

  const started: StartedJob[] = [];
  for (const job of jobs) {
    const existing = ctx.store.findReusable(job.cacheKey);
    if (existing) {
      if (job.itemKeys) ctx.store.recordJobItems(existing.id, job.itemKeys);
      started.push({ row: existing, attached: true, differences: differences(existing, job, startHash) });
      continue;
    }
    started.push(createJob(ctx, session, job, { fit, headerExtra, envHeaderExtra, runner, startHash, resources: opts.resources }));
  }
  writeCodeFiles(session, jobs.map((j) => j.bundle), runner);
  lap('stage dirs written and claimed');

  const owner = newLease();
  const toSubmit = started.filter(
    (s) => (s.row.state === 'created' || s.row.state === 'staged') && ctx.store.takeOwnership(s.row.id, owner, isStaleLease),
  );
  const bundles = [...new Set(jobs.map((j) => j.bundle))];
  try {
    // Another driver may have staged or submitted a job between our read and our lease: go by its state now.
    const current = toSubmit.map((s) => ctx.store.get(s.row.id) ?? s.row).filter((r) => r.state === 'created' || r.state === 'staged');
    // An unsubmitted job found under the same key may belong to another system: it goes ahead where it was made,
    // since its script and run dir were written for that system.
    for (const [sys, rows] of groupBySystem(current)) {
      const target = sys === system.name ? session : await foreignSession(ctx, sys, rows, system.name);
      if (target !== session) writeCodeFiles(target, bundles, runner);
      await sendSecretEnv(target, rows, jobs);
      const arrays = target === session
        ? { asked: opts.arrays, fit, headerExtra, envHeaderExtra, fresh: new Set(started.filter((s) => !s.attached).map((s) => s.row.id)) }
        : undefined;
      await stageAndSubmit({ services: ctx, session: target, rows, codeFiles: codeFileNames(bundles, runner), lap, owner, arrays });
    }
  } finally {
    for (const s of toSubmit) ctx.store.releaseOwnership(s.row.id, owner);
  }
  return started.map((s) => ({ ...s, row: ctx.store.get(s.row.id) ?? s.row }));
}

interface CreateParams {
  fit: NodeFit;
  headerExtra: string[];
  envHeaderExtra: string[];
  runner: CodeBundle;
  startHash: string;
  resources: ResourcesInput;
}

// Move a payload spooled when the job was prepared into the job dir, or write it from memory (then the chunks are
// copies of the caller's values). A spooled payload that is gone (an earlier start of the same prepared job failed
// midway) is not rewritten from memory: the caller's arrays may have changed since the key was computed.
function placePayload(spooled: string | null | undefined, dest: string, chunks: readonly Uint8Array[]): void {
  if (!spooled) return writeChunksSync(dest, chunks);
  try {
    renameSync(spooled, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new JobOptionError('args', `the payload this job was prepared with (${spooled}) is gone, used by an earlier start that failed; create the job again`);
  }
}

// Write a new job's stage dir under a temporary name, then claim the cache key and move the dir in place atomically.
function createJob(ctx: XprContext, session: SystemSession, job: PreparedJob, p: CreateParams): StartedJob {
  const name = sanitizeJobName(job.name);
  const id = makeJobId(name, job.cacheKey);
  const finalDir = join(session.localBase, id);
  const tmpDir = join(session.localBase, leftoverName('tmp', id));
  const jobDirOnSystem = `${session.base}/${id}`;
  try {
    mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
    const spec: RunnerSpec = {
      version: RUNNER_SPEC_VERSION,
      jobId: id,
      codeFile: `../${BaseFiles.code}/${job.bundle.fileName}`,
      exportName: job.bundle.exportName,
      mode: job.mode,
      ...(job.mode === 'map' ? { batchSize: job.batchSize } : {}),
    };
    writeFileSync(join(tmpDir, JobFiles.spec), JSON.stringify(spec, null, 1));
    placePayload(job.spooled?.args, join(tmpDir, JobFiles.input), job.encodedArgs);
    if (job.encodedItems !== null) placePayload(job.spooled?.items, join(tmpDir, JobFiles.itemsIn), job.encodedItems);
    if (job.outputFiles.length) writeFileSync(join(tmpDir, JobFiles.outputGlobs), job.outputFiles.join('\n') + '\n');
    for (const f of job.inputFiles) {
      mkdirSync(dirname(join(tmpDir, f.rel)), { recursive: true });
      copyFileSync(f.abs, join(tmpDir, f.rel));
    }
    const { spec: scriptSpec, text } = renderJobScript(session, id, {
      fit: p.fit, headerExtra: p.headerExtra, envHeaderExtra: p.envHeaderExtra, runnerFileName: p.runner.fileName,
      envVars: job.envVars, secretEnvNames: job.secretEnv.map((e) => e.name), preCmds: job.preCmds, postCmds: job.postCmds,
    });
    writeFileSync(join(tmpDir, session.scheduler.scriptName), text, { mode: 0o700 });
    const claimed = ctx.store.claim(
      {
        id,
        cacheKey: job.cacheKey,
        name,
        system: session.system.name,
        stageDir: finalDir,
        runDir: jobDirOnSystem,
        outputDir: job.cwd,
        envHash: job.envHash,
        details: {
          mode: job.mode,
          exportName: job.bundle.exportName,
          codeFile: job.bundle.fileName,
          resources: p.resources,
          fit: { partition: p.fit.partition.name, numNodes: p.fit.numNodes, numCores: p.fit.numCores, numCoresPerNode: p.fit.numCoresPerNode, maxTimeS: p.fit.maxTimeS, ...(p.fit.memPerNodeKb ? { memPerNodeKb: p.fit.memPerNodeKb } : {}) },
          startHash: p.startHash,
          outputFiles: job.outputFiles,
          envVars: job.envVars,
          ...(job.secretEnv.length ? { secretEnvVars: job.secretEnv.map((e) => e.name) } : {}),
          preCmds: job.preCmds,
          postCmds: job.postCmds,
          itemCount: job.itemCount,
          batchSize: job.batchSize,
          scriptName: session.scheduler.scriptName,
          submitArgv: session.scheduler.submitArgv(scriptSpec),
        },
      },
      () => renameSync(tmpDir, finalDir),
      job.itemKeys,
    );
    if (claimed.attached) rmSync(tmpDir, { recursive: true, force: true });
    return { row: claimed.row, attached: claimed.attached, differences: claimed.attached ? differences(claimed.row, job, p.startHash) : [] };
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

/** Hash of where and how jobs are started (system, resources, header_extra, fit options), kept in each job's details. */
export function startHashOf(systemName: string, opts: StartOptions): string {
  return canonicalHash({ system: systemName, resources: opts.resources, headerExtra: opts.headerExtra ?? [], exactFit: opts.exactFit ?? true, partialNode: opts.partialNode ?? false });
}

/** What of a job's settings that is not in its cache key (env vars, commands, output files, system/resources) differs from `job`. */
export function differences(row: JobRow, job: PreparedJob, startHash: string): string[] {
  const out: string[] = [];
  const d = row.details;
  if (row.envHash !== job.envHash) {
    if (canonicalHash(d.envVars ?? []) !== canonicalHash(job.envVars)) out.push('env_vars');
    if (canonicalHash(d.preCmds ?? []) !== canonicalHash(job.preCmds)) out.push('pre_cmds');
    if (canonicalHash(d.postCmds ?? []) !== canonicalHash(job.postCmds)) out.push('post_cmds');
    if (canonicalHash(d.outputFiles ?? []) !== canonicalHash(job.outputFiles)) out.push('output_files');
  }
  if (d.startHash !== startHash) out.push('system/resources/header_extra');
  return out;
}

// Secret env vars (JobDefinition.secretEnvVars) travel only on the stdin of one command that writes them into each
// job dir on the system (mode 0600, before staging and submitting); the job script reads that file and removes it
// before the op runs. Nothing of them is written on this side (store, stage dir, script, logs).

async function sendSecretEnv(session: SystemSession, rows: readonly JobRow[], jobs: readonly PreparedJob[]): Promise<void> {
  const lines = rows.flatMap((r) => {
    const vars: readonly EnvVar[] = jobs.find((j) => j.cacheKey === r.cacheKey)?.secretEnv ?? [];
    if (vars.length === 0) return [];
    const text = vars.map((e) => `export ${e.name}=${quote(e.value)}\n`).join('');
    return [`${shellCall('xpr_write_secret_env', r.runDir, text)} || exit 1`];
  });
  if (lines.length === 0) return;
  const res = await session.transport.exec(['bash', '-c', shellOneLiner('stdin-program')], { stdin: shellProgram(['secret-env'], lines), idempotent: true });
  if (res.code !== 0) throw new SystemCommandError(session, 'send secret env vars', res);
}

// With XPR_TIMING=1, log how long each step of `label` took (like ExPyRe's EXPYRE_TIMING_VERBOSE).
function timingTrace(ctx: XprContext, label: string): (what: string) => void {
  if (ctx.env.XPR_TIMING !== '1') return () => undefined;
  let last = performance.now();
  return (what) => {
    const now = performance.now();
    ctx.logger.info(`timing: ${label}: ${what} +${((now - last) / 1000).toFixed(3)} s`);
    last = now;
  };
}

