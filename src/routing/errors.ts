// Errors of WFL_EXPYRE_INFO routing: an invalid RemoteInfo (every fault with its key path), and WFL_EXPYRE_INFO text or
// file that cannot be read or parsed (with line and column when known).
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
