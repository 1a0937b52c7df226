// RemoteInfo: the per-call settings of a remote autoparallelize call (wfl's RemoteInfo, same snake_case keys),
// their validation into a normalized plain object, and the chunk-size rule (itemsPerJob).
import { isAbsolute } from 'node:path';
import type { ResourcesInput } from '../resources/types.ts';
import { closestName } from '../resources/suggest.ts';
import { parseTimeS, show } from '../resources/units.ts';
import { ResourceSpecError } from '../resources/errors.ts';
import { normalizeResources } from '../resources/resources.ts';
import { RemoteInfoError } from './errors.ts';

/** What a user writes: an explicit `remoteInfo` option or one value of WFL_EXPYRE_INFO. Keys are wfl's, exactly. */
export interface RemoteInfoInput {
  /** System to run on: a key of `systems` in config.json (`local` always exists). Required. */
  sys_name: string;
  /** Human label of the call's jobs (shown by the scheduler and `xpr ls`); not part of the cache key. Required. */
  job_name: string;
  /** Resources of EACH job (ExPyRe's Resources keys: max_time, num_nodes | num_cores, max_mem_tot | max_mem_per_core,
   *  partitions). Validated here (src/resources) but kept in the form given. Required. */
  resources: ResourcesInput;
  /** Items per queued job. Positive n = n items; negative -n = n x the op's batch size (items per op call);
   *  0 or a non-integer is an error (wfl silently produced nothing for 0). @default -100 */
  num_inputs_per_queued_job?: number;
  /** Shell lines run in the job before the op (after the system's `commands`, before the env_vars exports). @default [] */
  pre_cmds?: string[];
  /** Shell lines run in the job after the op; the op's exit status is kept. @default [] */
  post_cmds?: string[];
  /** Variables exported in the job: a list of "NAME=value" strings (wfl; each value read as one shell word on the node)
   *  or an object {NAME: value} (literal values; only ${NAME} references expand, e.g. "${EXPYRE_NUM_CORES_PER_NODE}"). @default [] */
  env_vars?: string[] | Record<string, string>;
  /** Names of env_vars entries whose values are secret: sent to the job, never written to the store, stage dirs,
   *  job scripts or logs. @default [] */
  secret_env_vars?: string[];
  /** Files, dirs or globs staged into each job dir (relative paths keep their place; contents are hashed). @default [] */
  input_files?: string[];
  /** Relative globs copied back from each finished job into the current directory. @default [] */
  output_files?: string[];
  /** Extra scheduler header lines for each job script. @default [] */
  header_extra?: string[];
  /** Only use node types whose core count exactly fits the request. @default true */
  exact_fit?: boolean;
  /** Allow a job smaller than one node (overrides exact_fit). @default false */
  partial_node?: boolean;
  /** How long to wait for the jobs: seconds, or a time string ("90m", "2h", "1:30:00"); null = forever. @default 3600 */
  timeout?: number | string | null;
  /** Seconds between polls of the jobs' state (number, or a time string). @default 30 */
  check_interval?: number | string;
  /** Return the other items' results with the failed ones listed (and recorded as failures in the outputs) instead of
   *  throwing; the autoparallelize option ignoreFailed wins over it. @default false */
  ignore_failed_jobs?: boolean;
  /** Resubmit jobs that died without a result (walltime, OOM, node failure) instead of reporting them. @default false */
  resubmit_killed_jobs?: boolean;
  /** Names of the op's extra arguments left out of the cache key. @default [] */
  hash_ignore?: string[];
  /** Submit this call's jobs as job arrays (true) or one by one (false). @default the system's `arrays` (false) */
  job_array?: boolean;
  /** Packages left out of the op's bundle and imported on the node instead (installed there, e.g. native addons). */
  external?: string[];
}

/** A validated RemoteInfo: every field present, defaults filled in, fresh objects (never the caller's). */
export interface RemoteInfo {
  sys_name: string;
  job_name: string;
  resources: ResourcesInput;
  num_inputs_per_queued_job: number;
  pre_cmds: string[];
  post_cmds: string[];
  /**
   * In the order given; a name given twice keeps its last value. A list ["NAME=value"] stays a list: its values are
   * read as shell words on the node (quotes removed, ${VAR} expanded, no command substitution), as ExPyRe did.
   */
  env_vars: string[] | Record<string, string>;
  secret_env_vars: string[];
  input_files: string[];
  output_files: string[];
  header_extra: string[];
  exact_fit: boolean;
  partial_node: boolean;
  /** Seconds (time strings converted, rounded up to whole seconds), or null = wait forever. */
  timeout: number | null;
  /** Seconds (fractions allowed). */
  check_interval: number;
  ignore_failed_jobs: boolean;
  resubmit_killed_jobs: boolean;
  hash_ignore: string[];
  /** Absent: the system's `arrays` decides. */
  job_array?: boolean;
  /** Absent: nothing is external. */
  external?: string[];
}

