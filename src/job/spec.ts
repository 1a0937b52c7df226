// Turns what a user asks to run into a prepared job: located and bundled op, encoded inputs, hashed input files,
// normalised env, and the cache key. Everything that can be wrong with a job is found here, before anything is written.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, basename, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { encodeChunks, canonicalHash, writeChunksSync } from '../codec/index.ts';
import { locateOp, bundleModule, type OpInput, type CodeBundle } from '../bundle/index.ts';
import { normalizeEnvVars, type EnvVar } from '../system/job-script.ts';
import { JobOptionError } from './errors.ts';

/** What a user gives to create a job. */
export interface JobDefinition {
  /** An exported function (or `{ module, exportName }`). In map mode it is called as `op(batch, ...args)`. */
  op: OpInput;
  /** Arguments of the op (call mode) or extra arguments after the batch (map mode). */
  args?: unknown[];
  /** Job name (sanitised to [A-Za-z0-9_-]). @default the op's export name */
  name?: string;
  /** Globs relative to `cwd`, copied into the job dir; their contents are part of the cache key. An entry
   *  `{ local, remote }` copies ONE file (`local`: relative to `cwd` or absolute) to the relative path `remote`. */
  inputFiles?: Array<string | InputFileMapping>;
  /** Globs relative to the job dir, copied back to `cwd` when the job succeeds. */
  outputFiles?: string[];
  /** Environment for the op: `{NAME: value}` or `["NAME=value"]`; `${VAR}` references are expanded on the node. */
  envVars?: Record<string, string> | string[];
  /** Names of env_vars whose values are secret: sent to the job at submission (a 0600 file in the job dir, removed
   *  when the job starts), never written to the job store, the local stage dir, the job script or logs. */
  secretEnvVars?: string[];
  /** Shell lines run before / after the op inside the job. */
  preCmds?: string[];
  postCmds?: string[];
  /** Arguments left out of the cache key: an index (`1`), a path (`"1.verbose"`), or a key of any object argument (`"verbose"`). */
  hashIgnore?: Array<string | number>;
  /** Where input files are found and output files go. @default process.cwd() */
  cwd?: string;
  /** Packages left out of the bundle (they must be installed on the nodes), e.g. native addons. */
  external?: string[];
  /** Map mode (used by autoparallelize): the chunk's items and the op's batch size. */
  items?: unknown[];
  batchSize?: number;
  /** An op already located and bundled (autoparallelize bundles once for all its chunks). */
  bundle?: CodeBundle;
}

/** A job definition whose op is already located and bundled (autoparallelize bundles once for all its chunks). */
export type BundledJobDefinition = Omit<JobDefinition, 'op' | 'bundle'> & { op?: undefined; bundle: CodeBundle };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;
/** The arguments an op takes: its parameters for a function, any list for `{ module, exportName }`. */
export type OpArgs<F> = F extends AnyFunction ? Parameters<F> : unknown[];
/** What a job of op F returns: its awaited return type for a function, unknown for `{ module, exportName }`. */
export type OpResult<F> = F extends AnyFunction ? Awaited<ReturnType<F>> : unknown;
/** A job definition whose `args` are checked against the op's parameters. */
export type TypedJobDefinition<F extends OpInput> = Omit<JobDefinition, 'op' | 'args'> & { op: F; args?: OpArgs<F> };
/** An explicit result type T wins; else the op's own (T defaults to never, meaning "infer from the op"). */
export type JobResult<T, F> = [T] extends [never] ? OpResult<F> : T;

/** One file staged under a chosen name: `local` (relative to cwd, or absolute) arrives in the job dir as `remote`. */
export interface InputFileMapping {
  local: string;
  remote: string;
}

export interface InputFile {
  /** Path inside the job dir. */
  rel: string;
  abs: string;
  sha256: string;
}

