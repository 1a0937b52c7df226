// Errors raised while locating and bundling an op.
// Each says what was wrong with the op and how to make it shippable.
import { XprError } from '../errors.ts';

/** The op cannot be sent to a job: a closure, an unexported or anonymous function, or a bad module reference. */
export class UnshippableOpError extends XprError {
  override name = 'UnshippableOpError';
  constructor(
    message: string,
    /** The module file the function was found in, when known. */
    readonly modulePath: string | null,
  ) {
    super(message);
  }
}

/** esbuild could not bundle the op's module (syntax error, missing import...). */
export class BundleError extends XprError {
  override name = 'BundleError';
  constructor(message: string, readonly modulePath: string, options?: ErrorOptions) {
    super(message, options);
  }
}
