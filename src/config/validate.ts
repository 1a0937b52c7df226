// Validation of one merged system entry (ExPyRe's System keys plus xpr's node_cmd) into a SystemConfig.
// Every problem is collected with its JSON path and the file that set the value; nothing throws halfway.
import path from 'node:path';
import { ResourceSpecError } from '../resources/errors.ts';
import { unknownKeyMessage } from '../resources/suggest.ts';
import { parseMemKb, parseTimeS, show } from '../resources/units.ts';
import type { ConfigProblem } from './errors.ts';
import { checkHeaderTemplate } from './header-template.ts';
import { localMachinePartition } from './local-system.ts';
import { formatPath, isJsonObject, type JsonObject, type OriginMap } from './merge.ts';
import { splitShellWords } from './shell-words.ts';
import type { PartitionSpec, SchedulerKind, SystemConfig } from './types.ts';

export const SYSTEM_KEYS = ['host', 'scheduler', 'partitions', 'queues', 'header', 'no_default_header', 'script_exec',
  'pre_submit_cmds', 'commands', 'rundir', 'remsh_cmd', 'node_cmd', 'max_queued_jobs', 'arrays', 'max_array_size'];
export const PARTITION_KEYS = ['num_cores', 'max_time', 'max_mem', 'partition', 'header'];
const SCHEDULERS: SchedulerKind[] = ['local', 'slurm', 'sge', 'pbs'];

/** What one validation run works within: where values came from, the environment, and where problems go. */
export interface ValidationScope {
  origins: OriginMap;
  problems: ConfigProblem[];
  env: NodeJS.ProcessEnv;
  homeDir: string;
}

class Reporter {
  constructor(readonly scope: ValidationScope) {}

  /** A problem with the value at `at` (`suffix` adds a list index); `missing` blames the file that last set its parent. */
  add(at: string[], message: string, opts: { suffix?: string; missing?: boolean; file?: string } = {}): void {
    const file = opts.file
      ?? (opts.missing ? this.scope.origins.lastFileUnder(at.slice(0, -1)) : this.scope.origins.fileOf(at))
      ?? '(no file)';
    this.scope.problems.push({ file, path: formatPath(at) + (opts.suffix ?? ''), message });
  }

  unknownKeys(obj: JsonObject, at: string[], known: string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.add([...at, key], unknownKeyMessage(key, known));
    }
  }

  stringList(value: unknown, at: string[], checkLine?: (line: string) => string | null): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.add(at, `expected a list of strings; found ${show(value)}`);
      return [];
    }
    value.forEach((line, i) => {
      if (typeof line !== 'string') this.add(at, `expected a string; found ${show(line)}`, { suffix: `[${i}]` });
      else {
        const bad = checkLine?.(line);
        if (bad) this.add(at, `${bad}; found ${show(line)}`, { suffix: `[${i}]` });
      }
    });
    return value.filter((line): line is string => typeof line === 'string');
  }
}

function unitValue<T>(value: unknown, at: string[], r: Reporter, read: (v: unknown, where: string) => T): T | null {
  if (value === null || (typeof value === 'string' && value.trim().toLowerCase() === '_none_')) return null;
  try {
    return read(value, formatPath(at));
  } catch (error) {
    if (!(error instanceof ResourceSpecError)) throw error;
    r.add(at, `${error.problems[0]!.message}, or null for no limit`);
    return null;
  }
}

