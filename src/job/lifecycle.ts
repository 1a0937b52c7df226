// Starting jobs on a system: validate resources, write each new job's stage dir, claim it in the store (or attach to
// the job already there), then stage all new jobs in one transfer and submit them in one command.
import { mkdirSync, writeFileSync, renameSync, rmSync, copyFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { hostname } from 'node:os';
import { normalizeResources, findPartition } from '../resources/resources.ts';
import type { ResourcesInput, NodeFit } from '../resources/types.ts';
import { bundleRunner, type CodeBundle } from '../bundle/index.ts';
import { localQueueScript } from '../scheduler/index.ts';
import type { JobRow } from '../store/index.ts';
import { JobFiles, RUNNER_SPEC_VERSION, type RunnerSpec } from '../runner/contract.ts';
import { canonicalHash } from '../codec/index.ts';
import { XprError } from '../errors.ts';
import type { XprContext } from './context.ts';
import type { SystemSession } from './session.ts';
import type { PreparedJob } from './spec.ts';
import { makeJobId, sanitizeJobName } from './ids.ts';
import { renderJobBody } from './script.ts';
import { stageJobs, submitJobs } from './system-ops.ts';
import { JobOptionError } from './errors.ts';

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
}

export interface StartedJob {
  row: JobRow;
  /** An existing job with the same cache key was found and reused. */
  attached: boolean;
  /** For an attached job: what differs from what was asked now (env_vars, resources, system...). */
  differences: string[];
}

/** Some jobs could not be submitted. They are recorded as failed; the others went ahead. */
export class JobSubmitError extends XprError {
  override name = 'JobSubmitError';
  constructor(readonly failures: ReadonlyArray<{ jobId: string; message: string }>) {
    super(`Could not submit ${failures.length} job(s):\n${failures.map((f) => `  ${f.jobId}: ${f.message}`).join('\n')}`);
  }
}

// Who holds a job's submission lease: this process on this host, since when (ms).
function ownerName(): string {
  return `${hostname()}:${process.pid}:${Date.now()}`;
}

