// How failed items are reported: every failure of a call, across all its jobs, with item index, job and error.
// Thrown together (never only the first), or returned beside the results when failures are ignored.
import { XprError } from '../errors.ts';

export interface ItemFailure {
  /** Index of the item in the call's inputs. */
  index: number;
  /** The job that ran it (null when it ran in the local pool). */
  jobId: string | null;
  /** The op's error (remote name, message, stack and cause preserved) or why the job died. */
  error: Error;
}

/** Some items failed. `failures` lists all of them; `results` holds what the other items returned (undefined for the failed). */
export class ItemsFailedError extends XprError {
  override name = 'ItemsFailedError';
  constructor(readonly failures: readonly ItemFailure[], readonly results: readonly unknown[]) {
    const shown = failures.slice(0, 10).map((f) => `  item ${f.index}${f.jobId ? ` (job ${f.jobId})` : ''}: ${f.error.name}: ${f.error.message.split('\n')[0]}`);
    const more = failures.length > shown.length ? [`  ... and ${failures.length - shown.length} more (see .failures)`] : [];
    super(
      `${failures.length} of ${results.length} item(s) failed:\n${[...shown, ...more].join('\n')}\n` +
        'Pass ignoreFailed: true (or set ignore_failed_jobs in the RemoteInfo of a remote call) to get the other results, with failures listed in .failures.',
    );
  }
}
