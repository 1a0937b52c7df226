// Where one autoparallelize call runs: explicit remoteInfo, the inside-a-job guard, then WFL_EXPYRE_INFO (JSON/YAML text
// or a file path) matched as wfl does, by remote_label or by `end_of_path::function` parts against the caller's stack.
//
// Precedence (first that applies):
//   1. explicit remoteInfo: a RemoteInfo -> remote; 'local' -> local. WFL_EXPYRE_INFO is not read.
//   2. inside a running xpr job -> local (nested calls do not submit jobs unless given an explicit remoteInfo).
//   3. WFL_EXPYRE_INFO unset or blank -> local.
//   4. a top-level `sys_name` -> the whole value is ONE RemoteInfo for every call (wfl: no merging with keyed entries;
//      labels and stack are ignored).
//   5. remote_label given -> the key EQUAL to it, else local; the stack is not consulted (wfl).
//   6. otherwise each key is a comma-separated list of parts, outermost first; the LAST part must match the innermost
//      frame (the function that called autoparallelize, xpr frames removed), the one before it that function's caller,
//      and so on, contiguously. A key with more parts than frames does not match. Each part is a regular expression
//      anchored at the end (`(?:part)$`) tested against `<absolute file>::<function>`; for `Class.method` frames also
//      against `<file>::method`, and an unnamed frame also answers to `<module>` (ESM top level). The extensions
//      .ts .tsx .mts .cts .js .jsx .mjs .cjs before `::` are treated alike on both sides (`ops.js::relax` matches ops.ts).
//   First matching key in the file's order wins; every other matching key adds a warning.
// All entries are validated (normalizeRemoteInfo) on every resolution, so a typo in any entry fails the first call.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { parseJsonText } from '../config/json-position.ts';
import { ExpyreInfoError, RemoteInfoError } from './errors.ts';
import { normalizeRemoteInfo, type RemoteInfo, type RemoteInfoInput } from './remote-info.ts';
import type { StackFrame } from './stack.ts';

const ENV = 'WFL_EXPYRE_INFO';
const FILE_LIKE = /^[^\n{}[\]]+\.(?:json|ya?ml)$/i;
const EXT_BEFORE_SEP = /\.(?:tsx|jsx|mts|cts|mjs|cjs|ts|js)(?=::)/g;

export interface ResolveOptions {
  explicit?: RemoteInfoInput | RemoteInfo | 'local' | null;
  remoteLabel?: string;
  /** The value of WFL_EXPYRE_INFO (undefined = unset). */
  envText?: string;
  /** The caller's stack, innermost first, xpr's frames already removed (callerStack). */
  stack: StackFrame[];
  insideJob: boolean;
  /** Name shown in `reason` (default: the innermost frame's function). */
  opName?: string;
  /** Directory a relative WFL_EXPYRE_INFO file path is read from (the context's cwd). @default process.cwd() */
  cwd?: string;
}

export interface Resolution {
  decision: 'local' | 'remote';
  info?: RemoteInfo;
  matchedKey?: string;
  /** One line to print once per call, without the `xpr:` prefix the logger adds, e.g. `relax() -> local (no WFL_EXPYRE_INFO)`. */
  reason: string;
  warnings: string[];
}

// Parse WFL_EXPYRE_INFO: JSON text, YAML text, or the path of a JSON/YAML file (relative to `cwd`); the result must be a mapping.
export function parseExpyreInfo(text: string, source: string, cwd = process.cwd()): Record<string, unknown> {
  return readExpyreInfo(text, source, cwd).table;
}

