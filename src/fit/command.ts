// Command jobs: run programs (argv, never a shell string) as ordinary xpr jobs — same store, cache key (command +
// input file contents), batching and states as op jobs — with input files mapped in and output files mapped back.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, relative, isAbsolute } from 'node:path';
import { globSync } from 'tinyglobby';
import { prepareJob, startJobs, resolveInputFiles, outcomeOf, defaultContext, type XprContext, type StartOptions, type WaitOptions, type PreparedJob, type StartedJob } from '../job/index.ts';
import type { JobRow } from '../store/index.ts';
import { runCommandSteps, type CommandOpSpec, type CommandOpResult, type CommandStep } from './command-op.ts';
import { CommandJobError, FitOptionError } from './errors.ts';

export type { CommandStep, ProgramSource, CommandOpResult } from './command-op.ts';

/** A local file staged into the job dir under `remote` (a relative path there). */
export interface CommandInput {
  local: string;
  remote: string;
}

/** A file (or glob) the command writes, relative to its run dir, brought back to `local`. */
export interface CommandOutput {
  /** A relative path, or a glob (`*`, `?`, `**`) relative to the run dir. */
  remote: string;
  /** For a plain path: the local file. For a glob: the local directory the matches go to (keeping relative paths). */
  local: string;
  /** A missing file / a glob matching nothing is not an error. @default false */
  optional?: boolean;
}

export interface CommandJobDefinition {
  /** One program as argv (`[program, ...args]`); or give `steps`. */
  argv?: string[];
  /** Programs run one after another in the same run dir; the job fails at the first that fails. */
  steps?: CommandStep[];
  /** Job name (scheduler and `xpr ls`). @default the program's base name */
  name?: string;
  inputs?: CommandInput[];
  /** Globs relative to `cwd` staged keeping their relative place (as RemoteInfo.input_files); contents are hashed. */
  inputGlobs?: string[];
  outputs?: CommandOutput[];
  /** Exported in the job before the command: `{NAME: value}` or `["NAME=value"]`; `${VAR}` expands on the node. */
  envVars?: Record<string, string> | string[];
  /** Names of envVars entries that are secret: sent to the job, never stored or logged (JobDefinition.secretEnvVars). */
  secretEnvVars?: string[];
  preCmds?: string[];
  postCmds?: string[];
  /** Relative local paths start here. @default the context's cwd */
  cwd?: string;
}

export interface CommandResult {
  jobId: string | null;
  /** The job already existed (same command and input contents) and was reused. */
  attached: boolean;
  steps: CommandOpResult['steps'];
  /** Local paths of the output files delivered. */
  files: string[];
  /** Directory holding everything the job brought back (the job's local stage dir); null for a local run. */
  jobDir: string | null;
}

export interface RunCommandsOptions extends StartOptions, WaitOptions {
  context?: XprContext;
  /** Resubmit (once, with the current resources) a job that died without a result instead of reporting it. @default false */
  resubmitDied?: boolean;
}

export type RunCommandOptions = CommandJobDefinition & RunCommandsOptions;

interface Planned {
  def: CommandJobDefinition;
  cwd: string;
  spec: CommandOpSpec;
  outputs: CommandOutput[];
}

// The fields of a command job definition and of the run options: listing every key of each type (the type checker
// insists) lets runCommand pass every option through and refuse a key that is neither.
const DEFINITION_KEYS = {
  argv: true, steps: true, name: true, inputs: true, inputGlobs: true, outputs: true, envVars: true, secretEnvVars: true, preCmds: true, postCmds: true, cwd: true,
} satisfies Record<keyof CommandJobDefinition, true>;
const OPTION_KEYS = {
  system: true, resources: true, headerExtra: true, exactFit: true, partialNode: true, arrays: true,
  timeoutS: true, checkIntervalS: true, signal: true, onPoll: true, context: true, resubmitDied: true,
} satisfies Record<keyof RunCommandsOptions, true>;

// Split runCommand's one object into the job definition and the run options; an unknown key is an error naming it.
export function splitCommandOptions(opts: RunCommandOptions): { def: CommandJobDefinition; options: RunCommandsOptions } {
  if (opts === null || typeof opts !== 'object') throw new FitOptionError('runCommand', `expected an options object, got ${opts === null ? 'null' : typeof opts}`);
  const def: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (Object.hasOwn(DEFINITION_KEYS, key)) def[key] = value;
    else if (Object.hasOwn(OPTION_KEYS, key)) options[key] = value;
    else {
      const known = [...Object.keys(DEFINITION_KEYS), ...Object.keys(OPTION_KEYS)].join(', ');
      throw new FitOptionError(key, `unknown runCommand option; expected one of ${known}`);
    }
  }
  return { def: def as unknown as CommandJobDefinition, options: options as unknown as RunCommandsOptions };
}

