// What the submit path and the poller use of a driver's state: the project's job store, the logger and the env.
// A narrow interface (XprContext provides it) so that watching and submitting never reach back to the context.
import type { JobStore } from '../store/index.ts';
import type { Logger } from '../log.ts';

/** The driver services a poller and the submit path use; XprContext is one. */
export interface JobServices {
  readonly store: JobStore;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
}