export interface PreparedJob {
  name: string;
  cacheKey: string;
  mode: 'call' | 'map';
  bundle: CodeBundle;
  /** Codec payload of args: format-2 container chunks. Binary values are views of the caller's memory (no copy of a
   *  100 MB array), so when `spooled` is set the job dir gets the spooled file, written when the key was computed. */
  encodedArgs: Uint8Array[];
  /** Codec payload of items as container chunks (map mode). */
  encodedItems: Uint8Array[] | null;
  /** The payloads as written to the spool dir in the same synchronous step that computed the cache key (so a caller
   *  changing an array afterwards cannot make the job differ from its key); moved into the job dir when it starts. */
  spooled: { args: string; items: string | null } | null;
  itemCount: number;
  /** Map mode: the item cache keys of the chunk's items (set by autoparallelize), recorded in the store when the job is claimed. */
  itemKeys?: readonly string[];
  batchSize: number;
  inputFiles: InputFile[];
  outputFiles: string[];
  envVars: EnvVar[];
  /** The env vars named in secretEnvVars (kept in memory only; not in envVars). */
  secretEnv: EnvVar[];
  preCmds: string[];
  postCmds: string[];
  /** Hash of what is stored but not in the key (env, commands): a change is reported on reattach. */
  envHash: string;
  cwd: string;
}

export interface PrepareOptions {
  /** Dir on the stage dir's filesystem for the payloads (see PreparedJob.spooled); without it, binaries are copied. */
  spoolDir?: string;
}

// Validate and prepare a job definition. Throws a named error (and writes nothing) if anything is wrong.
export async function prepareJob(def: JobDefinition | BundledJobDefinition, opts: PrepareOptions = {}): Promise<PreparedJob> {
  const cwd = def.cwd ?? process.cwd();
  const args = def.args ?? [];
  if (!Array.isArray(args)) throw new JobOptionError('args', `expected an array of arguments, got ${typeof args}`);
  const mode = def.items !== undefined ? 'map' : 'call';
  if (mode === 'map' && !Array.isArray(def.items)) throw new JobOptionError('items', 'expected an array');
  const { envVars, secretEnv } = splitSecretEnv(def.envVars, stringList(def.secretEnvVars, 'secret_env_vars'));
  const preCmds = stringList(def.preCmds, 'pre_cmds');
  const postCmds = stringList(def.postCmds, 'post_cmds');
  const outputFiles = stringList(def.outputFiles, 'output_files');
  const escaping = outputFiles.find((g) => isAbsolute(g) || g.split(/[\\/]/).includes('..'));
  if (escaping !== undefined) throw new JobOptionError('output_files', `globs are relative to the job dir and stay inside it, got ${JSON.stringify(escaping)}`);
  const hashIgnore = def.hashIgnore ?? [];

  const bundle = def.bundle ?? (await bundleModule(await locateOp(def.op, cwd), { external: def.external }));
  const inputFiles = await resolveInputFiles(def.inputFiles ?? [], cwd);

  // From here to the return nothing awaits: the values encoded, hashed and spooled are the same values.
  const encodedArgs = encodeChunks(args, 'args');
  const encodedItems = mode === 'map' ? encodeChunks(def.items, 'items') : null;
  const cacheKey = canonicalHash({
    v: 1,
    code: bundle.hash,
    exportName: bundle.exportName,
    mode,
    args: withoutIgnored(args, hashIgnore),
    items: def.items ?? null,
    inputFiles: inputFiles.map((f) => [f.rel, f.sha256]),
  });
  // Secret values stay out of every stored hash; only their names count.
  const envHash = canonicalHash({ envVars, preCmds, postCmds, outputFiles, ...(secretEnv.length ? { secretEnvVars: secretEnv.map((e) => e.name) } : {}) });
  const spooled = opts.spoolDir ? spoolPayloads(opts.spoolDir, cacheKey, encodedArgs, encodedItems) : null;
  return {
    name: def.name ?? bundle.exportName,
    cacheKey,
    mode,
    bundle,
    encodedArgs: spooled ? encodedArgs : encodedArgs.map(ownCopy),
    encodedItems: spooled || !encodedItems ? encodedItems : encodedItems.map(ownCopy),
    spooled,
    itemCount: def.items?.length ?? 0,
    batchSize: Math.max(1, def.batchSize ?? 1),
    inputFiles,
    outputFiles,
    envVars,
    secretEnv,
    preCmds,
    postCmds,
    envHash,
    cwd,
  };
}

