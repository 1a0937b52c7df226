// Errors of the command line itself, and the exit codes every command uses (documented in `xpr --help`).
// XprError = explained to the user; UsageError = the command line was wrong; anything else is a bug in xpr.
import { XprError } from '../../src/errors.ts';

export const EXIT = {
  /** Done (also: nothing matched). */
  ok: 0,
  /** A problem the message explains: unknown job, unreachable system, failed doctor check, declined prompt. */
  failed: 1,
  /** Bad command line: unknown option, bad value, missing filter or --yes. */
  usage: 2,
  /** A bug in xpr (EX_SOFTWARE); the output has a stack trace to report. */
  bug: 70,
} as const;

/** The command line was wrong (exit 2). */
export class UsageError extends XprError {
  override name = 'UsageError';
}

/** A job id not in the store (exit 1). */
export class NoSuchJobError extends XprError {
  override name = 'NoSuchJobError';
  constructor(readonly jobId: string, storePath: string) {
    super(`no job ${jobId} in ${storePath} (\`xpr ls\` lists them)`);
  }
}
