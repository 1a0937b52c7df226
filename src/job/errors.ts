// The outcomes a caller of a job must handle, as named errors: failed (the op threw), died (no result),
// cancelled, a local wait that timed out, and bad job options.
import { XprError } from '../errors.ts';

/** The op threw inside the job. Carries the remote error and the tails of the job's output. */
export class JobFailedError extends XprError {
  override name = 'JobFailedError';
  constructor(
    readonly jobId: string,
    /** The error as decoded from the job (name, message, stack and cause preserved). */
    readonly remoteError: Error,
    readonly stdoutTail: string,
    readonly stderrTail: string,
  ) {
    super(
      `Job ${jobId} failed: ${remoteError.name}: ${remoteError.message}\n` +
        `--- remote stack ---\n${remoteError.stack ?? '(none)'}` +
        (stderrTail ? `\n--- stderr (tail) ---\n${stderrTail}` : ''),
      { cause: remoteError },
    );
  }
  get remoteName(): string {
    return this.remoteError.name;
  }
  get remoteMessage(): string {
    return this.remoteError.message;
  }
  get remoteStack(): string | undefined {
    return this.remoteError.stack;
  }
}

/** The job ended without writing a result: walltime, out of memory, node failure, killed, or vanished from the queue. */
export class JobDiedError extends XprError {
  override name = 'JobDiedError';
  constructor(
    readonly jobId: string,
    /** What the queue or the job's files say happened (e.g. `TIMEOUT`, `runner exited with code 137`). */
    readonly reason: string,
    readonly stdoutTail = '',
    readonly stderrTail = '',
  ) {
    super(`Job ${jobId} died without a result: ${reason}` + (stderrTail ? `\n--- stderr (tail) ---\n${stderrTail}` : ''));
  }
}

export class JobCancelledError extends XprError {
  override name = 'JobCancelledError';
  /** `reason`: how it was cancelled, as recorded with the job (`cancelled by the user`; by `xpr rm` while removing it). */
  constructor(readonly jobId: string, readonly reason: string | null = null) {
    super(reason ? `Job ${jobId}: ${reason}` : `Job ${jobId} was cancelled`);
  }
}

/** Waiting locally ran out of time. The job itself is untouched: it may still finish, and a rerun will attach to it. */
export class JobWaitTimeoutError extends XprError {
  override name = 'JobWaitTimeoutError';
  constructor(readonly jobIds: readonly string[], readonly timeoutS: number, readonly states: Record<string, string>) {
    super(
      `Gave up waiting after ${timeoutS} s for ${jobIds.length} job(s) (${Object.entries(states).map(([id, s]) => `${id}: ${s}`).join(', ')}). ` +
        'The jobs were left as they are; run the script again to pick them up.',
    );
  }
}

/** Waiting stopped because the context was closed. The jobs are untouched; a rerun attaches to them. */
export class WaitStoppedError extends XprError {
  override name = 'WaitStoppedError';
  constructor(readonly jobIds: readonly string[], readonly system: string) {
    super(`Stopped waiting for ${jobIds.length} job(s) on "${system}": the xpr context was closed. ` +
      'The jobs were left as they are; run the script again to pick them up.');
  }
}

/** A job this process waits for was removed from the store by someone else (say, `xpr rm`) while it waited. */
export class JobRemovedError extends XprError {
  override name = 'JobRemovedError';
  constructor(readonly jobIds: readonly string[], readonly storePath: string) {
    super(`Job(s) ${jobIds.join(', ')} were removed from ${storePath} while this process waited for them (by \`xpr rm\` or ` +
      '`xpr gc`?). Their results are gone; run the script again to start them anew.');
  }
}

/** Jobs claimed by a driver that stopped before staging them, which this process cannot take over. */
export class JobAbandonedError extends XprError {
  override name = 'JobAbandonedError';
  constructor(readonly jobIds: readonly string[], readonly why: string) {
    super(`Job(s) ${jobIds.join(', ')} were claimed by an xpr process that stopped before staging them, and cannot be ` +
      `staged from here: ${why}. Run the script that made them again (it stages them), or remove them: xpr rm -i ${jobIds.join(',')}`);
  }
}

/** A file a job wrote cannot be read back (corrupt or from another xpr release). Nothing in it was executed. */
export class JobFileError extends XprError {
  override name = 'JobFileError';
  constructor(readonly file: string, cause: unknown) {
    super(`Cannot read ${file}: ${(cause as Error).message ?? String(cause)}`, { cause });
  }
}

export { JobOptionError } from '../system/errors.ts';

/** Some jobs could not be submitted. They are recorded as failed; the others went ahead. */
export class JobSubmitError extends XprError {
  override name = 'JobSubmitError';
  constructor(readonly failures: ReadonlyArray<{ jobId: string; message: string }>) {
    super(`Could not submit ${failures.length} job(s):\n${failures.map((f) => `  ${f.jobId}: ${f.message}`).join('\n')}`);
  }
}
