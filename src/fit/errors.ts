// Named errors of command jobs and fits: a bad option or parameter (naming it), failed command jobs (all of them),
// a fit output that is incomplete, and fit routing settings that cannot be used (naming the env var or key).
import { XprError } from '../errors.ts';

/** An option or parameter of a command job or fit is wrong; `option` names it. */
export class FitOptionError extends XprError {
  override name = 'FitOptionError';
  constructor(readonly option: string, detail: string) {
    super(`${option}: ${detail}`);
  }
}

/** One or more command jobs failed, died or could not deliver their outputs; each failure is listed. */
export class CommandJobError extends XprError {
  override name = 'CommandJobError';
  constructor(readonly failures: ReadonlyArray<{ name: string; error: Error }>) {
    const died = failures.some((f) => f.error.name === 'JobDiedError');
    super(
      `${failures.length} command job(s) failed:\n${failures.map((f) => `  ${f.name}: ${f.error.message.split('\n').slice(0, 12).join('\n    ')}`).join('\n')}` +
        (died ? '\nA died job is reused by reruns: set resubmit_killed_jobs: true in the routing entry (or resubmitDied) to run it again with the current resources, or remove it with `xpr rm --id <id>`.' : ''),
      { cause: failures[0]?.error },
    );
  }
}

/** A fit ran but what it left is not a usable potential (e.g. the XML names a file that is missing). */
export class FitOutputError extends XprError {
  override name = 'FitOutputError';
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
  }
}

/** A fit routing setting (WFL_EXPYRE_INFO entry or legacy *_REMOTEINFO env var) cannot be used; `source` names it. */
export class FitRoutingError extends XprError {
  override name = 'FitRoutingError';
  constructor(readonly source: string, detail: string, options?: { cause?: unknown }) {
    super(`${source}: ${detail}`, options);
  }
}