// Run one command as a job on a system and deliver its outputs; reuses a finished or running job with the same key.
export async function runCommand(opts: RunCommandOptions): Promise<CommandResult> {
  const { def, options } = splitCommandOptions(opts);
  const [r] = await runCommands([def], options);
  return r!;
}

// Run several commands as jobs started in ONE batch (one transfer, one submit command) and wait for all of them.
// Every job's outputs that succeeded are delivered; then the failures (if any) are thrown together.
export async function runCommands(defs: readonly CommandJobDefinition[], opts: RunCommandsOptions): Promise<CommandResult[]> {
  const ctx = opts.context ?? defaultContext();
  const planned = defs.map((d) => plan(d, ctx.cwd));
  const prepared: PreparedJob[] = [];
  for (const p of planned) prepared.push(await prepareJob(await jobDefinition(p, ctx)));
  let { started, rows } = await startAndWait(ctx, prepared, opts);
  // A died job (walltime, OOM) would be reattached by every rerun: with resubmitDied it is retired and run again once.
  const died = started.map((s, i) => (rows.get(s.row.id)!.state === 'died' ? i : -1)).filter((i) => i >= 0);
  if (opts.resubmitDied && died.length) {
    for (const i of died) {
      const row = rows.get(started[i]!.row.id)!;
      ctx.logger.warn(`command job ${row.id} died (${row.reason ?? 'unknown'}); resubmitting it with the current resources`);
      ctx.store.transition(row.id, 'processed', { reason: `died: ${row.reason ?? 'unknown'}` });
    }
    const again = await startAndWait(ctx, died.map((i) => prepared[i]!), opts);
    died.forEach((i, k) => (started[i] = again.started[k]!));
    rows = new Map([...rows, ...again.rows]);
  }
  const results: CommandResult[] = [];
  const failures: Array<{ index: number; error: Error }> = [];
  started.forEach((s, i) => {
    const row = rows.get(s.row.id)!;
    try {
      const value = outcomeOf(row) as CommandOpResult;
      const files = deliverOutputs(row.stageDir, planned[i]!.outputs, planned[i]!.cwd);
      dropExchangeDir(ctx, row);
      results.push({ jobId: row.id, attached: s.attached, steps: value.steps, files, jobDir: row.stageDir });
    } catch (error) {
      failures.push({ index: i, error: error as Error });
    }
  });
  if (failures.length) throw new CommandJobError(failures.map((f) => ({ name: planned[f.index]!.def.name ?? programName(planned[f.index]!.spec), error: f.error })));
  return results;
}

async function startAndWait(ctx: XprContext, prepared: PreparedJob[], opts: RunCommandsOptions): Promise<{ started: StartedJob[]; rows: Map<string, JobRow> }> {
  const started = await startJobs(ctx, prepared, opts);
  for (const s of started) {
    if (s.attached) ctx.logger.info(`command job ${s.row.id}: reusing the existing job (${s.row.state})${s.differences.length ? `; differs now: ${s.differences.join(', ')}` : ''}`);
  }
  const bySystem = new Map<string, string[]>();
  for (const s of started) bySystem.set(s.row.system, [...(bySystem.get(s.row.system) ?? []), s.row.id]);
  const rows = new Map<string, JobRow>();
  await Promise.all([...bySystem].map(async ([sys, ids]) => {
    const poller = await ctx.poller(sys);
    for (const r of await poller.wait(ids, opts)) rows.set(r.id, r);
  }));
  return { started, rows };
}