const REMOTE_INFO_FIELDS = [
  'sys_name', 'job_name', 'resources', 'num_inputs_per_queued_job', 'pre_cmds', 'post_cmds', 'env_vars', 'secret_env_vars', 'input_files',
  'output_files', 'header_extra', 'exact_fit', 'partial_node', 'timeout', 'check_interval', 'ignore_failed_jobs',
  'resubmit_killed_jobs', 'hash_ignore', 'job_array', 'external',
] as const;

const REQUIRED = ['sys_name', 'job_name', 'resources'] as const;
const STRING_LISTS = ['pre_cmds', 'post_cmds', 'secret_env_vars', 'input_files', 'output_files', 'header_extra', 'hash_ignore'] as const;
const BOOLEANS = { exact_fit: true, partial_node: false, ignore_failed_jobs: false, resubmit_killed_jobs: false } as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Hints for keys that belong elsewhere (wfl's AutoparaInfo) rather than being typos. */
const MISPLACED: Record<string, string> = {
  num_inputs_per_python_subprocess: 'is the batch size (items per op call), an autoparallelize option, not a RemoteInfo field',
  num_python_subprocesses: 'is the local worker count, an autoparallelize option (or WFL_NUM_PYTHON_SUBPROCESSES in env_vars), not a RemoteInfo field',
  remote_label: 'is an autoparallelize option that selects a WFL_EXPYRE_INFO key, not a RemoteInfo field',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function unknownField(key: string, path: string): string {
  if (MISPLACED[key]) return `${path}: "${key}" ${MISPLACED[key]}`;
  if (key.includes('::') || key.includes(',')) {
    return `${path}: unknown field "${key}" (it looks like a WFL_EXPYRE_INFO key; a top-level "sys_name" makes the whole value ONE RemoteInfo for every call, so move sys_name into each keyed entry)`;
  }
  const snake = snakeCase(key);
  const guess = (REMOTE_INFO_FIELDS as readonly string[]).includes(snake) ? snake : closestName(key, REMOTE_INFO_FIELDS);
  const hint = guess === null ? '' : ` (did you mean "${guess}"?)`;
  return `${path}: unknown field "${key}"${hint}; valid fields: ${REMOTE_INFO_FIELDS.join(', ')}`;
}

// Validate a RemoteInfo from user data; `where` names it in messages (e.g. `WFL_EXPYRE_INFO["ops.ts::relax"]`).
export function normalizeRemoteInfo(raw: unknown, where: string): RemoteInfo {
  if (!isPlainObject(raw)) {
    throw new RemoteInfoError([`${where}: expected an object of RemoteInfo fields (${REQUIRED.join(', ')}, ...), got ${describe(raw)}`]);
  }
  const problems: string[] = [];
  const at = (key: string): string => `${where}.${key}`;
  const bad = (key: string, expected: string, value: unknown): void => {
    problems.push(`${at(key)}: expected ${expected}, got ${describe(value)}`);
  };

  for (const key of Object.keys(raw)) {
    if (!(REMOTE_INFO_FIELDS as readonly string[]).includes(key)) problems.push(unknownField(key, at(key)));
  }
  for (const key of REQUIRED) {
    if (raw[key] === undefined) problems.push(`${at(key)}: missing (required: ${REQUIRED.join(', ')})`);
  }

  const text = (key: 'sys_name' | 'job_name'): string => {
    const value = raw[key];
    if (value === undefined) return '';
    if (typeof value !== 'string' || value.trim() === '') bad(key, 'a non-empty string', value);
    return typeof value === 'string' ? value : '';
  };
  const sysName = text('sys_name');
  const jobName = text('job_name');

  let resources = {} as ResourcesInput;
  if (raw.resources !== undefined) {
    if (isPlainObject(raw.resources)) {
      resources = structuredClone(raw.resources) as unknown as ResourcesInput;
      try {
        normalizeResources(resources, at('resources'));
      } catch (error) {
        if (!(error instanceof ResourceSpecError)) throw error;
        for (const p of error.problems) problems.push(`${p.where}: ${p.message}`);
      }
    } else bad('resources', 'an object of resource settings such as {"max_time": "1h", "num_cores": 4}', raw.resources);
  }

  let perJob = -100;
  if (raw.num_inputs_per_queued_job !== undefined) {
    const n = raw.num_inputs_per_queued_job;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n === 0) {
      bad('num_inputs_per_queued_job', 'a non-zero integer (n > 0: n items per job; n < 0: -n x the batch size)', n);
    } else perJob = n;
  }

  const lists = {} as Record<(typeof STRING_LISTS)[number], string[]>;
  for (const key of STRING_LISTS) {
    const value = raw[key];
    lists[key] = [];
    if (value === undefined) continue;
    if (!Array.isArray(value)) { bad(key, 'a list of strings', value); continue; }
    value.forEach((entry, i) => {
      if (typeof entry !== 'string') problems.push(`${at(key)}[${i}]: expected a string, got ${describe(entry)}`);
      else if (key === 'output_files' && isAbsolute(entry)) {
        problems.push(`${at(key)}[${i}]: output files are globs relative to the job dir, got the absolute path ${show(entry)}`);
      } else lists[key].push(entry);
    });
  }

  const envVars = normalizeEnvVars(raw.env_vars, at('env_vars'), problems);

  const flags = { ...BOOLEANS } as Record<keyof typeof BOOLEANS, boolean>;
  for (const key of Object.keys(BOOLEANS) as Array<keyof typeof BOOLEANS>) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') bad(key, 'true or false', value);
    else flags[key] = value;
  }

  let timeout: number | null = 3600;
  if (raw.timeout !== undefined) timeout = raw.timeout === null ? null : Math.ceil(seconds(raw.timeout, at('timeout'), problems, 3600));
  let checkInterval = 30;
  if (raw.check_interval !== undefined) {
    const value = raw.check_interval;
    if (typeof value === 'number' && !(value > 0 && Number.isFinite(value))) bad('check_interval', 'a positive number of seconds', value);
    else {
      checkInterval = seconds(value, at('check_interval'), problems, 30);
      if (checkInterval <= 0) bad('check_interval', 'a positive time', value);
    }
  }

  if (raw.job_array !== undefined && typeof raw.job_array !== 'boolean') bad('job_array', 'true or false', raw.job_array);

  const external = raw.external;
  if (external !== undefined && !(Array.isArray(external) && external.every((e) => typeof e === 'string' && e !== ''))) {
    bad('external', 'a list of package names', external);
  }

  if (problems.length > 0) throw new RemoteInfoError(problems);
  return {
    ...(Array.isArray(external) ? { external: [...(external as string[])] } : {}),
    ...(typeof raw.job_array === 'boolean' ? { job_array: raw.job_array } : {}),
    sys_name: sysName,
    job_name: jobName,
    resources,
    num_inputs_per_queued_job: perJob,
    pre_cmds: lists.pre_cmds,
    post_cmds: lists.post_cmds,
    env_vars: envVars,
    secret_env_vars: lists.secret_env_vars,
    input_files: lists.input_files,
    output_files: lists.output_files,
    header_extra: lists.header_extra,
    exact_fit: flags.exact_fit,
    partial_node: flags.partial_node,
    timeout,
    check_interval: checkInterval,
    ignore_failed_jobs: flags.ignore_failed_jobs,
    resubmit_killed_jobs: flags.resubmit_killed_jobs,
    hash_ignore: lists.hash_ignore,
  };
}

