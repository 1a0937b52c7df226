// Errors raised by the job store.
// They name the database file so the user knows which project is affected.
import { XprError } from '../errors.ts';

export class StoreError extends XprError {
  override name = 'StoreError';
  constructor(message: string, readonly dbPath: string, options?: ErrorOptions) {
    super(message, options);
  }
}
