// The dashboard's HTTP server (hono on node): 127.0.0.1 only, every request needs the token, GET only. Serves the
// page, the JSON API (/api/jobs, /api/jobs/:id, /api/calls) and /api/events, server-sent events on store changes.
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { JobStore } from '../store/index.ts';
import { dashJobs, dashJobDetail } from './jobs.ts';
import { dashCalls } from './calls.ts';
import { renderPage } from './page.ts';
import { newToken, tokenMatches } from './token.ts';
import { StoreWatcher } from './watch.ts';
import { DashboardListenError } from './errors.ts';

export interface DashboardOptions {
  /** Port on 127.0.0.1. @default 0 (a free one) */
  port?: number;
  /** The token (tests); @default a fresh random one */
  token?: string;
  /** How often the store's change mark is read while a page listens. @default 500 ms */
  watchIntervalMs?: number;
}

export interface Dashboard {
  /** The page's address, with the token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const csv = (v: string | undefined): string[] | undefined => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

// The hono app over a store (no listening).
export function dashboardApp(store: JobStore, token: string, watcher: StoreWatcher): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (!tokenMatches(token, c.req.query('token') ?? c.req.header('x-xpr-token'))) return c.text('forbidden: this dashboard needs the token of the URL it printed\n', 403);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return c.text('the dashboard is read-only\n', 405);
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    await next();
  });
  app.get('/', async (c) => {
    c.header('Content-Security-Policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
    return c.html(await renderPage());
  });
  app.get('/api/jobs', (c) => c.json({ jobs: dashJobs(store, { states: csv(c.req.query('state')), system: c.req.query('system'), name: c.req.query('name') }) }));
  app.get('/api/jobs/:id', (c) => {
    const d = dashJobDetail(store, c.req.param('id'));
    return d ? c.json(d) : c.json({ error: `no job ${c.req.param('id')} in ${store.path}` }, 404);
  });
  app.get('/api/calls', (c) => c.json({ calls: dashCalls(store) }));
  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      let wake: (() => void) | undefined;
      let pending: string | undefined;
      const unsubscribe = watcher.subscribe((mark) => {
        pending = mark;
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'hello', data: store.changeMark() });
      while (!stream.aborted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 15_000); // a comment now and then keeps proxies and the browser from timing out
        });
        wake = undefined;
        if (stream.aborted) break;
        if (pending !== undefined) {
          await stream.writeSSE({ event: 'change', data: pending });
          pending = undefined;
        } else await stream.write(': keep-alive\n\n');
      }
      unsubscribe();
    }),
  );
  return app;
}

// Start the dashboard on 127.0.0.1.
export async function startDashboard(store: JobStore, opts: DashboardOptions = {}): Promise<Dashboard> {
  const token = opts.token ?? newToken();
  const watcher = new StoreWatcher(store, opts.watchIntervalMs);
  const app = dashboardApp(store, token, watcher);
  const wanted = opts.port ?? 0;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: wanted, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', (err) => reject(new DashboardListenError(wanted, err)));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        watcher.stop();
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
