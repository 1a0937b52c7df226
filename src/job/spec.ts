// Turns what a user asks to run into a prepared job: located and bundled op, encoded inputs, hashed input files,
// normalised env, and the cache key. Everything that can be wrong with a job is found here, before anything is written.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, basename, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { encode, canonicalHash } from '../codec/index.ts';
import { locateOp, bundleModule, type OpInput, type CodeBundle } from '../bundle/index.ts';
import { normalizeEnvVars, type EnvVar } from './script.ts';
import { JobOptionError } from './errors.ts';

/** What a user gives to create a job. */
export interface JobDefinition {
  /** An exported function (or `{ module, exportName }`). In map mode it is called as `op(batch, ...args)`. */
  op: OpInput;
  /** Arguments of the op (call mode) or extra arguments after the batch (map mode). */
  args?: unknown[];
  /** Job name (sanitised to [A-Za-z0-9_-]). @default the op's export name */
  name?: string;
  /** Globs relative to `cwd`, copied into the job dir; their contents are part of the cache key. */
  inputFiles?: string[];
  /** Globs relative to the job dir, copied back to `cwd` when the job succeeds. */
  outputFiles?: string[];
  /** Environment for the op: `{NAME: value}` or `["NAME=value"]`; `${VAR}` references are expanded on the node. */
  envVars?: Record<string, string> | string[];
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
  /** Codec text of args. */
  encodedArgs: string;
  /** Codec text of items (map mode). */
  encodedItems: string | null;
  itemCount: number;
  batchSize: number;
  inputFiles: InputFile[];
  outputFiles: string[];
  envVars: EnvVar[];
  preCmds: string[];
  postCmds: string[];
  /** Hash of what is stored but not in the key (env, commands): a change is reported on reattach. */
  envHash: string;
  cwd: string;
}

// Validate and prepare a job definition. Throws a named error (and writes nothing) if anything is wrong.
export async function prepareJob(def: JobDefinition): Promise<PreparedJob> {
  const cwd = def.cwd ?? process.cwd();
  const args = def.args ?? [];
  if (!Array.isArray(args)) throw new JobOptionError('args', `expected an array of arguments, got ${typeof args}`);
  const mode = def.items !== undefined ? 'map' : 'call';
  if (mode === 'map' && !Array.isArray(def.items)) throw new JobOptionError('items', 'expected an array');
  const envVars = normalizeEnvVars(def.envVars);
  const preCmds = stringList(def.preCmds, 'pre_cmds');
  const postCmds = stringList(def.postCmds, 'post_cmds');
  const outputFiles = stringList(def.outputFiles, 'output_files');
  const hashIgnore = def.hashIgnore ?? [];

  // Encoding first: an uncodable argument is reported before any bundling work.
  const encodedArgs = encode(args, 'args');
  const encodedItems = mode === 'map' ? encode(def.items, 'items') : null;
  const bundle = def.bundle ?? (await bundleModule(await locateOp(def.op, cwd), { external: def.external }));
  const inputFiles = await collectInputFiles(def.inputFiles ?? [], cwd);

  const cacheKey = canonicalHash({
    v: 1,
    code: bundle.hash,
    exportName: bundle.exportName,
    mode,
    args: withoutIgnored(args, hashIgnore),
    items: def.items ?? null,
    inputFiles: inputFiles.map((f) => [f.rel, f.sha256]),
  });
  const envHash = canonicalHash({ envVars, preCmds, postCmds, outputFiles });
  return {
    name: def.name ?? bundle.exportName,
    cacheKey,
    mode,
    bundle,
    encodedArgs,
    encodedItems,
    itemCount: def.items?.length ?? 0,
    batchSize: Math.max(1, def.batchSize ?? 1),
    inputFiles,
    outputFiles,
    envVars,
    preCmds,
    postCmds,
    envHash,
    cwd,
  };
}

function stringList(value: unknown, option: string): string[] {
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
export async function collectInputFiles(patterns: unknown, cwd: string): Promise<InputFile[]> {
  const list = stringList(patterns, 'input_files');
  const files = new Map<string, string>();
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