// As parseExpyreInfo, also telling which file (absolute) the mapping came from, or null for inline text.
function readExpyreInfo(text: string, source: string, cwd: string): { table: Record<string, unknown>; file: string | null } {
  const trimmed = text.trim();
  if (trimmed === '') throw new ExpyreInfoError(source, 'is empty; expected JSON or YAML text, or the path of a .json/.yaml file');
  const oneLine = !trimmed.includes('\n') && !trimmed.startsWith('{') && !trimmed.includes(': ');
  if (oneLine && (FILE_LIKE.test(trimmed) || existsSync(resolve(cwd, trimmed)))) {
    return parseFile(resolve(cwd, trimmed), source);
  }
  const value = parseText(text, source, null);
  if (typeof value === 'string') {
    if (!existsSync(resolve(cwd, value))) {
      throw new ExpyreInfoError(source, `is neither a JSON/YAML mapping nor the path of an existing file: ${JSON.stringify(value)} (looked in ${cwd})`);
    }
    return parseFile(resolve(cwd, value), source);
  }
  return { table: asMapping(value, source, null), file: null };
}

function parseFile(file: string, source: string): { table: Record<string, unknown>; file: string } {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ExpyreInfoError(source, `names the file ${file}, which cannot be read: ${why}`, { file });
  }
  const where = `${source} file ${file}`;
  if (content.trim() === '') throw new ExpyreInfoError(where, 'the file is empty', { file });
  return { table: asMapping(parseText(content, where, file), where, file), file };
}

function parseText(text: string, source: string, file: string | null): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const json = parseJsonText(body);
  if (json.ok) return json.value;
  try {
    return YAML.parse(body);
  } catch (error) {
    if (body.trimStart().startsWith('{') || body.trimStart().startsWith('[')) {
      // Meant as JSON: the JSON error is the useful one.
      const p = json.problem;
      throw new ExpyreInfoError(source, `${p.message} (not valid YAML either)`, { file, line: p.line, column: p.column });
    }
    const pos = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    const first = (error as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const context = (error as Error).message.split('\n').slice(1).join('\n').trimEnd();
    throw new ExpyreInfoError(source, `YAML syntax error: ${first}${context ? `\n${context}` : ''}`, { file, line: pos?.line ?? null, column: pos?.col ?? null });
  }
}

// The mapping, without a top-level "$schema" key (it names the JSON Schema for editors and is no entry).
function asMapping(value: unknown, source: string, file: string | null): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { $schema: schemaRef, ...table } = value as Record<string, unknown>;
    return typeof schemaRef === 'string' ? table : value as Record<string, unknown>;
  }
  const got = value === null ? 'nothing (null)' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
  throw new ExpyreInfoError(source, `expected a mapping of keys to RemoteInfo settings (or one RemoteInfo with a top-level "sys_name"), got ${got}`, { file });
}

// Decide local or remote for one call (precedence in the header); throws ExpyreInfoError / RemoteInfoError on bad settings.
export function resolveRemoteInfo(opts: ResolveOptions): Resolution {
  const who = `${opts.opName ?? opts.stack[0]?.functionName ?? 'call'}()`;
  const warnings: string[] = [];
  const remote = (info: RemoteInfo, why: string, matchedKey?: string): Resolution => ({
    decision: 'remote', info, ...(matchedKey !== undefined ? { matchedKey } : {}), reason: `${who} -> system "${info.sys_name}" (${why})`, warnings,
  });
  const local = (why: string): Resolution => ({ decision: 'local', reason: `${who} -> local (${why})`, warnings });

  if (opts.explicit === 'local') return local('remoteInfo: \'local\'');
  if (opts.explicit != null) {
    if (typeof opts.explicit !== 'object') {
      throw new RemoteInfoError([`remoteInfo: expected a RemoteInfo object, 'local' or null, got ${JSON.stringify(opts.explicit)}`]);
    }
    return remote(normalizeRemoteInfo(opts.explicit, 'remoteInfo'), 'remoteInfo option');
  }
  if (opts.insideJob) return local('inside a running xpr job; pass remoteInfo to submit from here');
  if (opts.envText === undefined || opts.envText.trim() === '') return local(`no ${ENV}`);

  const { table, file } = readExpyreInfo(opts.envText, ENV, opts.cwd ?? process.cwd());
  if (Object.hasOwn(table, 'sys_name')) {
    const info = inFile(file, () => normalizeRemoteInfo(table, ENV));
    return remote(info, `${ENV} top-level sys_name, applies to every call`);
  }
  const entries = inFile(file, () => validateEntries(table));
  const matches = opts.remoteLabel !== undefined
    ? entries.filter((e) => e.key === opts.remoteLabel)
    : entries.filter((e) => stackMatches(e.parts, opts.stack));
  if (matches.length === 0) {
    if (opts.remoteLabel !== undefined) return local(`no ${ENV} key equals remote_label ${JSON.stringify(opts.remoteLabel)}`);
    return local(`no ${ENV} key matches the call stack ${describeStack(opts.stack)}`);
  }
  const [first, ...others] = matches;
  if (others.length > 0) {
    warnings.push(`${ENV}: keys ${matches.map((m) => JSON.stringify(m.key)).join(', ')} all match ${who}; using the first, ${JSON.stringify(first!.key)}`);
  }
  const how = opts.remoteLabel !== undefined ? ' = remote_label' : '';
  return remote(first!.info, `${ENV} key ${JSON.stringify(first!.key)}${how}`, first!.key);
}

