// Errors of `xpr dashboard`: the server could not listen, or the page assets could not be built.
// Each names what to change (another --port, a reinstall).
import { XprError } from '../errors.ts';

/** The server could not listen on the asked port (in use, or not allowed). */
export class DashboardListenError extends XprError {
  override name = 'DashboardListenError';
  constructor(readonly port: number, cause: unknown) {
    super(`the dashboard cannot listen on 127.0.0.1:${port}: ${(cause as Error).message} (choose another --port, or omit it for a free one)`, { cause });
  }
}

/** The page's script could not be bundled from src/dashboard/page/ and its dependencies (chart.js). */
export class DashboardAssetError extends XprError {
  override name = 'DashboardAssetError';
  constructor(readonly path: string, cause: unknown) {
    super(`the dashboard page could not be built from ${path}: ${(cause as Error).message} (is xpr installed with its dependencies? try npm install)`, { cause });
  }
}