const UNSAFE_PARTITION = /[\s\x00-\x1f\x7f'"`$;&|<>\\]/;

function validatePartition(name: string, raw: unknown, at: string[], r: Reporter): PartitionSpec | null {
  if (!isJsonObject(raw)) {
    r.add(at, `expected an object with num_cores, max_time and max_mem (use "_DELETE_" to remove an inherited partition); found ${show(raw)}`);
    return null;
  }
  r.unknownKeys(raw, at, PARTITION_KEYS);
  const before = r.scope.problems.length;
  for (const key of ['num_cores', 'max_time', 'max_mem']) {
    if (!Object.hasOwn(raw, key)) {
      const what = key === 'num_cores' ? 'a positive integer (cores per node)' : key === 'max_time' ? 'a time such as "48h" or "2-00:00:00", or null for no limit' : 'a memory size per node such as "180GB", or null for unknown';
      r.add([...at, key], `required: ${what}`, { missing: true });
    }
  }
  const cores = raw.num_cores;
  if (cores !== undefined && (typeof cores !== 'number' || !Number.isSafeInteger(cores) || cores <= 0)) {
    r.add([...at, 'num_cores'], `expected a positive integer (cores per node); found ${show(cores)}`);
  }
  const maxTimeS = raw.max_time === undefined ? null : unitValue(raw.max_time, [...at, 'max_time'], r, parseTimeS);
  const maxMemKb = raw.max_mem === undefined ? null : unitValue(raw.max_mem, [...at, 'max_mem'], r, parseMemKb);
  const schedulerName = raw.partition ?? name;
  if (typeof schedulerName !== 'string' || schedulerName === '') {
    r.add([...at, 'partition'], `expected a non-empty string (the name the scheduler knows); found ${show(raw.partition)}`);
  } else if (UNSAFE_PARTITION.test(schedulerName)) {
    // It fills {partition} in header lines: a space would add scheduler options, a line break a shell command.
    r.add([...at, 'partition'], `a partition name is one word without spaces, line breaks, quotes or shell characters ($ \` ; & | < > \\); found ${show(schedulerName)}` +
      (raw.partition === undefined ? ' (the partition key is used as the name; set "partition" to the name the scheduler knows)' : ''));
  }
  const header = r.stringList(raw.header, [...at, 'header'], checkHeaderTemplate);
  if (r.scope.problems.length > before) return null;
  return { name, schedulerName: schedulerName as string, numCores: cores as number, maxTimeS, maxMemKb, header };
}

function validatePartitions(raw: JsonObject, at: string[], scheduler: unknown, r: Reporter): PartitionSpec[] {
  const hasP = Object.hasOwn(raw, 'partitions');
  const hasQ = Object.hasOwn(raw, 'queues');
  if (hasP && hasQ) {
    r.add([...at, 'queues'], 'give only one of "partitions" and "queues" (queues is another name for partitions)');
    return [];
  }
  const key = hasQ ? 'queues' : 'partitions';
  const value = raw[key];
  if (value === undefined || value === null) {
    if (scheduler === 'local' && raw.host === null) return [localMachinePartition()];
    if (value === undefined) {
      r.add([...at, 'partitions'], 'required: an object mapping partition names to {num_cores, max_time, max_mem}, or null', { missing: true });
    }
    return [];
  }
  if (!isJsonObject(value)) {
    r.add([...at, key], `expected an object mapping partition names to {num_cores, max_time, max_mem}, or null; found ${show(value)}`);
    return [];
  }
  return Object.entries(value)
    .map(([name, spec]) => validatePartition(name, spec, [...at, key, name], r))
    .filter((p): p is PartitionSpec => p !== null);
}

// `max_queued_jobs`: a whole number >= 1, or null / absent for no limit.
function maxQueuedJobs(raw: JsonObject, at: string[], r: Reporter): { maxQueuedJobs?: number } {
  const value = raw.max_queued_jobs;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    r.add([...at, 'max_queued_jobs'], `expected a whole number of jobs >= 1 (most jobs in the queue at once), or null for no limit; found ${show(value)}`);
    return {};
  }
  return { maxQueuedJobs: value };
}

// `arrays` (true/false) and `max_array_size` (a whole number >= 1), both optional.
function arraySettings(raw: JsonObject, at: string[], r: Reporter): { arrays?: boolean; maxArraySize?: number } {
  const out: { arrays?: boolean; maxArraySize?: number } = {};
  if (raw.arrays !== undefined) {
    if (typeof raw.arrays === 'boolean') out.arrays = raw.arrays;
    else r.add([...at, 'arrays'], `expected true or false (submit the jobs of one call as job arrays); found ${show(raw.arrays)}`);
  }
  const n = raw.max_array_size;
  if (n !== undefined) {
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 1) out.maxArraySize = n;
    else r.add([...at, 'max_array_size'], `expected a whole number >= 1 (most tasks in one job array); found ${show(n)}`);
  }
  return out;
}

function optionalString(raw: JsonObject, key: string, at: string[], r: Reporter, fallback: string): string {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    r.add([...at, key], `expected a non-empty string; found ${show(value)}`);
    return fallback;
  }
  return value;
}