// Run a validation; RemoteInfoError problems of settings read from a file are prefixed with its path (`/p/info.json: ...`).
function inFile<T>(file: string | null, validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (file === null || !(error instanceof RemoteInfoError)) throw error;
    throw new RemoteInfoError(error.problems.map((p) => `${file}: ${p}`));
  }
}

interface Entry {
  key: string;
  parts: RegExp[];
  info: RemoteInfo;
}

function validateEntries(table: Record<string, unknown>): Entry[] {
  const problems: string[] = [];
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(table)) {
    const where = `${ENV}[${JSON.stringify(key)}]`;
    let parts: RegExp[] = [];
    try {
      parts = compileKey(key);
    } catch (error) {
      problems.push(`${where}: bad key: ${(error as Error).message}`);
    }
    try {
      entries.push({ key, parts, info: normalizeRemoteInfo(value, where) });
    } catch (error) {
      if (!(error instanceof RemoteInfoError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new RemoteInfoError(problems);
  return entries;
}

// A key's parts as end-anchored regexps, outermost first; throws on an empty part or an invalid regexp.
function compileKey(key: string): RegExp[] {
  return key.split(',').map((raw, i) => {
    const part = raw.trim();
    if (part === '') throw new Error(`part ${i + 1} is empty (a trailing or doubled comma?)`);
    try {
      return new RegExp(`(?:${part.replace(EXT_BEFORE_SEP, '.ts')})$`);
    } catch (error) {
      throw new Error(`part ${JSON.stringify(part)} is not a valid regular expression (${(error as Error).message})`);
    }
  });
}

// Whether key parts (outermost first) match the end of a stack (innermost first): last part <-> stack[0], contiguously.
function stackMatches(parts: RegExp[], stack: StackFrame[]): boolean {
  if (parts.length === 0 || parts.length > stack.length) return false;
  return parts.every((re, k) => frameNames(stack[parts.length - 1 - k]!).some((name) => re.test(name)));
}

// The strings a frame answers to: `<file>::<function>`, plus `<file>::<method>` for `Class.method`, `<file>::<module>` when unnamed.
function frameNames(frame: StackFrame): string[] {
  const file = frame.file.replace(/\.(?:tsx|jsx|mts|cts|mjs|cjs|ts|js)$/, '.ts');
  const fn = frame.functionName;
  const names = [`${file}::${fn}`];
  const dot = fn.lastIndexOf('.');
  if (dot > 0 && !fn.startsWith('<')) names.push(`${file}::${fn.slice(dot + 1)}`);
  if (fn === '<anonymous>') names.push(`${file}::<module>`);
  return names;
}

function describeStack(stack: StackFrame[]): string {
  if (stack.length === 0) return '(empty)';
  const shown = stack.slice(0, 3).map((f) => `${f.file.split(/[\\/]/).slice(-2).join('/')}::${f.functionName}`);
  return `${shown.join(' <- ')}${stack.length > 3 ? ' <- ...' : ''} (innermost first)`;
}
