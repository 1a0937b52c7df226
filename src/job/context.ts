// The state one driver process works with: loaded config, the project's job store, one session and poller per system.
// Nothing is read at import; the default context is built on first use and reused for the life of the process. The
// transport (ssh2), session and poller modules load on the first session, so a command that only reads the store starts fast.
import { homedir } from 'node:os';
import { loadConfig, getSystem } from '../config/load.ts';
import type { XprConfig, SystemConfig } from '../config/types.ts';
import { JobStore } from '../store/index.ts';
import type { Transport } from '../transport/types.ts';
import { createLogger, type Logger } from '../log.ts';
import type { SystemSession } from '../system/session.ts';
import type { Poller } from './poller.ts';
import type { JobServices } from './services.ts';
import { closeAtExit, forgetAtExit } from './exit-close.ts';

export interface ContextOptions {
  /** Where config is searched from and relative paths start. @default process.cwd() */
  cwd?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default os.homedir() */
  homeDir?: string;
  logger?: Logger;
}

export class XprContext implements JobServices {
  readonly config: XprConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly logger: Logger;
  readonly homeDir: string;
  #store: JobStore | undefined;
  readonly #sessions = new Map<string, Promise<SystemSession>>();
  readonly #transports = new Map<string, Transport>();
  readonly #pollers = new Map<string, Promise<Poller>>();
  readonly #loading = new Set<Promise<unknown>>();

  constructor(opts: ContextOptions = {}) {
    this.cwd = opts.cwd ?? process.cwd();
    this.env = opts.env ?? process.env;
    this.logger = opts.logger ?? createLogger({ quiet: this.env.XPR_QUIET === '1' });
    this.homeDir = opts.homeDir ?? homedir();
    this.config = loadConfig({ cwd: this.cwd, env: this.env, homeDir: this.homeDir });
  }

  /** The project's job store (opened, and created if needed, on first use). */
  get store(): JobStore {
    this.#store ??= JobStore.open(this.config.projectRoot);
    return this.#store;
  }

  // The named system's config; throws UnknownSystemError listing the known ones.
  system(name: string): SystemConfig {
    return getSystem(this.config, name);
  }

  // The session for a system: one transport (one connection) per system for this context.
  session(name: string): Promise<SystemSession> {
    let s = this.#sessions.get(name);
    if (!s) {
      const system = this.system(name);
      const projectId = this.store.projectId();
      closeAtExit(this);
      const modules = Promise.all([import('../transport/index.ts'), import('../system/session.ts')]);
      this.#loading.add(modules);
      s = (async () => {
        const [{ makeTransport }, { openSession }] = await modules.finally(() => this.#loading.delete(modules));
        const transport = makeTransport(system, {
          ssh2: { homeDir: this.homeDir, agentSocket: this.env.SSH_AUTH_SOCK ?? null },
        });
        this.#transports.set(name, transport);
        try {
          return await openSession({ system, transport, projectRoot: this.config.projectRoot, projectId, env: this.env });
        } catch (err) {
          // A failed session closes its transport: the next attempt starts a fresh one, and nothing is left open.
          this.#transports.delete(name);
          void transport.close().catch(() => undefined);
          throw err;
        }
      })();
      s.catch(() => this.#sessions.delete(name));
      this.#sessions.set(name, s);
    }
    return s;
  }

  // The poller for a system: one status command per interval for all the jobs being waited on there.
  poller(name: string): Promise<Poller> {
    let p = this.#pollers.get(name);
    if (!p) {
      p = Promise.all([this.session(name), import('./poller.ts'), import('./submit.ts')]).then(
        ([session, { Poller }, { pendingSubmitter }]) => new Poller(this, session, pendingSubmitter(this, session)),
      );
      p.catch(() => this.#pollers.delete(name));
      this.#pollers.set(name, p);
    }
    return p;
  }

  /**
   * Diagnostic: the counters (connections opened, commands run) of each system's transport opened by this context.
   * xpr itself never reads them; they are public, as XprContext is, so that the integration tests, the benchmarks
   * (test/bench/) and a user counting round trips to a cluster can read them without reaching into private state.
   */
  transportStats(): Record<string, ReturnType<Transport['stats']>> {
    return Object.fromEntries([...this.#transports].map(([k, t]) => [k, t.stats()]));
  }

  // Stop pollers, close connections and the store. The jobs themselves are not touched.
  async close(): Promise<void> {
    forgetAtExit(this);
    // A session whose modules are still loading puts its transport in #transports next: wait for that, so none is
    // left open (a connection being opened is then closed, which ends its attempt).
    await Promise.all([...this.#loading].map((m) => m.catch(() => undefined)));
    await new Promise((r) => setImmediate(r));
    for (const p of this.#pollers.values()) (await p.catch(() => undefined))?.stop();
    await Promise.all([...this.#transports.values()].map((t) => t.close().catch(() => undefined)));
    this.#pollers.clear();
    this.#sessions.clear();
    this.#transports.clear();
    this.#store?.close();
    this.#store = undefined;
  }
}

let defaultCtx: XprContext | undefined;

// The process-wide context, built from process.cwd() and process.env on first use; closed by itself once the script
// has nothing left to do (closeDefaultContext() closes it sooner).
export function defaultContext(): XprContext {
  if (!defaultCtx) {
    const ctx = new XprContext();
    defaultCtx = ctx;
    const close = ctx.close.bind(ctx);
    ctx.close = async () => {
      if (defaultCtx === ctx) defaultCtx = undefined;
      await close();
    };
  }
  return defaultCtx;
}

// Close the process-wide context if one was built (lets a script exit promptly).
export async function closeDefaultContext(): Promise<void> {
  const ctx = defaultCtx;
  defaultCtx = undefined;
  await ctx?.close();
}
