// GAP fits as command jobs: simple, multistage (one job, or a job per stage) and committees submitted together;
// each brings back the potential XML and every file it references under the requested name.
import { basename, dirname, extname, resolve } from 'node:path';
import { defaultContext, type XprContext } from '../job/index.ts';
import type { CommandJobDefinition, CommandInput, CommandStep } from './command.ts';
import { gapFitArgs, type GapFitParams } from './gap-params.ts';
import { checkGapXml, gapXmlComplete } from './gap-xml.ts';
import { routeFit, fitCallerStack, type FitRoutingOptions, type FitKind } from './routing.ts';
import { runFitJobs } from './run-fit.ts';
import { FitOptionError } from './errors.ts';
import type { StackFrame } from '../routing/stack.ts';
import type { RemoteInfo } from '../routing/remote-info.ts';

export interface GapFitOptions extends FitRoutingOptions {
  /** The gap_fit program as argv (or one string split at spaces). @default WFL_GAP_FIT_COMMAND where the fit runs, else gap_fit */
  gapFitCommand?: string | string[];
  /** Return at once if the potential (and every file it references) already exists. @default false */
  skipIfPresent?: boolean;
  context?: XprContext;
}

export interface GapSimpleFitOptions extends GapFitOptions {
  /** Local path of gap_fit's output log. @default `<potential>.stdout` */
  stdoutFile?: string;
}

const TRAINING = 'fitting_configs.xyz';
const NODE_ENV = { WFL_GAP_FIT_OMP_NUM_THREADS: '${EXPYRE_NUM_CORES_PER_NODE}' };

/** One gap_fit run, as planned: where its potential goes and the command job that makes it. */
interface PlannedFit {
  xml: string;
  def: CommandJobDefinition;
}

// Fit a GAP with gap_fit on `trainingFile` (extxyz). `params.gap_file` is the potential's local path (default
// GAP.xml, relative to the context's cwd). Returns the potential's absolute local path.
export function gapSimpleFit(trainingFile: string, params: GapFitParams, opts: GapSimpleFitOptions = {}): Promise<string> {
  const stack = fitCallerStack();
  return simpleFit(trainingFile, params, opts, ['gapSimple'], stack);
}

async function simpleFit(trainingFile: string, params: GapFitParams, opts: GapSimpleFitOptions, kinds: FitKind[], stack: StackFrame[]): Promise<string> {
  const ctx = opts.context ?? defaultContext();
  const xml = resolve(ctx.cwd, String(params?.gap_file ?? 'GAP.xml'));
  const planned = planFit(ctx, trainingFile, params, xml, opts, [], opts.stdoutFile);
  if (opts.skipIfPresent && gapXmlComplete(xml)) {
    ctx.logger.info(`gapSimpleFit: ${xml} and the files it references exist; skipping the fit`);
    return xml;
  }
  const route = routeFit(ctx, kinds, opts, stack);
  ctx.logger.info(route.reason);
  await runFitJobs({ ctx, info: route.info, defs: [planned.def], nodeEnvDefaults: NODE_ENV });
  checkGapXml(xml);
  return xml;
}

// The command job of one gap_fit run: training file and `carry` files staged, XML + referenced files + log back.
function planFit(
  ctx: XprContext, trainingFile: string, params: GapFitParams, xml: string, opts: GapFitOptions, carry: CommandInput[], stdoutFile?: string, name?: string,
): PlannedFit {
  if (typeof trainingFile !== 'string' || trainingFile === '') throw new FitOptionError('trainingFile', 'expected the path of an extxyz file');
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new FitOptionError('params', 'expected an object of gap_fit parameters');
  for (const k of ['at_file', 'atoms_filename']) {
    if (k in params) throw new FitOptionError(`params.${k}`, 'is set by the fit (from trainingFile); leave it out');
  }
  if (extname(xml) !== '.xml') throw new FitOptionError('params.gap_file', `expected a path ending in .xml, got ${JSON.stringify(xml)}`);
  const base = basename(xml);
  const use: GapFitParams = { ...params, at_file: TRAINING, gap_file: base };
  // In the run dir the log's name never matches `<base>.*` (a file matched twice would be fetched twice).
  const log = `_gap_fit.${base}.stdout`;
  const step: CommandStep = { ...gapProgram(opts.gapFitCommand), envFrom: { OMP_NUM_THREADS: 'WFL_GAP_FIT_OMP_NUM_THREADS' }, stdout: log };
  step.argv = [...step.argv, ...gapFitArgs(use)];
  return {
    xml,
    def: {
      name: name ?? base.replace(/\.xml$/, ''),
      steps: [step],
      inputs: [{ local: resolve(ctx.cwd, trainingFile), remote: TRAINING }, ...carry],
      outputs: [
        // referenced files first, the XML last: an XML on disk means its sparse files are already there
        { remote: `${base}.*`, local: dirname(xml), optional: true },
        { remote: base, local: xml },
        { remote: log, local: resolve(ctx.cwd, stdoutFile ?? `${xml}.stdout`), optional: true },
      ],
    },
  };
}

