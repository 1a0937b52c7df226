// Finds the config dirs ExPyRe would read: $EXPYRE_ROOT alone, or .expyre/_expyre dirs from the cwd up to $HOME or /.
// Also puts ~/.expyre first when the walk did not reach it (e.g. a project outside $HOME), as the docs promise.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.ts';

/** Inputs of config discovery: never read from the process at import time. */
export interface LocateOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  homeDir: string;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b) || realOrResolved(a) === realOrResolved(b);
}

// Config dirs, shallowest first (the last one is the project's). Throws ConfigError for a bad EXPYRE_ROOT or .expyre + _expyre together.
export function findConfigDirs({ cwd, env, homeDir }: LocateOptions): string[] {
  const root = env.EXPYRE_ROOT;
  if (root !== undefined && root !== '' && root !== '@') {
    const dir = path.resolve(cwd, root);
    if (!isDir(dir)) {
      throw new ConfigError([{ file: '$EXPYRE_ROOT', path: '', message: `EXPYRE_ROOT=${JSON.stringify(root)} is not an existing directory (resolved to ${dir}); create it, or unset EXPYRE_ROOT (or set it to "@") to search from the cwd` }]);
    }
    return [dir];
  }
  const found: string[] = [];
  let dir = path.resolve(cwd);
  for (;;) {
    const dot = path.join(dir, '.expyre');
    const underscore = path.join(dir, '_expyre');
    const hasDot = isDir(dot);
    const hasUnderscore = isDir(underscore);
    if (hasDot && hasUnderscore) {
      throw new ConfigError([{ file: dir, path: '', message: `found both .expyre and _expyre in ${dir}; keep only one of them` }]);
    }
    if (hasDot) found.push(dot);
    else if (hasUnderscore) found.push(underscore);
    const parent = path.dirname(dir);
    if (parent === dir || samePath(dir, homeDir)) break;
    dir = parent;
  }
  found.reverse();
  const homeConfig = path.join(homeDir, '.expyre');
  if (isDir(homeConfig) && !found.some((d) => samePath(d, homeConfig))) found.unshift(homeConfig);
  return found;
}
