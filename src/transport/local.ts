// Transport for a system with host null: runs argv directly on this machine (no shell), in the home dir by default.
// A program that cannot be found gives exit code 127 (126 when not executable), as a remote shell would.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import type { ExecOptions, ExecResult, Transport, TransportStats } from './types.ts';
import { spawnCapture } from './spawn-capture.ts';
import { SpawnError, TransportClosedError } from './errors.ts';

export interface LocalTransportOptions {
  /** Working dir of every command; relative paths then mean what they mean over ssh. @default os.homedir() */
  cwd?: string;
  /** Environment of every command. @default process.env at exec time */
  env?: NodeJS.ProcessEnv;
}

export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  readonly label = 'localhost';
  readonly #cwd: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  #commandsRun = 0;
  #closed = false;

  constructor(options: LocalTransportOptions = {}) {
    this.#cwd = options.cwd ?? homedir();
    this.#env = options.env;
  }

  // Run argv here; resolves whatever the exit code, rejects on timeout, abort or a spawn failure other than not-found.
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.#closed) throw new TransportClosedError(this.label);
    if (argv.length === 0) throw new TypeError('exec needs at least the program name in argv');
    this.#commandsRun++;
    try {
      return await spawnCapture(argv, { ...options, label: this.label, cwd: this.#cwd, env: this.#env ?? process.env });
    } catch (e) {
      // ENOENT also means a missing cwd: that is our configuration problem, not a missing program.
      if (e instanceof SpawnError && (e.code === 'ENOENT' || e.code === 'EACCES') && existsSync(this.#cwd)) {
        const code = e.code === 'ENOENT' ? 127 : 126;
        const what = e.code === 'ENOENT' ? 'command not found' : 'permission denied';
        return { stdout: Buffer.alloc(0), stderr: `${argv[0]}: ${what}\n`, code, signal: null };
      }
      throw e;
    }
  }

  // Nothing to release; later exec calls are refused.
  async close(): Promise<void> {
    this.#closed = true;
  }

  // No connections; counts commands run.
  stats(): TransportStats {
    return { connectionsOpened: 0, commandsRun: this.#commandsRun };
  }
}
