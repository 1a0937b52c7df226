// Errors of rendering a job for one system: a malformed job option (env_vars, hash_ignore, input files...) names the
// option and what was expected. Re-exported by job/errors.ts, where callers of the job API find it.
import { XprError } from '../errors.ts';

/** A job option is malformed (env_vars, hash_ignore, input files...). */
export class JobOptionError extends XprError {
  override name = 'JobOptionError';
  constructor(readonly option: string, message: string) {
    super(`${option}: ${message}`);
  }
}
