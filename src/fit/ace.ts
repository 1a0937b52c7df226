// ACE fit as a command job: writes the ACE1pack parameters file, runs the fit command (argument, WFL_ACE_FIT_COMMAND,
// or ACE1pack's ace_fit.jl via WFL_JULIA_COMMAND) and brings back the ACE JSON, or with dryRun the matrix shape.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { defaultContext, type XprContext } from '../job/index.ts';
import type { CommandStep } from './command.ts';
import { routeFit, fitCallerStack, type FitRoutingOptions } from './routing.ts';
import { runFitJobs } from './run-fit.ts';
import { FitOptionError, FitOutputError } from './errors.ts';

export interface AceFitOptions extends FitRoutingOptions {
  /** Local path of the fitted potential. The params file, logs and .size go beside it. @default ACE.json */
  aceFile?: string;
  /** The ACE fit program as argv (or a string split at spaces). @default WFL_ACE_FIT_COMMAND where the fit runs,
   *  else `<julia> <ACE1pack>/scripts/ace_fit.jl` with julia from WFL_JULIA_COMMAND (default julia) */
  aceFitCommand?: string | string[];
  /** Only size the problem: returns [rows, cols] of the least-squares matrix. @default false */
  dryRun?: boolean;
  /** Return at once if the result (JSON, or .size for dryRun) exists and parses. @default false */
  skipIfPresent?: boolean;
  context?: XprContext;
}

const TRAINING = 'fitting_database.extxyz';

/** ACE1pack fit parameters (its YAML/JSON schema); `data.fname` and `ACE_fname` are set by the fit. */
export type AceFitParams = Record<string, unknown> & { data?: Record<string, unknown> };

// Fit an ACE potential on `trainingFile`. Returns the ACE JSON's absolute local path, or [rows, cols] with dryRun.
export function aceFit(trainingFile: string, params: AceFitParams, opts: AceFitOptions & { dryRun: true }): Promise<[number, number]>;
export function aceFit(trainingFile: string, params: AceFitParams, opts?: AceFitOptions & { dryRun?: false }): Promise<string>;
export function aceFit(trainingFile: string, params: AceFitParams, opts: AceFitOptions = {}): Promise<string | [number, number]> {
  const stack = fitCallerStack();
  return (async () => {
    const ctx = opts.context ?? defaultContext();
    if (typeof trainingFile !== 'string' || trainingFile === '') throw new FitOptionError('trainingFile', 'expected the path of an extxyz file');
    if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new FitOptionError('params', 'expected an object of ACE1pack fit parameters');
    if (params.data !== undefined && (params.data === null || typeof params.data !== 'object' || Array.isArray(params.data))) {
      throw new FitOptionError('params.data', 'expected an object');
    }
    if ('ACE_fname' in params) throw new FitOptionError('params.ACE_fname', 'is set by the fit (from aceFile); leave it out');
    const aceFile = resolve(ctx.cwd, opts.aceFile ?? 'ACE.json');
    if (extname(aceFile) !== '.json') throw new FitOptionError('aceFile', `expected a path ending in .json, got ${JSON.stringify(aceFile)}`);
    const dir = dirname(aceFile);
    const stem = basename(aceFile, '.json');
    const sizeFile = resolve(dir, `${stem}.size`);
    const dry = opts.dryRun === true;
    if (opts.skipIfPresent) {
      const done = dry ? readShape(sizeFile, false) : readJson(aceFile, false) !== undefined ? aceFile : undefined;
      if (done !== undefined) {
        ctx.logger.info(`aceFit: ${dry ? sizeFile : aceFile} exists; skipping the fit`);
        return done;
      }
    }
    // The params file: JSON text, which is also YAML (ACE1pack reads YAML). Written beside the result (as wfl).
    const paramsName = `fit_params_${stem}.yaml`;
    const use = { ...structuredClone(params), data: { ...(structuredClone(params.data) ?? {}), fname: TRAINING }, ACE_fname: `${stem}.json` };
    const paramsFile = resolve(dir, paramsName);
    mkdirSync(dir, { recursive: true });
    const tmp = `${paramsFile}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(use, null, 2) + '\n');
    renameSync(tmp, paramsFile);

    const route = routeFit(ctx, ['ace'], opts, stack);
    ctx.logger.info(route.reason);
    const step: CommandStep = {
      ...aceProgram(opts.aceFitCommand),
      envFrom: { JULIA_NUM_THREADS: 'WFL_ACE_FIT_JULIA_THREADS' },
      envArgs: [{ env: 'WFL_ACE_FIT_BLAS_THREADS', args: ['--num-blas-threads', '{}'] }],
      stdout: `${stem}.stdout`,
      stderr: `${stem}.stderr`,
    };
    step.argv = [...step.argv, '--params', paramsName, ...(dry ? ['--dry-run'] : [])];
    await runFitJobs({
      ctx,
      info: route.info,
      defs: [{
        name: stem,
        steps: [step],
        inputs: [{ local: resolve(ctx.cwd, trainingFile), remote: TRAINING }, { local: paramsFile, remote: paramsName }],
        outputs: [
          dry ? { remote: `${stem}.size`, local: sizeFile } : { remote: `${stem}.json`, local: aceFile },
          { remote: `${stem}.stdout`, local: resolve(dir, `${stem}.stdout`), optional: true },
          { remote: `${stem}.stderr`, local: resolve(dir, `${stem}.stderr`), optional: true },
        ],
      }],
    });
    if (dry) return readShape(sizeFile, true)!;
    readJson(aceFile, true);
    return aceFile;
  })();
}

function aceProgram(command: string | string[] | undefined): CommandStep {
  if (command === undefined) return { argv: [], program: { env: 'WFL_ACE_FIT_COMMAND', ace1pack: { juliaEnv: 'WFL_JULIA_COMMAND' } } };
  const argv = typeof command === 'string' ? command.trim().split(/\s+/) : [...command];
  if (argv.length === 0 || argv.some((a) => typeof a !== 'string' || a === '')) throw new FitOptionError('aceFitCommand', `expected a program (argv list or string), got ${JSON.stringify(command)}`);
  return { argv };
}

function readJson(path: string, required: boolean): unknown {
  if (!existsSync(path)) {
    if (required) throw new FitOutputError(path, 'the fit wrote no file');
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if (required) throw new FitOutputError(path, `not valid JSON (${(error as Error).message})`);
    return undefined;
  }
}

function readShape(path: string, required: boolean): [number, number] | undefined {
  const value = readJson(path, required) as { lsq_matrix_shape?: unknown } | undefined;
  const shape = value?.lsq_matrix_shape;
  if (Array.isArray(shape) && shape.length === 2 && shape.every((n) => Number.isInteger(n) && n >= 0)) return [shape[0], shape[1]];
  if (required) throw new FitOutputError(path, `expected {"lsq_matrix_shape": [rows, cols]}, got ${JSON.stringify(value)}`);
  return undefined;
}
