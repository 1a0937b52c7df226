// Errors raised by the job store.
// They name the database file so the user knows which project is affected.
import { XprError } from '../errors.ts';
import { quote } from '../transport/quote.ts';

export class StoreError extends XprError {
  override name = 'StoreError';
  constructor(message: string, readonly dbPath: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Another process held a write transaction (or the writer lock dir) on the store for longer than the busy timeout. */
export class StoreLockedError extends StoreError {
  override name = 'StoreLockedError';
}

/** The store file is not a SQLite database or is damaged. */
export class StoreCorruptError extends StoreError {
  override name = 'StoreCorruptError';
}

// The StoreError for a failure of SQLite (or of the writer lock) on the store at `path`; other errors unchanged.
export function storeFailure(path: string, err: unknown, busyTimeoutMs: number): unknown {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  const message = (err as Error).message;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'XPR_LOCK_TIMEOUT') {
    const fix = code === 'XPR_LOCK_TIMEOUT'
      ? 'If that writer is gone (killed, or it ran on another login node), run `xpr db-unlock` in this project (`xpr db-unlock --force` if its holder was on another host); no rows are lost.'
      : `A SQLite lock ends with the process holding it: \`fuser ${quote(path)}\` shows which process that is.`;
    return new StoreLockedError(
      `The job store ${path} is locked: another process kept it locked for writing for more than ${busyTimeoutMs / 1000} s (${message}). ` +
        `Another xpr run on this project (or a sqlite3 shell) is probably still writing: wait for it to finish or stop it, then rerun. ${fix}`,
      path, { cause: err },
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || /not a database|malformed/.test(message ?? '')) {
    const [file, aside] = [quote(path), quote(`${path}.damaged`)];
    return new StoreCorruptError(
      `The job store ${path} is damaged (${message}). Move it aside and rerun to start with an empty store (jobs recorded in it are then not reused; ` +
        `their dirs stay in xpr-stage): mv ${file} ${aside} — or try to recover its rows first: sqlite3 ${aside} .recover | sqlite3 ${file}`,
      path, { cause: err },
    );
  }
  return err;
}

/** A stored record (a job's details, a call's record) that is not the JSON this xpr wrote: names the row and the file. */
export class StoredDataError extends StoreError {
  override name = 'StoredDataError';
  constructor(message: string, dbPath: string, readonly rowId: string, options?: ErrorOptions) {
    super(message, dbPath, options);
  }
}