function gapProgram(command: string | string[] | undefined): CommandStep {
  if (command === undefined) return { argv: [], program: { env: 'WFL_GAP_FIT_COMMAND', fallback: ['gap_fit'] } };
  const argv = typeof command === 'string' ? command.trim().split(/\s+/) : [...command];
  if (argv.length === 0 || argv.some((a) => typeof a !== 'string' || a === '')) throw new FitOptionError('gapFitCommand', `expected a program (argv list or string), got ${JSON.stringify(command)}`);
  return { argv };
}

export interface GapMultistageOptions extends GapFitOptions {
  /** Local path of the final potential. Earlier stages go beside it as `<stem>.stage_<i>.xml`. @default GAP.xml */
  gapFile?: string;
  /** Committee members: extra fits of the last stage's parameters, each with its own `rnd_seed`. @default 0 */
  numCommittee?: number;
  /** Seeds of the committee members. @default 1, 2, ... numCommittee */
  committeeSeeds?: number[];
}

export interface GapMultistageResult {
  gapFile: string;
  stageFiles: string[];
  committeeFiles: string[];
}

// Fit a GAP in ordered stages, each a gap_fit run with its own parameters (a later stage may name an earlier stage's
// potential, e.g. core_param_file: "GAP.stage_0.xml": earlier stage outputs are present where it runs). A
// WFL_EXPYRE_INFO key matching gapMultistageFit (or WFL_GAP_MULTISTAGE_FIT_REMOTEINFO) runs all stages as ONE job;
// otherwise each stage is routed like gapSimpleFit (its own job if the simple-fit routing matches). Committee members
// are submitted together, as concurrent jobs.
export function gapMultistageFit(trainingFile: string, stages: GapFitParams[], opts: GapMultistageOptions = {}): Promise<GapMultistageResult> {
  const stack = fitCallerStack();
  return multistage(trainingFile, stages, opts, stack);
}

async function multistage(trainingFile: string, stages: GapFitParams[], opts: GapMultistageOptions, stack: StackFrame[]): Promise<GapMultistageResult> {
  const ctx = opts.context ?? defaultContext();
  if (!Array.isArray(stages) || stages.length === 0) throw new FitOptionError('stages', 'expected a non-empty list of gap_fit parameter objects');
  stages.forEach((s, i) => {
    if (s && typeof s === 'object' && 'gap_file' in s) throw new FitOptionError(`stages[${i}].gap_file`, 'is set by the fit (from gapFile); leave it out');
  });
  const gapFile = resolve(ctx.cwd, opts.gapFile ?? 'GAP.xml');
  const stem = gapFile.replace(/\.xml$/, '');
  const stageFiles = stages.map((_, i) => (i === stages.length - 1 ? gapFile : `${stem}.stage_${i}.xml`));
  const seeds = committeeSeeds(opts);
  const committeeFiles = seeds.map((_, i) => `${stem}.committee_${i}.xml`);
  if (opts.skipIfPresent && [gapFile, ...committeeFiles].every(gapXmlComplete)) {
    ctx.logger.info(`gapMultistageFit: ${gapFile} and its committee exist; skipping the fit`);
    return { gapFile, stageFiles, committeeFiles };
  }
  const whole = routeFit(ctx, ['gapMultistage'], opts, stack);
  ctx.logger.info(whole.reason);
  const stageOpts: GapFitOptions = { ...opts, remoteInfo: opts.remoteInfo === 'local' ? 'local' : undefined };
  let carry: CommandInput[] = [];
  if (whole.info) {
    // All stages as one job: the steps run in order in one run dir, so later stages see earlier potentials.
    const planned = stages.map((s, i) => planFit(ctx, trainingFile, s, stageFiles[i]!, opts, []));
    const def: CommandJobDefinition = {
      name: basename(stem),
      steps: planned.flatMap((p) => p.def.steps!),
      inputs: planned[0]!.def.inputs,
      outputs: planned.flatMap((p) => p.def.outputs!),
    };
    await runFitJobs({ ctx, info: whole.info, defs: [def], nodeEnvDefaults: NODE_ENV });
    for (const f of stageFiles) carry.push(...carried(f));
  } else {
    for (let i = 0; i < stages.length; i++) {
      const route = routeFit(ctx, ['gapMultistage', 'gapSimple'], stageOpts, stack);
      ctx.logger.info(`stage ${i}: ${route.reason}`);
      const p = planFit(ctx, trainingFile, stages[i]!, stageFiles[i]!, opts, carry, undefined, `${basename(stem)}_stage_${i}`);
      await runFitJobs({ ctx, info: route.info, defs: [p.def], nodeEnvDefaults: NODE_ENV });
      carry = [...carry, ...carried(stageFiles[i]!)];
    }
  }
  if (seeds.length) {
    const route = routeFit(ctx, ['gapMultistage', 'gapSimple'], stageOpts, stack);
    const info: RemoteInfo | null = route.info ?? whole.info;
    const last = stages[stages.length - 1]!;
    const earlier = carry.filter((c) => !carried(gapFile).some((g) => g.remote === c.remote));
    await committee(ctx, trainingFile, last, seeds, committeeFiles, opts, earlier, info);
  }
  return { gapFile, stageFiles, committeeFiles };
}

