// Errors of the local worker pool: unusable options or env settings, an op that cannot be loaded, a worker thread that
// stopped, an op result of the wrong shape. Each carries the fields a user needs to fix the cause.
import { XprError } from '../errors.ts';

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