function remshArgv(raw: JsonObject, host: string | null, at: string[], r: Reporter, env: NodeJS.ProcessEnv): string[] | null {
  const value = raw.remsh_cmd;
  const fromEnv = value === undefined || value === null;
  if (fromEnv && (host === null || !env.EXPYRE_RSH?.trim())) return null;
  const text = fromEnv ? env.EXPYRE_RSH! : value;
  const opts = fromEnv ? { file: '$EXPYRE_RSH' } : {};
  if (Array.isArray(text)) {
    if (text.length > 0 && text.every((w) => typeof w === 'string' && w !== '')) return text as string[];
  } else if (typeof text === 'string') {
    try {
      const words = splitShellWords(text);
      if (words.length > 0) return words;
    } catch (error) {
      r.add([...at, 'remsh_cmd'], `cannot split ${show(text)} into words: ${(error as Error).message}`, opts);
      return null;
    }
  }
  r.add([...at, 'remsh_cmd'], `expected a command such as "ssh -p 2222" (or a list of words), or null for built-in SSH; found ${show(text)}`, opts);
  return null;
}

function normalizeRundir(raw: JsonObject, host: string | null, at: string[], r: Reporter, homeDir: string): string | null {
  if (!Object.hasOwn(raw, 'rundir')) return host === null ? null : 'run_expyre';
  const value = raw.rundir;
  if (value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') {
    r.add([...at, 'rundir'], `expected a directory path (relative = under the remote home), or null; found ${show(value)}`);
    return null;
  }
  const trimmed = value.length > 1 ? value.replace(/\/+$/, '') || '/' : value;
  // As ExPyRe: with host null, a relative rundir is under the local home.
  return host === null && !path.isAbsolute(trimmed) ? path.join(homeDir, trimmed) : trimmed;
}

// Validate `systems.<name>` of the merged config; problems go to scope.problems and the result is null when there are any.
export function validateSystem(name: string, raw: unknown, scope: ValidationScope): SystemConfig | null {
  const r = new Reporter(scope);
  const at = ['systems', name];
  const before = scope.problems.length;
  if (!isJsonObject(raw)) {
    r.add(at, `expected an object with host, scheduler and partitions (or null to remove the system); found ${show(raw)}`);
    return null;
  }
  r.unknownKeys(raw, at, SYSTEM_KEYS);
  if (!Object.hasOwn(raw, 'host')) r.add([...at, 'host'], 'required: "[user@]host" (or an ~/.ssh/config alias), or null for this machine', { missing: true });
  const host = raw.host === undefined ? null : raw.host;
  if (host !== null && (typeof host !== 'string' || host.trim() === '')) {
    r.add([...at, 'host'], `expected "[user@]host" (or an ~/.ssh/config alias), or null for this machine; found ${show(host)}`);
  }
  const scheduler = raw.scheduler;
  if (scheduler === undefined) {
    r.add([...at, 'scheduler'], `required: one of ${SCHEDULERS.map((s) => `"${s}"`).join(', ')}`, { missing: true });
  } else if (!SCHEDULERS.includes(scheduler as SchedulerKind)) {
    const guess = typeof scheduler === 'string' ? SCHEDULERS.find((s) => s === scheduler.toLowerCase()) : undefined;
    const hint = guess ? ` (did you mean "${guess}"?)` : '';
    r.add([...at, 'scheduler'], `expected one of ${SCHEDULERS.map((s) => `"${s}"`).join(', ')}; found ${show(scheduler)}${hint}`);
  }
  const partitions = validatePartitions(raw, at, scheduler, r);
  const header = r.stringList(raw.header, [...at, 'header'], checkHeaderTemplate);
  const noDefaultHeader = raw.no_default_header ?? false;
  if (typeof noDefaultHeader !== 'boolean') r.add([...at, 'no_default_header'], `expected true or false; found ${show(noDefaultHeader)}`);
  const system: SystemConfig = {
    name,
    host: typeof host === 'string' ? host : null,
    scheduler: scheduler as SchedulerKind,
    partitions,
    header,
    noDefaultHeader: noDefaultHeader === true,
    scriptExec: optionalString(raw, 'script_exec', at, r, '/bin/bash'),
    preSubmitCmds: r.stringList(raw.pre_submit_cmds, [...at, 'pre_submit_cmds']),
    commands: r.stringList(raw.commands, [...at, 'commands']),
    rundir: normalizeRundir(raw, typeof host === 'string' ? host : null, at, r, scope.homeDir),
    remshCmd: remshArgv(raw, typeof host === 'string' ? host : null, at, r, scope.env),
    nodeCmd: optionalString(raw, 'node_cmd', at, r, 'node'),
    ...maxQueuedJobs(raw, at, r),
    ...arraySettings(raw, at, r),
  };
  return scope.problems.length > before ? null : system;
}