// A finished potential and the files it references, as inputs of a later job (same names as beside the XML).
function carried(xml: string): CommandInput[] {
  return [xml, ...checkGapXml(xml)].map((f) => ({ local: f, remote: basename(f) }));
}

function committeeSeeds(opts: { numCommittee?: number; committeeSeeds?: number[] }): number[] {
  const n = opts.numCommittee ?? opts.committeeSeeds?.length ?? 0;
  if (!Number.isInteger(n) || n < 0) throw new FitOptionError('numCommittee', `expected a non-negative integer, got ${JSON.stringify(opts.numCommittee)}`);
  const seeds = opts.committeeSeeds ?? Array.from({ length: n }, (_, i) => i + 1);
  if (seeds.length !== n || seeds.some((s) => !Number.isInteger(s))) throw new FitOptionError('committeeSeeds', `expected ${n} integer seeds, got ${JSON.stringify(opts.committeeSeeds)}`);
  if (new Set(seeds).size !== seeds.length) throw new FitOptionError('committeeSeeds', `seeds must differ, got ${JSON.stringify(seeds)}`);
  return seeds;
}

export interface GapCommitteeOptions extends GapFitOptions {
  /** Number of members. @default committeeSeeds.length */
  numCommittee?: number;
  /** One rnd_seed per member. @default 1, 2, ... */
  committeeSeeds?: number[];
}

// Fit N GAPs that differ only in rnd_seed; with routing they are N jobs submitted at once and run concurrently.
// Member i goes to `<stem>.committee_<i>.xml` (stem of params.gap_file, default GAP). Returns their paths.
export function gapCommitteeFit(trainingFile: string, params: GapFitParams, opts: GapCommitteeOptions = {}): Promise<string[]> {
  const stack = fitCallerStack();
  return (async () => {
    const ctx = opts.context ?? defaultContext();
    const seeds = committeeSeeds(opts);
    if (seeds.length === 0) throw new FitOptionError('numCommittee', 'expected at least one member');
    const stem = resolve(ctx.cwd, String(params?.gap_file ?? 'GAP.xml')).replace(/\.xml$/, '');
    const files = seeds.map((_, i) => `${stem}.committee_${i}.xml`);
    if (opts.skipIfPresent && files.every(gapXmlComplete)) return files;
    const route = routeFit(ctx, ['gapSimple'], opts, stack);
    ctx.logger.info(route.reason);
    const { gap_file: _ignored, ...rest } = params;
    await committee(ctx, trainingFile, rest, seeds, files, opts, [], route.info);
    return files;
  })();
}

async function committee(
  ctx: XprContext, trainingFile: string, params: GapFitParams, seeds: number[], files: string[], opts: GapFitOptions, carry: CommandInput[], info: RemoteInfo | null,
): Promise<void> {
  const defs = seeds.map((seed, i) => planFit(ctx, trainingFile, { ...params, gap_file: undefined, rnd_seed: seed }, files[i]!, opts, carry, undefined, `c${i}`).def);
  await runFitJobs({ ctx, info, defs, nodeEnvDefaults: NODE_ENV });
  for (const f of files) checkGapXml(f);
}

export { gapFitCommandLine, gapFitArgs, type GapFitParams, type GapDescriptor, type GapValue } from './gap-params.ts';
