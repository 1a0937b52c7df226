// The contract every transport (local process, native SSH, the user's OpenSSH) fulfils.
// Commands are argv arrays; the transport quotes them with quoteArgv when a shell is involved.
import type { Readable } from 'node:stream';

export type TransportKind = 'local' | 'ssh2' | 'openssh';

export interface ExecOptions {
  /**
   * Bytes (or a stream) written to the command's stdin, then stdin is closed. Besides Node Readables, any async
   * iterable of chunks works (e.g. the minipass stream of `tar.c()`). A stream cannot be replayed, so an exec
   * with a stream stdin is never repeated after a dropped connection.
   */
  stdin?: Buffer | string | Readable | AsyncIterable<Uint8Array>;
  /** Abort the command (the transport closes the channel / kills the local process). */
  signal?: AbortSignal;
  /** Kill the command after this many milliseconds. @default no limit */
  timeoutMs?: number;
  /**
   * Whether the step may be repeated after a dropped connection. Non-idempotent steps (sbatch) are
   * never retried: a drop during them is reported as TransportDroppedError so the caller can re-sync.
   * @default false
   */
  idempotent?: boolean;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: string;
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
}

export interface TransportStats {
  connectionsOpened: number;
  commandsRun: number;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Human label for messages, e.g. `hpctest@127.0.0.1:2222` or `localhost`. */
  readonly label: string;
  /** Run argv (argv[0] is the program) on the target; resolves with its output whatever the exit code. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Close connections and control sockets this transport opened. */
  close(): Promise<void>;
  stats(): TransportStats;
}
