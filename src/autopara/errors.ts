// Errors raised by the autoparallelize building blocks: RemoteInfo validation, WFL_EXPYRE_INFO parsing,
// worker-count settings, the local worker pool. Each carries the fields a user needs to fix the cause.
import { XprError } from '../errors.ts';

/** A RemoteInfo (explicit option or a WFL_EXPYRE_INFO entry) is invalid; `problems` lists every fault, each naming its key path. */
export class RemoteInfoError extends XprError {
  override name = 'RemoteInfoError';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.length === 1
      ? `Invalid RemoteInfo: ${problems[0]}`
      : `Invalid RemoteInfo (${problems.length} problems):\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** WFL_EXPYRE_INFO (text or the file it names) cannot be read or parsed. `line`/`column` are 1-based when known. */
export class ExpyreInfoError extends XprError {
  override name = 'ExpyreInfoError';
  /** What was being read, e.g. `WFL_EXPYRE_INFO` or `WFL_EXPYRE_INFO file /p/info.yaml`. */
  readonly source: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;

  constructor(source: string, detail: string, where: { file?: string | null; line?: number | null; column?: number | null } = {}) {
    const at = where.line != null ? ` at line ${where.line}, column ${where.column ?? 1}` : '';
    super(`${source}${at}: ${detail}`);
    this.source = source;
    this.file = where.file ?? null;
    this.line = where.line ?? null;
    this.column = where.column ?? null;
  }
}

/** An environment variable holds a value xpr cannot use (e.g. XPR_NUM_WORKERS=two). */
export class EnvSettingError extends XprError {
  override name = 'EnvSettingError';
  readonly variable: string;
  readonly value: string;
  readonly expected: string;

  constructor(variable: string, value: string, expected: string) {
    super(`environment variable ${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`);
    this.variable = variable;
    this.value = value;
    this.expected = expected;
  }
}

/** runPool was called with unusable options (relative code path, batch size 0, ...). */
export class PoolOptionError extends XprError {
  override name = 'PoolOptionError';
  readonly option: string;

  constructor(option: string, message: string) {
    super(`runPool option ${option}: ${message}`);
    this.option = option;
  }
}

/** The op could not be loaded in the pool (module import failed, or the export is missing / not a function). */
export class PoolOpLoadError extends XprError {
  override name = 'PoolOpLoadError';
  readonly codeFile: string;
  readonly exportName: string;
  /** Why, without the file and export (e.g. `import failed: ...`). */
  readonly reason: string;

  constructor(codeFile: string, exportName: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot load op "${exportName}" from ${codeFile}: ${reason}`, options);
    this.codeFile = codeFile;
    this.exportName = exportName;
    this.reason = reason;
  }
}

/** A pool worker thread stopped (process.exit in the op, an uncaught async error, out of memory) while running a batch. */
export class WorkerExitError extends XprError {
  override name = 'WorkerExitError';
  readonly exitCode: number;
  readonly firstIndex: number;
  readonly count: number;

  constructor(exitCode: number, firstIndex: number, count: number, detail: string) {
    const items = count === 1 ? `item ${firstIndex}` : `items ${firstIndex}..${firstIndex + count - 1}`;
    super(`the worker thread running ${items} stopped (exit code ${exitCode})${detail ? `: ${detail}` : ''}`);
    this.exitCode = exitCode;
    this.firstIndex = firstIndex;
    this.count = count;
  }
}

/** An op returned something other than an array of at most one result per item (or undefined / null). */
export class OpResultError extends XprError {
  override name = 'OpResultError';
}
