// Loads the configuration: finds config dirs, merges their config.json files, validates every system.
// Synchronous and side-effect free (creates nothing); a missing config is fine and leaves only the `local` system.
import fs from 'node:fs';
import path from 'node:path';
import { unknownKeyMessage } from '../resources/suggest.ts';
import { show } from '../resources/units.ts';
import { ConfigError, UnknownSystemError, type ConfigProblem } from './errors.ts';
import { parseJsonText } from './json-position.ts';
import { defaultLocalSystem } from './local-system.ts';

export { defaultLocalSystem };
import { findConfigDirs, type LocateOptions } from './locate.ts';
import { isJsonObject, mergeLeaves, OriginMap, type JsonObject } from './merge.ts';
import type { SystemConfig, XprConfig } from './types.ts';
import { validateSystem } from './validate.ts';

export const TOP_LEVEL_KEYS = ['systems', 'local_stage_dir', 'remote_rundir_submit_hostname'];

// Top-level keys read by nobody and accepted anyway, as ExPyRe ignores them: "$schema" (editors complete from it)
// and any key starting with "_" ("_comment") except "__proto__". A misspelt real key is still an error.
export function isIgnoredTopLevelKey(key: string): boolean {
  return key === '$schema' || (key.startsWith('_') && key !== '__proto__');
}

function readConfigFile(file: string, problems: ConfigProblem[]): JsonObject | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    problems.push({ file, path: '', message: `cannot read: ${(error as Error).message}` });
    return null;
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    problems.push({ file, path: '', ...parsed.problem });
    return null;
  }
  if (!isJsonObject(parsed.value)) {
    problems.push({ file, path: '', message: `expected a JSON object such as {"systems": {...}}; found ${show(parsed.value)}` });
    return null;
  }
  return parsed.value;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

// Read, merge and validate every config.json that applies to `cwd`; throws ConfigError listing all problems.
export function loadConfig(opts: LocateOptions): XprConfig {
  const dirs = findConfigDirs(opts);
  const problems: ConfigProblem[] = [];
  const merged: JsonObject = {};
  const origins = new OriginMap();
  const files: string[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, 'config.json');
    if (!isFile(file)) continue;
    files.push(file);
    const data = readConfigFile(file, problems);
    if (data) mergeLeaves(merged, data, file, origins);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const report = (key: string, message: string): void => {
    problems.push({ file: origins.fileOf([key]) ?? '(no file)', path: key, message });
  };
  for (const key of Object.keys(merged)) {
    if (!TOP_LEVEL_KEYS.includes(key) && !isIgnoredTopLevelKey(key)) report(key, unknownKeyMessage(key, TOP_LEVEL_KEYS));
  }
  if (merged.$schema !== undefined && typeof merged.$schema !== 'string') {
    report('$schema', `expected the URL or path of the JSON Schema (config-examples/schema/config.schema.json); found ${show(merged.$schema)}`);
  }

  const systems = new Map<string, SystemConfig>();
  const rawSystems = merged.systems;
  if (rawSystems !== undefined && !isJsonObject(rawSystems)) {
    report('systems', `expected an object mapping system names to {host, scheduler, partitions, ...}; found ${show(rawSystems)}`);
  } else if (rawSystems) {
    const scope = { origins, problems, env: opts.env, homeDir: opts.homeDir };
    for (const [name, raw] of Object.entries(rawSystems)) {
      if (raw === null) continue; // a system set to null is removed
      const system = validateSystem(name, raw, scope);
      if (system) systems.set(name, system);
    }
  }
  if (!systems.has('local')) systems.set('local', defaultLocalSystem());

  let projectRoot = dirs.at(-1) ?? path.join(opts.homeDir, '.expyre');
  const stageDir = merged.local_stage_dir;
  if (stageDir !== undefined) {
    if (typeof stageDir !== 'string' || stageDir.trim() === '') report('local_stage_dir', `expected a directory path (relative = relative to the cwd); found ${show(stageDir)}`);
    else projectRoot = path.resolve(opts.cwd, stageDir);
  }
  const hostname = merged.remote_rundir_submit_hostname ?? null;
  if (hostname !== null && (typeof hostname !== 'string' || hostname.trim() === '')) {
    report('remote_rundir_submit_hostname', `expected a non-empty string (replaces $HOSTNAME in remote rundir names), or null; found ${show(hostname)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { projectRoot, files, systems, remoteRundirSubmitHostname: hostname as string | null };
}

// The system called `name`; throws UnknownSystemError listing the known systems and the config files read.
export function getSystem(config: XprConfig, name: string): SystemConfig {
  const system = config.systems.get(name);
  if (!system) throw new UnknownSystemError(name, [...config.systems.keys()], config.files);
  return system;
}