// Items in each queued job: n for n > 0, -n x batchSize for n < 0 (wfl's rule); throws for 0 or a bad batch size.
export function itemsPerJob(info: Pick<RemoteInfo, 'num_inputs_per_queued_job'>, batchSize: number): number {
  const n = info.num_inputs_per_queued_job;
  if (!Number.isSafeInteger(n) || n === 0) {
    throw new RemoteInfoError([`num_inputs_per_queued_job: expected a non-zero integer, got ${describe(n)}`]);
  }
  if (n > 0) return n;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RemoteInfoError([`num_inputs_per_queued_job ${n} is a multiple of the batch size, which must be a positive integer, got ${describe(batchSize)}`]);
  }
  return -n * batchSize;
}

// Validate env_vars; the list form is kept as a list (its values are read as shell words, as ExPyRe did).
function normalizeEnvVars(value: unknown, path: string, problems: string[]): string[] | Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, text: string, entryPath: string): void => {
    if (!ENV_NAME.test(name)) {
      problems.push(`${entryPath}: ${show(name)} is not a valid environment variable name (letters, digits and _, not starting with a digit)`);
      return;
    }
    delete out[name]; // a repeated name moves to its last position, as a later `export` would win
    out[name] = text;
  };
  if (value === undefined) return out;
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      const entryPath = `${path}[${i}]`;
      if (typeof entry !== 'string') { problems.push(`${entryPath}: expected a "NAME=value" string, got ${describe(entry)}`); return; }
      const eq = entry.indexOf('=');
      if (eq < 0) {
        problems.push(`${entryPath}: ${show(entry)} has no "=": write "NAME=value" (copying a local variable by bare name is not supported; write "${entry}=<value>")`);
        return;
      }
      add(entry.slice(0, eq), entry.slice(eq + 1), entryPath);
    });
    return Object.entries(out).map(([k, v]) => `${k}=${v}`);
  }
  if (isPlainObject(value)) {
    for (const [name, text] of Object.entries(value)) {
      const entryPath = `${path}.${name}`;
      if (typeof text === 'string') add(name, text, entryPath);
      else if (typeof text === 'number' || typeof text === 'boolean') add(name, String(text), entryPath);
      else problems.push(`${entryPath}: expected a string value, got ${describe(text)}`);
    }
    return out;
  }
  problems.push(`${path}: expected a list of "NAME=value" strings or an object {NAME: value}, got ${describe(value)}`);
  return out;
}

function seconds(value: unknown, path: string, problems: string[], fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  try {
    return parseTimeS(value, path);
  } catch (error) {
    if (!(error instanceof ResourceSpecError)) throw error;
    problems.push(`${path}: expected seconds or a time string ("90s", "10m", "2h", "1:30:00"), got ${describe(value)}`);
    return fallback;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list ${show(value)}`;
  if (typeof value === 'object') return `an object ${show(value)}`;
  return `${typeof value} ${show(value)}`;
}