// Run a command here, without a job: in a fresh temp dir holding the inputs, outputs delivered, the dir removed.
export async function runCommandLocally(def: CommandJobDefinition, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  const p = plan(def, opts.cwd ?? process.cwd());
  const dir = mkdtempSync(join(tmpdir(), 'xpr-command-'));
  try {
    const globbed = (await resolveInputFiles(def.inputGlobs ?? [], p.cwd)).map((f) => ({ local: f.abs, remote: f.rel }));
    for (const input of [...(def.inputs ?? []), ...globbed]) {
      const to = join(dir, input.remote);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(resolve(p.cwd, input.local), to);
    }
    const value = await runCommandSteps(p.spec, dir, opts.env ?? process.env);
    const files = deliverOutputs(dir, p.outputs, p.cwd);
    return { jobId: null, attached: false, steps: value.steps, files, jobDir: null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function plan(def: CommandJobDefinition, ctxCwd: string): Planned {
  if (def === null || typeof def !== 'object') throw new FitOptionError('command', `expected a command definition object, got ${typeof def}`);
  const cwd = resolve(ctxCwd, def.cwd ?? '.');
  if (def.argv !== undefined && def.steps !== undefined) throw new FitOptionError('argv', 'give argv or steps, not both');
  const steps = def.steps ?? (def.argv !== undefined ? [{ argv: def.argv }] : []);
  if (!Array.isArray(steps) || steps.length === 0) throw new FitOptionError('argv', 'expected a non-empty argv list [program, ...args] (or steps)');
  steps.forEach((s, k) => {
    const where = def.steps ? `steps[${k}].argv` : 'argv';
    if (!Array.isArray(s.argv) || s.argv.some((a) => typeof a !== 'string')) throw new FitOptionError(where, `expected a list of strings, got ${JSON.stringify(s.argv)}`);
    if (!s.program && (s.argv.length === 0 || s.argv[0] === '')) throw new FitOptionError(where, 'the first element must name the program');
    for (const f of [s.stdout, s.stderr]) if (f !== undefined) relativeInside(f, `${where.replace(/\.argv$/, '')}.stdout/stderr`);
  });
  const outputs = (def.outputs ?? []).map((o, k) => {
    if (!o || typeof o.remote !== 'string' || typeof o.local !== 'string') throw new FitOptionError(`outputs[${k}]`, `expected { remote, local }, got ${JSON.stringify(o)}`);
    relativeInside(o.remote, `outputs[${k}].remote`);
    return { ...o };
  });
  (def.inputs ?? []).forEach((i, k) => {
    if (!i || typeof i.local !== 'string' || typeof i.remote !== 'string') throw new FitOptionError(`inputs[${k}]`, `expected { local, remote }, got ${JSON.stringify(i)}`);
    relativeInside(i.remote, `inputs[${k}].remote`);
  });
  const spec: CommandOpSpec = {
    steps: steps.map((s) => structuredClone(s)),
    requiredOutputs: outputs.filter((o) => !o.optional).map((o) => o.remote),
  };
  return { def, cwd, spec, outputs };
}

function relativeInside(path: string, where: string): void {
  if (path === '' || isAbsolute(path) || path.split(/[\\/]/).includes('..')) {
    throw new FitOptionError(where, `expected a relative path inside the run dir, got ${JSON.stringify(path)}`);
  }
}

function programName(spec: CommandOpSpec): string {
  const s = spec.steps[0]!;
  if (s.program) return s.program.env.toLowerCase();
  return (s.argv[0] ?? 'command').split('/').at(-1)!;
}

// The job definition: the command op with the spec as its one argument. Output files the poller copies on success
// go to a private exchange dir (removed once delivered), never into the caller's cwd.
async function jobDefinition(p: Planned, ctx: XprContext) {
  // Globs are expanded here, against the caller's cwd: the job's own cwd is the exchange dir.
  const globbed = (await resolveInputFiles(p.def.inputGlobs ?? [], p.cwd)).map((f) => ({ local: f.abs, remote: f.rel }));
  return {
    op: runCommandSteps,
    args: [p.spec],
    name: p.def.name ?? programName(p.spec),
    inputFiles: [...(p.def.inputs ?? []).map((i) => ({ local: resolve(p.cwd, i.local), remote: i.remote })), ...globbed],
    // each glob once: a file listed twice would be fetched twice (tar stores the repeat as a hard link)
    outputFiles: [...new Set(p.outputs.map((o) => o.remote))],
    envVars: p.def.envVars,
    secretEnvVars: p.def.secretEnvVars,
    preCmds: p.def.preCmds,
    postCmds: p.def.postCmds,
    cwd: join(exchangeBase(ctx), randomUUID()),
  };
}

function exchangeBase(ctx: XprContext): string {
  return join(ctx.config.projectRoot, 'xpr-stage', '_command-out');
}

function dropExchangeDir(ctx: XprContext, row: JobRow): void {
  const rel = relative(exchangeBase(ctx), row.outputDir);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) rmSync(row.outputDir, { recursive: true, force: true });
}

const MAGIC = /[*?[\]{}]/;

// Copy the mapped outputs from `fromDir` to their local places (each written to a temp name, then renamed).
export function deliverOutputs(fromDir: string, outputs: readonly CommandOutput[], cwd: string): string[] {
  const delivered: string[] = [];
  for (const o of outputs) {
    const dest = resolve(cwd, o.local);
    if (MAGIC.test(o.remote)) {
      const hits = globSync(o.remote, { cwd: fromDir, onlyFiles: true, dot: true });
      if (hits.length === 0 && !o.optional) throw new FitOptionError('outputs', `no file matching ${JSON.stringify(o.remote)} came back (in ${fromDir})`);
      for (const rel of hits.sort()) delivered.push(place(join(fromDir, rel), join(dest, rel)));
    } else {
      const src = join(fromDir, o.remote);
      if (!existsSync(src)) {
        if (o.optional) continue;
        throw new FitOptionError('outputs', `the output file ${JSON.stringify(o.remote)} did not come back (looked in ${fromDir})`);
      }
      delivered.push(place(src, dest));
    }
  }
  return delivered;
}

function place(src: string, dest: string): string {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  copyFileSync(src, tmp);
  renameSync(tmp, dest);
  return dest;
}