// A lease is held only while one batch is staged and submitted (seconds, or minutes for large input files over a slow
// link): one older than this belongs to a driver that crashed, possibly on another login node.
const LEASE_STALE_MS = 2 * 3600_000;

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
  const envHeaderExtra = parseEnvHeaderExtra(ctx.env.EXPYRE_HEADER_EXTRA);
  const [session, runner] = await Promise.all([ctx.session(system.name), bundleRunner()]);
  lap('session and runner ready');
  const startHash = canonicalHash({ system: system.name, resources: opts.resources, headerExtra, exactFit: opts.exactFit ?? true, partialNode: opts.partialNode ?? false });

  const started: StartedJob[] = [];
  for (const job of jobs) {
    const existing = ctx.store.findReusable(job.cacheKey);
    if (existing) {
      started.push({ row: existing, attached: true, differences: differences(existing, job, startHash) });
      continue;
    }
    started.push(createJob(ctx, session, job, { fit, headerExtra, envHeaderExtra, runner, startHash, resources: opts.resources }));
  }
  writeCodeFiles(session, jobs.map((j) => j.bundle), runner);
  lap('stage dirs written and claimed');

  const owner = ownerName();
  const toSubmit = started.filter(
    (s) => (s.row.state === 'created' || s.row.state === 'staged') && ctx.store.takeOwnership(s.row.id, owner, isStaleOwner),
  );
  const bundles = [...new Set(jobs.map((j) => j.bundle))];
  try {
    // An unsubmitted job found under the same key may belong to another system: it goes ahead where it was made,
    // since its script and run dir were written for that system.
    for (const [sys, rows] of groupBySystem(toSubmit.map((s) => s.row))) {
      const target = sys === system.name ? session : await foreignSession(ctx, sys, rows, system.name);
      if (target !== session) writeCodeFiles(target, bundles, runner);
      await stageAndSubmit(ctx, target, rows, bundles, runner, lap);
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

// Write a new job's stage dir under a temporary name, then claim the cache key and move the dir in place atomically.
function createJob(ctx: XprContext, session: SystemSession, job: PreparedJob, p: CreateParams): StartedJob {
  const name = sanitizeJobName(job.name);
  const id = makeJobId(name, job.cacheKey);
  const finalDir = join(session.localBase, id);
  const tmpDir = join(session.localBase, `.tmp-${id}`);
  const jobDirOnSystem = `${session.base}/${id}`;
  try {
    mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
    const spec: RunnerSpec = {
      version: RUNNER_SPEC_VERSION,
      jobId: id,
      codeFile: `../_code/${job.bundle.fileName}`,
      exportName: job.bundle.exportName,
      mode: job.mode,
      ...(job.mode === 'map' ? { batchSize: job.batchSize } : {}),
    };
    writeFileSync(join(tmpDir, JobFiles.spec), JSON.stringify(spec, null, 1));
    writeFileSync(join(tmpDir, JobFiles.input), job.encodedArgs);
    if (job.encodedItems !== null) writeFileSync(join(tmpDir, JobFiles.itemsIn), job.encodedItems);
    if (job.outputFiles.length) writeFileSync(join(tmpDir, JobFiles.outputGlobs), job.outputFiles.join('\n') + '\n');
    for (const f of job.inputFiles) {
      mkdirSync(dirname(join(tmpDir, f.rel)), { recursive: true });
      copyFileSync(f.abs, join(tmpDir, f.rel));
    }
    const body = renderJobBody({
      jobId: id,
      jobDir: jobDirOnSystem,
      runnerPath: `${session.base}/_code/${p.runner.fileName}`,
      nodeCmd: session.system.nodeCmd,
      fit: p.fit,
      systemCommands: session.system.commands,
      preCmds: job.preCmds,
      postCmds: job.postCmds,
      envVars: job.envVars,
    });
    const scriptSpec = {
      jobId: id,
      system: session.system,
      fit: p.fit,
      headerExtra: p.headerExtra,
      envHeaderExtra: p.envHeaderExtra,
      jobDir: jobDirOnSystem,
      stdoutFile: JobFiles.schedStdout,
      stderrFile: JobFiles.schedStderr,
      body,
    };
    writeFileSync(join(tmpDir, session.scheduler.scriptName), session.scheduler.renderScript(scriptSpec), { mode: 0o700 });
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
          fit: { partition: p.fit.partition.name, numNodes: p.fit.numNodes, numCores: p.fit.numCores, numCoresPerNode: p.fit.numCoresPerNode, maxTimeS: p.fit.maxTimeS },
          startHash: p.startHash,
          outputFiles: job.outputFiles,
          envVars: job.envVars,
          preCmds: job.preCmds,
          postCmds: job.postCmds,
          itemCount: job.itemCount,
          batchSize: job.batchSize,
          scriptName: session.scheduler.scriptName,
          submitArgv: session.scheduler.submitArgv(scriptSpec),
        },
      },
      () => renameSync(tmpDir, finalDir),
    );
    if (claimed.attached) rmSync(tmpDir, { recursive: true, force: true });
    return { row: claimed.row, attached: claimed.attached, differences: claimed.attached ? differences(claimed.row, job, p.startHash) : [] };
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

function differences(row: JobRow, job: PreparedJob, startHash: string): string[] {
  const out: string[] = [];
  const d = row.details as { envVars?: unknown; preCmds?: unknown; postCmds?: unknown; outputFiles?: unknown; startHash?: string };
  if (row.envHash !== job.envHash) {
    if (canonicalHash(d.envVars ?? []) !== canonicalHash(job.envVars)) out.push('env_vars');
    if (canonicalHash(d.preCmds ?? []) !== canonicalHash(job.preCmds)) out.push('pre_cmds');
    if (canonicalHash(d.postCmds ?? []) !== canonicalHash(job.postCmds)) out.push('post_cmds');
    if (canonicalHash(d.outputFiles ?? []) !== canonicalHash(job.outputFiles)) out.push('output_files');
  }
  if (d.startHash !== startHash) out.push('system/resources/header_extra');
  return out;
}

// Put the op bundles, the runner and the local queue script into `<local base>/_code/` (content-addressed: never rewritten).
function writeCodeFiles(session: SystemSession, bundles: readonly CodeBundle[], runner: CodeBundle): void {
  const dir = join(session.localBase, '_code');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const put = (name: string, text: string): void => {
    const path = join(dir, name);
    if (existsSync(path)) return;
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  };
  for (const b of [...bundles, runner]) {
    put(b.fileName, b.code);
    put(`${b.fileName}.map`, b.map);
  }
  const queue = localQueueScript();
  put(queue.fileName, queue.text);
}

function codeFileNames(bundles: readonly CodeBundle[], runner: CodeBundle): string[] {
  return [...bundles, runner].flatMap((b) => [b.fileName, `${b.fileName}.map`]).concat(localQueueScript().fileName);
}

async function stageAndSubmit(
  ctx: XprContext, session: SystemSession, rows: JobRow[], bundles: CodeBundle[], runner: CodeBundle, lap: (what: string) => void,
): Promise<void> {
  if (rows.length === 0) return;
  const name = session.system.name;
  const toStage = rows.filter((r) => r.state === 'created');
  if (toStage.length) {
    // Code files are sent once per system and run dir; the stage command reports any that vanished since, and
    // those are sent again before anything is submitted.
    const place = `${name}:${session.base}`;
    const needed = [...new Set(codeFileNames(bundles, runner))];
    const unsent = needed.filter((f) => !ctx.store.hasStagedCode(place, f));
    const vanished = await stageJobs(session, toStage.map((r) => ({ id: r.id })), unsent, needed);
    if (vanished.length) await stageJobs(session, [], vanished);
    if (!session.sharesFs && unsent.length) ctx.store.markStagedCode(place, unsent);
    for (const r of toStage) ctx.store.transition(r.id, 'staged');
    lap(`${toStage.length} job dir(s) staged`);
  }
  const outcomes = await submitJobs(
    session,
    rows.map((r) => ({ id: r.id, jobDir: r.runDir, argv: r.details.submitArgv as string[] })),
  );
  lap(`${rows.length} job(s) submitted`);
  const failures: Array<{ jobId: string; message: string }> = [];
  for (const r of rows) {
    const o = outcomes.get(r.id);
    if (o?.ok) {
      ctx.store.transition(r.id, 'submitted', { schedulerId: o.schedulerId });
      continue;
    }
    const message = o?.message ?? 'no answer';
    // A lost answer leaves the job staged: the next start replays its recorded scheduler id or submits it then.
    failures.push({ jobId: r.id, message: o?.lost ? `${message}; the job stays staged and is resumed by the next run` : message });
    if (!o?.lost) ctx.store.transition(r.id, 'failed', { reason: `submission failed: ${message}`, force: true });
  }
  if (failures.length) throw new JobSubmitError(failures);
}

function parseEnvHeaderExtra(text: string | undefined): string[] {
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
  return value as string[];
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

// A holder on this host whose process is gone, or any holder whose lease is too old, no longer owns anything.
function isStaleOwner(holder: string): boolean {
  const [host, pid, since] = holder.split(':');
  if (since && Date.now() - Number(since) > LEASE_STALE_MS) return true;
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
