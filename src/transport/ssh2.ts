// Native SSH transport (ssh2): one lazily opened connection per transport, reused for every command; channels capped
// below MaxSessions; keepalive; reconnect with backoff after a drop, repeating only idempotent commands (B21).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ExecOptions, ExecResult, Transport, TransportStats } from './types.ts';
import { quoteArgv } from './quote.ts';
import { ChannelLimit } from './channel-limit.ts';
import { ChannelOpenRefusedError, SshConfigError, SshConnectError, TransportClosedError, TransportDroppedError } from './errors.ts';
import { loadSshConfig } from './ssh-config.ts';
import { describeSpec, isTransientConnectError, openConnection, type ConnectSettings, type OpenedConnection } from './ssh-connect.ts';
import { isReplayableStdin } from './spawn-capture.ts';
import { ChannelDropped, runOnChannel, type LiveConnection } from './ssh-exec.ts';
import { refConnection, unrefSsh2Keepalives } from './idle.ts';

export interface Ssh2TransportOptions {
  /** `[user@]host[:port]` or an ~/.ssh/config alias. */
  host: string;
  /** Read only this file, like `ssh -F`. @default ~/.ssh/config, then /etc/ssh/ssh_config */
  sshConfigPath?: string;
  /** Replaces UserKnownHostsFile/GlobalKnownHostsFile for every hop. @default from ssh config, else ~/.ssh/known_hosts */
  knownHostsPath?: string | string[];
  /** Replaces IdentityFile for every hop. @default from ssh config, else ~/.ssh/id_ed25519, id_rsa, id_ecdsa */
  identityFiles?: string[];
  /** ssh-agent socket; null = no agent. @default process.env.SSH_AUTH_SOCK */
  agentSocket?: string | null;
  /** Concurrent channels; OpenSSH's MaxSessions defaults to 10. @default 8 */
  maxChannels?: number;
  /** @default ServerAliveInterval from ssh config, else 15000 */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as dropped. @default ServerAliveCountMax, else 3 */
  keepaliveCountMax?: number;
  /** Handshake timeout. @default ConnectTimeout from ssh config, else 20000 */
  connectTimeoutMs?: number;
  /** Connection attempts per (re)connect for transient failures (refused, reset, timeout). @default 5 */
  connectAttempts?: number;
  /** First backoff delay, doubled per attempt up to 8 s. @default 250 */
  backoffBaseMs?: number;
  /** Times an idempotent command is repeated after drops. @default 3 */
  maxRetries?: number;
  /** @default os.homedir() */
  homeDir?: string;
}

interface Connection extends LiveConnection {
  opened: OpenedConnection;
  dropped: boolean;
  /** Local TCP port of the direct connection (for tests and diagnostics); null through a jump host. */
  localPort: number | null;
}

export class Ssh2Transport implements Transport {
  readonly kind = 'ssh2' as const;
  readonly label: string;
  readonly #host: string;
  readonly #opts: Ssh2TransportOptions;
  readonly #limit: ChannelLimit;
  #settings: ConnectSettings | null = null;
  #conn: Promise<Connection> | null = null;
  #current: Connection | null = null;
  #closed = false;
  #connectionsOpened = 0;
  #commandsRun = 0;
  /** Commands in progress: while there are none the connection does not keep the process alive. */
  #active = 0;

  constructor(options: Ssh2TransportOptions) {
    this.#opts = options;
    this.#host = options.host;
    this.#limit = new ChannelLimit(options.maxChannels ?? 8);
    let label = options.host;
    try {
      label = describeSpec(options.host, this.#connectSettings());
    } catch {
      // A config problem: exec() raises it with its message; the label falls back to the spec as written.
    }
    this.label = label;
  }

  // Run argv on the host via the shared connection (quoted with quoteArgv for the remote shell).
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.#closed) throw new TransportClosedError(this.label);
    const command = quoteArgv(argv);
    this.#commandsRun++;
    if (this.#active++ === 0) this.#refCurrent(true);
    try {
      const release = await this.#limit.acquire(options.signal);
      try {
        return await this.#execWithRetries(argv, command, options);
      } finally {
        release();
      }
    } finally {
      if (--this.#active === 0) this.#refCurrent(false);
    }
  }

  async #execWithRetries(argv: readonly string[], command: string, options: ExecOptions): Promise<ExecResult> {
    const replayable = isReplayableStdin(options.stdin);
    const maxRetries = this.#opts.maxRetries ?? 3;
    let repeats = 0;
    let refusals = 0;
    for (;;) {
      if (this.#closed) throw new TransportClosedError(this.label);
      const conn = await this.#connection();
      try {
        return await runOnChannel(conn, command, argv, options, this.label);
      } catch (e) {
        if (e instanceof ChannelOpenRefusedError && refusals++ < 5) {
          await sleep(50 * refusals); // session slots free up as other channels close
          continue;
        }
        if (!(e instanceof ChannelDropped)) throw e;
        if (!e.reachedServer && repeats++ < maxRetries) continue;
        if (e.reachedServer && options.idempotent && replayable && repeats++ < maxRetries) continue;
        throw new TransportDroppedError({ label: this.label, argv, mayHaveRun: e.reachedServer, cause: e });
      }
    }
  }

  // The live connection, opening (or reopening after a drop) with bounded exponential backoff.
  #connection(): Promise<Connection> {
    if (this.#current && !this.#current.dropped) return Promise.resolve(this.#current);
    this.#conn ??= this.#connectWithBackoff().finally(() => {
      this.#conn = null;
    });
    return this.#conn;
  }