// Split env_vars into the ordinary ones (normalised) and the secret ones, whose values are taken verbatim (no ${VAR}
// expansion, no quote removal) and never checked in a way that could put them into an error message.
function splitSecretEnv(raw: JobDefinition['envVars'], secretNames: string[]): { envVars: EnvVar[]; secretEnv: EnvVar[] } {
  if (secretNames.length === 0) return { envVars: normalizeEnvVars(raw), secretEnv: [] };
  const entries: Array<[string, unknown]> = Array.isArray(raw)
    ? raw.map((e) => (typeof e === 'string' && e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : ['', e]))
    : raw && typeof raw === 'object' ? Object.entries(raw) : [];
  const secretEnv: EnvVar[] = [];
  for (const name of secretNames) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new JobOptionError('secret_env_vars', `${JSON.stringify(name)} is not a valid environment variable name`);
    const found = entries.filter(([k]) => k === name).at(-1);
    if (!found) throw new JobOptionError('secret_env_vars', `${JSON.stringify(name)} is not in env_vars; name variables that env_vars sets`);
    if (typeof found[1] !== 'string' && typeof found[1] !== 'number') throw new JobOptionError(`env_vars.${name}`, `expected a string value, got ${typeof found[1]}`);
    secretEnv.push({ name, value: String(found[1]), form: 'literal' });
  }
  const rest = Array.isArray(raw)
    ? raw.filter((e) => !(typeof e === 'string' && secretNames.includes(e.slice(0, e.indexOf('=')))))
    : Object.fromEntries(entries.filter(([k]) => !secretNames.includes(k)));
  return { envVars: normalizeEnvVars(rest), secretEnv };
}

