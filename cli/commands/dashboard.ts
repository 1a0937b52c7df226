// `xpr dashboard`: serve the project's jobs as a live local web page (127.0.0.1, token in the printed URL) until
// interrupted; with --once write a self-contained HTML report instead. Reads only the store, never a system.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startDashboard, renderReport } from '../../src/dashboard/index.ts';
import { withContext } from './shared.ts';
import { UsageError } from './errors.ts';

export interface DashboardCliOptions {
  port?: number;
  once?: boolean;
  out?: string;
}

export function dashboard(o: DashboardCliOptions): Promise<void> {
  if (o.out && !o.once) throw new UsageError('--out goes with --once (the live dashboard writes no file)');
  return withContext(async (ctx) => {
    if (o.once) {
      const html = await renderReport(ctx.store);
      if (!o.out || o.out === '-') process.stdout.write(html);
      else {
        writeFileSync(o.out, html);
        process.stderr.write(`xpr: report of ${ctx.store.path} written to ${resolve(o.out)}\n`);
      }
      return;
    }
    const d = await startDashboard(ctx.store, { ...(o.port !== undefined ? { port: o.port } : {}) });
    process.stdout.write(`xpr dashboard of ${ctx.store.path}\n${d.url}\n(read-only, this machine only; Ctrl-C stops it)\n`);
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void d.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });
}
