// OpenSSH transport for systems with remsh_cmd: runs the user's ssh (with its arguments) through one managed
// ControlMaster socket per transport, so MFA/passwords are answered once and every command reuses that connection.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecOptions, ExecResult, Transport, TransportStats } from './types.ts';
import { quoteArgv } from './quote.ts';
import { isReplayableStdin, spawnCapture } from './spawn-capture.ts';
import { ChannelLimit } from './channel-limit.ts';
import { SshConfigError, SshConnectError, TransportClosedError, TransportDroppedError } from './errors.ts';

export interface OpenSshTransportOptions {
  /** `[user@]host` or an alias, passed to ssh as is. */
  host: string;
  /** The user's ssh command as argv, e.g. ['ssh', '-p', '2222', '-i', 'key']. */
  remshCmd: string[];
  /** Private dir (mode 0700) for the control socket. @default <os.tmpdir()>/xpr-ssh-<uid> */
  controlDir?: string;
  /** Seconds the master stays up when idle (it also exits on close()). @default 300 */
  controlPersistS?: number;
  /** Concurrent sessions on the master; above the server's MaxSessions (default 10) ssh would open extra connections. @default 8 */
  maxChannels?: number;
}

// ssh exits 255 on its own failures; these messages mean the connection itself went away.
const DROP_MESSAGES = /Connection (closed|reset|timed out)|Broken pipe|mux_client|Control socket connect|client_loop: send disconnect/i;

export class OpenSshTransport implements Transport {
  readonly kind = 'openssh' as const;
  readonly label: string;
  readonly #host: string;
  readonly #remsh: string[];
  readonly #controlDir: string;
  readonly #persistS: number;
  readonly #socket: string;
  readonly #limit: ChannelLimit;
  #master: Promise<void> | null = null;
  /** The master promise has resolved (its socket existed then). */
  #masterUp = false;
  #closed = false;
  #connectionsOpened = 0;
  #commandsRun = 0;

  constructor(options: OpenSshTransportOptions) {
    if (options.remshCmd.length === 0) {
      throw new SshConfigError({ file: null, key: 'remsh_cmd', received: '', rule: 'must name a program (e.g. "ssh -p 2222")' });
    }
    if (options.host.startsWith('-')) throw new SshConfigError({ file: null, key: 'host', received: options.host, rule: 'must not start with "-"' });
    this.#host = options.host;
    this.#remsh = options.remshCmd;
    this.label = `${options.host} (via ${options.remshCmd.join(' ')})`;
    this.#controlDir = options.controlDir ?? join(tmpdir(), `xpr-ssh-${process.getuid?.() ?? 'u'}`);
    this.#persistS = options.controlPersistS ?? 300;
    this.#limit = new ChannelLimit(options.maxChannels ?? 8);
    // Per process and per (command, host): two drivers never close each other's master.
    const id = createHash('sha256').update(JSON.stringify([process.pid, options.remshCmd, options.host])).digest('hex').slice(0, 12);
    this.#socket = join(this.#controlDir, id);
    if (Buffer.byteLength(this.#socket) > 100) {
      throw new SshConfigError({ file: null, key: 'controlDir', received: this.#controlDir,
        rule: 'is too long for a unix socket path (about 104 bytes including the 12-character socket name)' });
    }
  }

  /** Path of the ControlMaster socket (for `ssh -O check -o ControlPath=...`). */
  get controlPath(): string {
    return this.#socket;
  }

  // Run argv through the master connection; the remote command line is ONE argument built by quoteArgv.
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.#closed) throw new TransportClosedError(this.label);
    const command = quoteArgv(argv);
    this.#commandsRun++;
    const release = await this.#limit.acquire(options.signal);
    try {
      return await this.#execOnMaster(argv, command, options);
    } finally {
      release();
    }
  }

