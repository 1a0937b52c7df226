// Errors raised while finding, parsing and validating config.json files, and when a system name is unknown.
// ConfigError carries every problem found (file, JSON path, what was expected and found), not just the first.
import { XprError } from '../errors.ts';
import { closestName } from '../resources/suggest.ts';

/** One problem in one config file. `path` is a JSON path such as `systems.cluster.partitions.std.max_time`. */
export interface ConfigProblem {
  file: string;
  /** '' for the whole file (e.g. a syntax error). */
  path: string;
  message: string;
  /** 1-based position of a JSON syntax error. */
  line?: number;
  column?: number;
}

function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column}`;
  return p.path === '' ? `${where}: ${p.message}` : `${where}: ${p.path}: ${p.message}`;
}

/** The configuration cannot be used; `problems` lists everything wrong, in file order. */
export class ConfigError extends XprError {
  override name = 'ConfigError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const n = problems.length;
    super(`Invalid xpr/ExPyRe configuration (${n} problem${n === 1 ? '' : 's'}):\n  ${problems.map(formatProblem).join('\n  ')}`);
    this.problems = problems;
  }
}

/** A system name that no config file defines. */
export class UnknownSystemError extends XprError {
  override name = 'UnknownSystemError';
  readonly systemName: string;
  readonly knownSystems: string[];
  readonly files: string[];

  constructor(systemName: string, knownSystems: string[], files: string[]) {
    const guess = closestName(systemName, knownSystems);
    const hint = guess === null ? '' : ` Did you mean "${guess}"?`;
    const read = files.length === 0 ? 'no config.json was found (looked in ~/.expyre and .expyre/_expyre dirs from the cwd up, or $EXPYRE_ROOT)' : `config files read: ${files.join(', ')}`;
    super(`Unknown system "${systemName}".${hint} Known systems: ${knownSystems.join(', ') || '(none)'}; ${read}.`);
    this.systemName = systemName;
    this.knownSystems = knownSystems;
    this.files = files;
  }
}