  async #connectWithBackoff(): Promise<Connection> {
    const attempts = this.#opts.connectAttempts ?? 5;
    const base = this.#opts.backoffBaseMs ?? 250;
    unrefSsh2Keepalives(); // before the handshake: ssh2 starts its keepalive timer once authenticated
    for (let i = 1; ; i++) {
      try {
        const opened = await openConnection(this.#host, this.#connectSettings());
        if (this.#closed) {
          endAll(opened);
          throw new TransportClosedError(this.label);
        }
        return this.#adopt(opened);
      } catch (e) {
        if (!isTransientConnectError(e)) throw e;
        if (i >= attempts) throw new SshConnectError(this.label, i, e);
        await sleep(Math.min(base * 2 ** (i - 1), 8000));
      }
    }
  }

  #refCurrent(on: boolean): void {
    const conn = this.#current;
    if (conn && !conn.dropped) refConnection(conn.opened.client, conn.opened.jumps, on);
  }

  #adopt(opened: OpenedConnection): Connection {
    const sock = (opened.client as unknown as { _sock?: { localPort?: number } })._sock;
    const conn: Connection = { opened, client: opened.client, dropped: false, localPort: opened.jumps.length ? null : (sock?.localPort ?? null) };
    const onGone = () => {
      if (conn.dropped) return;
      conn.dropped = true;
      if (this.#current === conn) this.#current = null;
      endAll(opened);
    };
    opened.client.on('end', onGone).on('close', onGone).on('error', () => undefined);
    for (const j of opened.jumps) j.on('error', () => undefined).on('close', onGone);
    this.#connectionsOpened++;
    this.#current = conn;
    refConnection(opened.client, opened.jumps, this.#active > 0);
    return conn;
  }

  // Local TCP port of the current direct connection (null when none or through a jump host); lets tests find it.
  connectionLocalPort(): number | null {
    return this.#current && !this.#current.dropped ? this.#current.localPort : null;
  }

  // End the connection and its jump hosts; queued commands reject with TransportClosedError.
  async close(): Promise<void> {
    this.#closed = true;
    this.#limit.rejectWaiting(new TransportClosedError(this.label));
    const pending = this.#conn;
    const conn = this.#current ?? (pending ? await pending.catch(() => null) : null);
    if (!conn || conn.dropped) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      conn.client.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      endAll(conn.opened);
    });
  }

  // Target connections opened (reconnects included) and commands run.
  stats(): TransportStats {
    return { connectionsOpened: this.#connectionsOpened, commandsRun: this.#commandsRun };
  }

  #connectSettings(): ConnectSettings {
    if (this.#settings) return this.#settings;
    const o = this.#opts;
    const homeDir = o.homeDir ?? homedir();
    if (o.sshConfigPath !== undefined && !existsSync(o.sshConfigPath)) {
      throw new SshConfigError({ file: o.sshConfigPath, key: 'sshConfigPath', received: o.sshConfigPath, rule: 'must name an existing file' });
    }
    const configFiles = o.sshConfigPath !== undefined ? [o.sshConfigPath] : [join(homeDir, '.ssh', 'config'), '/etc/ssh/ssh_config'];
    const known = o.knownHostsPath === undefined ? null : Array.isArray(o.knownHostsPath) ? o.knownHostsPath : [o.knownHostsPath];
    this.#settings = {
      sshConfig: loadSshConfig(configFiles, homeDir),
      homeDir,
      knownHostsFiles: known,
      identityFiles: o.identityFiles ?? null,
      agentSocket: o.agentSocket === undefined ? (process.env.SSH_AUTH_SOCK ?? null) : o.agentSocket,
      keepaliveIntervalMs: o.keepaliveIntervalMs ?? null,
      keepaliveCountMax: o.keepaliveCountMax ?? null,
      connectTimeoutMs: o.connectTimeoutMs ?? null,
    };
    return this.#settings;
  }
}

function endAll(opened: OpenedConnection): void {
  opened.client.end();
  for (const j of [...opened.jumps].reverse()) j.end();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