  async #execOnMaster(argv: readonly string[], command: string, options: ExecOptions): Promise<ExecResult> {
    for (let attempt = 0; ; attempt++) {
      // A master that exited (ControlPersist ran out while idle) removed its socket: start (or find) one again.
      if (this.#masterUp && !existsSync(this.#socket)) this.#master = null;
      await this.#ensureMaster();
      const res = await spawnCapture([...this.#remsh, ...this.#controlOpts('auto'), this.#host, command], { ...options, label: this.label });
      if (res.code !== 255 || !DROP_MESSAGES.test(res.stderr)) return res;
      // Exit 255 with such a message may also be the remote command's own: a master that still answers means it was.
      if ((await this.#control('check').catch(() => null))?.code === 0) return res;
      this.#master = null; // the master is gone: the next command starts a new one
      if (!options.idempotent || attempt >= 1 || !isReplayableStdin(options.stdin)) {
        throw new TransportDroppedError({ label: this.label, argv, mayHaveRun: true, cause: new Error(res.stderr.trim()) });
      }
    }
  }

  // Start the master once (concurrent callers wait for it), unless a live one answers `ssh -O check`.
  #ensureMaster(): Promise<void> {
    if (!this.#master) {
      this.#masterUp = false;
      this.#master = this.#startMaster().then(
        () => void (this.#masterUp = true),
        (e: unknown) => {
          this.#master = null;
          throw e;
        },
      );
    }
    return this.#master;
  }

  async #startMaster(): Promise<void> {
    makePrivateDir(this.#controlDir);
    if (existsSync(this.#socket)) {
      if ((await this.#control('check')).code === 0) return;
      rmSync(this.#socket, { force: true }); // stale socket of a dead master: a new master could not bind it
    }
    // -f: go to the background once authenticated; stderr goes to a file, since the master keeps it open.
    const log = this.#logFile;
    const fd = openSync(log, 'w', 0o600);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(this.#remsh[0]!, [...this.#remsh.slice(1), ...this.#controlOpts('yes'), '-N', '-f', this.#host],
        { stdio: ['ignore', 'ignore', fd] });
      child.on('error', reject);
      child.on('exit', (c) => resolve(c));
    }).finally(() => closeSync(fd));
    if (code !== 0) {
      throw new SshConnectError(this.label, 1, new Error(`${this.#remsh[0]} exited with ${code}: ${readFileSync(log, 'utf8').trim()}`));
    }
    this.#connectionsOpened++;
    mastersUp.set(this.#socket, [...this.#remsh, '-o', `ControlPath=${this.#socket}`, '-O', 'exit', this.#host]);
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', stopMastersNow);
    }
  }

  get #logFile(): string {
    return `${this.#socket}.log`;
  }

  #controlOpts(master: 'auto' | 'yes'): string[] {
    return ['-o', `ControlMaster=${master}`, '-o', `ControlPath=${this.#socket}`, '-o', `ControlPersist=${this.#persistS}`];
  }

  #control(op: 'check' | 'exit'): Promise<ExecResult> {
    return spawnCapture([...this.#remsh, '-o', `ControlPath=${this.#socket}`, '-O', op, this.#host], { label: this.label, timeoutMs: 10_000 });
  }

  // Stop the master (`ssh -O exit`); later exec calls are refused.
  async close(): Promise<void> {
    this.#closed = true;
    this.#limit.rejectWaiting(new TransportClosedError(this.label));
    const master = this.#master;
    if (master) await master.catch(() => undefined);
    // Also a master started by a command after ours had gone (ControlMaster=auto) lives at this socket.
    if (existsSync(this.#socket)) await this.#control('exit').catch(() => undefined);
    mastersUp.delete(this.#socket);
    rmSync(this.#logFile, { force: true });
  }

  // Masters started (one unless the connection dropped) and commands run.
  stats(): TransportStats {
    return { connectionsOpened: this.#connectionsOpened, commandsRun: this.#commandsRun };
  }
}

/** Masters this process started and has not closed: control socket → the `ssh -O exit` argv that stops it. */
const mastersUp = new Map<string, string[]>();
let exitHooked = false;

// At process exit (an error, Ctrl-C, process.exit) stop the masters still up, rather than leave them for ControlPersist.
function stopMastersNow(): void {
  for (const [socket, argv] of mastersUp) {
    if (existsSync(socket)) spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 5000 });
  }
  mastersUp.clear();
}

// Create the control dir with mode 0700 and refuse one that others could write to.
function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new SshConfigError({ file: null, key: 'controlDir', received: dir,
      rule: 'must be a directory owned by you with mode 0700 (control sockets give access to your ssh sessions)' });
  }
}
