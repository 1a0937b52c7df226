// The op a command job runs on the node (also called directly for local fits): run program steps from argv with
// child_process.spawn (never a shell) in the job dir, then check the declared outputs exist. Node builtins only.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';

/** Where the program of a step comes from when it is not fixed in argv. Resolved where the command runs. */
export type ProgramSource =
  /** `$env` split into words if set and non-blank there, else `fallback`. */
  | { env: string; fallback: string[] }
  /** `$env` if set; else ACE1pack's scripts/ace_fit.jl run by `$juliaEnv` (default `julia`). */
  | { env: string; ace1pack: { juliaEnv: string } };

export interface CommandStep {
  /** Program and arguments, or only the arguments when `program` is given. */
  argv: string[];
  program?: ProgramSource;
  /** Child env: NAME <- the value of SOURCE where the command runs, when SOURCE is set. */
  envFrom?: Record<string, string>;
  /** Arguments appended when an env var is set where the command runs; `{}` in them is replaced by its value. */
  envArgs?: Array<{ env: string; args: string[] }>;
  /** Files (relative to the run dir) receiving the step's stdout / stderr (default: the job's own logs). */
  stdout?: string;
  stderr?: string;
}

export interface CommandOpSpec {
  steps: CommandStep[];
  /** Globs (relative to the run dir) each of which must match at least one file once all steps succeeded. */
  requiredOutputs?: string[];
}

export interface CommandStepResult {
  argv: string[];
  exitCode: number;
  seconds: number;
}

export interface CommandOpResult {
  steps: CommandStepResult[];
  /** Files in the run dir matching the required outputs. */
  outputs: string[];
}

/** A step could not start, exited non-zero, or a required output is missing. */
export class CommandStepError extends Error {
  override name = 'CommandStepError';
  constructor(message: string, readonly argv: string[], readonly exitCode: number | null) {
    super(message);
  }
}

// Run every step in `dir` (the job dir: the runner's cwd), in order; throws CommandStepError at the first failure.
export async function runCommandSteps(spec: CommandOpSpec, dir: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<CommandOpResult> {
  const steps: CommandStepResult[] = [];
  for (const step of spec.steps) {
    const argv = [...(await programOf(step.program, dir, env)), ...step.argv, ...extraArgs(step.envArgs ?? [], env)];
    const childEnv: NodeJS.ProcessEnv = { ...env };
    for (const [name, source] of Object.entries(step.envFrom ?? {})) {
      if (env[source] !== undefined && env[source] !== '') childEnv[name] = env[source];
    }
    const t0 = Date.now();
    const code = await runOne(argv, dir, childEnv, step.stdout, step.stderr);
    if (code !== 0) {
      const tail = step.stderr ? tailOf(join(dir, step.stderr)) : step.stdout ? tailOf(join(dir, step.stdout)) : '';
      throw new CommandStepError(`${JSON.stringify(argv)} exited with ${code === null ? 'a signal' : `code ${code}`}${tail ? `; last output:\n${tail}` : ''}`, argv, code);
    }
    steps.push({ argv, exitCode: 0, seconds: (Date.now() - t0) / 1000 });
  }
  const outputs: string[] = [];
  const all = listFiles(dir);
  for (const pattern of spec.requiredOutputs ?? []) {
    const re = globToRegExp(pattern);
    const hits = all.filter((f) => re.test(f));
    if (hits.length === 0) {
      throw new CommandStepError(`the command succeeded but wrote no file matching ${JSON.stringify(pattern)} in ${dir}`, steps.at(-1)?.argv ?? [], 0);
    }
    outputs.push(...hits.filter((h) => !outputs.includes(h)));
  }
  return { steps, outputs };
}

async function programOf(source: ProgramSource | undefined, dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (!source) return [];
  const set = env[source.env]?.trim();
  if (set) return words(set, source.env);
  if ('fallback' in source) return [...source.fallback];
  // ACE1pack: ask julia where the package is; its fit script is <root>/scripts/ace_fit.jl.
  const julia = env[source.ace1pack.juliaEnv]?.trim() ? words(env[source.ace1pack.juliaEnv]!.trim(), source.ace1pack.juliaEnv) : ['julia'];
  const argv = [...julia, '-e', 'import ACE1pack; print(pathof(ACE1pack))'];
  const { code, out } = await capture(argv, dir, env);
  const path = out.trim().split('\n').at(-1)?.trim() ?? '';
  if (code !== 0 || !path.endsWith('.jl')) {
    throw new CommandStepError(`cannot find ACE1pack: ${JSON.stringify(argv)} exited with ${code} and printed ${JSON.stringify(out.slice(-500))}; set ${source.env} to the ACE fit command`, argv, code);
  }
  return [...julia, join(dirname(dirname(path)), 'scripts', 'ace_fit.jl')];
}

function extraArgs(list: NonNullable<CommandStep['envArgs']>, env: NodeJS.ProcessEnv): string[] {
  return list.flatMap((e) => (env[e.env] !== undefined && env[e.env] !== '' ? e.args.map((a) => a.split('{}').join(env[e.env]!)) : []));
}

// Split a command held in an env var into words: whitespace separates, '...' and "..." group, no expansion.
export function words(text: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) throw new CommandStepError(`${where}: unclosed ${ch} in ${JSON.stringify(text)}`, [], null);
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function runOne(argv: string[], dir: string, env: NodeJS.ProcessEnv, stdout?: string, stderr?: string): Promise<number | null> {
  const fds: number[] = [];
  const open = (f: string | undefined): number | 'inherit' => {
    if (!f) return 'inherit';
    const fd = openSync(resolve(dir, f), 'w');
    fds.push(fd);
    return fd;
  };
  return new Promise<number | null>((res, rej) => {
    let child;
    try {
      child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['ignore', open(stdout), open(stderr)] });
    } catch (err) {
      fds.forEach((fd) => closeSync(fd));
      rej(new CommandStepError(`cannot run ${JSON.stringify(argv)}: ${(err as Error).message}`, argv, null));
      return;
    }
    child.on('error', (err) => {
      fds.forEach((fd) => closeSync(fd));
      fds.length = 0;
      const hint = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ` (not found on PATH=${env.PATH ?? ''})` : '';
      rej(new CommandStepError(`cannot run ${JSON.stringify(argv)}: ${err.message}${hint}`, argv, null));
    });
    child.on('close', (code) => {
      fds.forEach((fd) => closeSync(fd));
      res(code);
    });
  });
}

function capture(argv: string[], dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', (err) => res({ code: null, out: err.message }));
    child.on('close', (code) => res({ code, out }));
  });
}

function tailOf(path: string): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  return text.length > 2000 ? `…${text.slice(-2000)}` : text;
}

// Files under dir, relative, with '/' separators.
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = statSync(join(dir, rel));
    if (st.isDirectory()) out.push(...listFiles(dir, rel));
    else if (st.isFile()) out.push(rel);
  }
  return out;
}

// A glob (`*`, `?`, `**`) as an anchored regular expression over '/'-separated relative paths.
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