// A job option that must be a list of strings (absent = empty); anything else is a JobOptionError naming it.
export function stringList(value: unknown, option: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new JobOptionError(option, `expected a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

// A copy of args without the parts named in hash_ignore.
export function withoutIgnored(args: readonly unknown[], hashIgnore: ReadonlyArray<string | number>): unknown[] {
  const out = structuredCloneLoose(args) as unknown[];
  for (const entry of hashIgnore) {
    if (typeof entry === 'number' || /^\d+$/.test(entry)) {
      out[Number(entry)] = '<hash_ignore>';
      continue;
    }
    if (typeof entry !== 'string') throw new JobOptionError('hash_ignore', `expected indexes or names, got ${JSON.stringify(entry)}`);
    const path = entry.split('.');
    if (/^\d+$/.test(path[0]!)) {
      deletePath(out[Number(path[0])], path.slice(1));
    } else {
      for (const arg of out) deletePath(arg, path);
    }
  }
  return out;
}

function deletePath(target: unknown, path: string[]): void {
  let cur = target;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isPlainObject(cur)) return;
    cur = cur[path[i]!];
  }
  if (isPlainObject(cur) && path.length) delete cur[path[path.length - 1]!];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// Shallow-copies plain objects and arrays along the way (leaves other values shared): enough to delete keys safely.
function structuredCloneLoose(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structuredCloneLoose);
  if (isPlainObject(v)) {
    const o: Record<string, unknown> = Object.create(Object.getPrototypeOf(v));
    // defineProperty, not assignment: an own "__proto__" key must stay a key (and stay in the cache key).
    for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: structuredCloneLoose(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

// The files input_files globs match (relative to cwd), named as they arrive in the job dir, with their sha256, sorted.
export async function resolveInputFiles(patterns: unknown, cwd: string): Promise<InputFile[]> {
  const mapped = Array.isArray(patterns) ? patterns.filter((p): p is InputFileMapping => typeof p === 'object' && p !== null) : [];
  const list = stringList(Array.isArray(patterns) ? patterns.filter((p) => !mapped.includes(p)) : patterns, 'input_files');
  const files = new Map<string, string>();
  for (const m of mapped) {
    const { local, remote } = m as Partial<InputFileMapping>;
    if (typeof local !== 'string' || typeof remote !== 'string' || remote === '' || isAbsolute(remote) || remote.split(/[\\/]/).includes('..')) {
      throw new JobOptionError('input_files', `expected { local: <file>, remote: <relative path inside the job dir> }, got ${JSON.stringify(m)}`);
    }
    const abs = resolve(cwd, local);
    if (!safeIsFile(abs)) throw new JobOptionError('input_files', `${JSON.stringify(local)} is not a file (looked for ${abs})`);
    const inJob = remote.split(sep).join('/');
    const other = files.get(inJob);
    if (other !== undefined && other !== abs) throw new JobOptionError('input_files', `${other} and ${abs} would both arrive in the job as ${JSON.stringify(inJob)}`);
    files.set(inJob, abs);
  }
  for (const pattern of list) {
    const matches = await glob(pattern, { cwd, absolute: true, onlyFiles: true, dot: true, expandDirectories: true });
    if (matches.length === 0) {
      const abs = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
      throw new JobOptionError('input_files', `${JSON.stringify(pattern)} matches no file (looked in ${cwd}; ${safeKind(abs)})`);
    }
    for (const abs of matches.sort()) {
      const rel = relative(cwd, abs);
      const inJob = rel.startsWith('..') || isAbsolute(rel) ? basename(abs) : rel.split(sep).join('/');
      const other = files.get(inJob);
      if (other !== undefined && other !== abs) {
        throw new JobOptionError('input_files', `${other} and ${abs} would both arrive in the job as ${JSON.stringify(inJob)}; rename one or list files under ${cwd}`);
      }
      files.set(inJob, abs);
    }
  }
  const out: InputFile[] = [];
  for (const [rel, abs] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push({ rel, abs, sha256: await sha256File(abs) });
  }
  return out;
}

function safeIsFile(abs: string): boolean {
  try {
    return statSync(abs).isFile();
  } catch {
    return false;
  }
}

function safeKind(abs: string): string {
  try {
    return statSync(abs).isDirectory() ? 'it is an empty directory' : 'it exists but did not match';
  } catch {
    return 'no such path';
  }
}

// Digests by path, valid while the file's size, mtime and inode are unchanged: a call chunked into many jobs reads
// each input file once, not once per job.
const digests = new Map<string, { stamp: string; sha256: Promise<string> }>();

function sha256File(path: string): Promise<string> {
  const st = statSync(path);
  const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = digests.get(path);
  if (hit?.stamp === stamp) return hit.sha256;
  const sha256 = new Promise<string>((resolvePromise, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolvePromise(h.digest('hex')));
  });
  digests.set(path, { stamp, sha256 });
  sha256.catch(() => digests.delete(path));
  return sha256;
}

// Write the payloads where the job dir will be made (same filesystem: moved in by rename). Old leftovers of jobs
// prepared but never started are removed by openSession.
function spoolPayloads(dir: string, cacheKey: string, args: Uint8Array[], items: Uint8Array[] | null): { args: string; items: string | null } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = join(dir, `${cacheKey.slice(0, 16)}-${randomUUID()}`);
  writeChunksSync(`${base}.args`, args);
  if (items) writeChunksSync(`${base}.items`, items);
  return { args: `${base}.args`, items: items ? `${base}.items` : null };
}

// A chunk that may view the caller's memory, copied so later changes to the caller's value cannot reach the job.
function ownCopy(chunk: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(chunk);
}

// Drop the spooled payloads of a prepared job that will not be started (it reuses a job that exists).
export function discardSpooled(job: PreparedJob): void {
  for (const f of [job.spooled?.args, job.spooled?.items]) if (f) rmSync(f, { force: true });
}
