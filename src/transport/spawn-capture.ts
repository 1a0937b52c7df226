// Runs one local program (no shell) and captures its output: stdin feeding, timeout and abort for local/openssh.
// Only the child it started is signalled (SIGTERM, then SIGKILL after a grace period); its own children are left alone.
import { spawn } from 'node:child_process';
import { Readable, type Writable } from 'node:stream';
import type { ExecOptions, ExecResult } from './types.ts';
import { CommandTimeoutError, SpawnError } from './errors.ts';

export interface SpawnCaptureOptions extends ExecOptions {
  /** Names the target in error messages. */
  label: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Time between SIGTERM and SIGKILL when stopping the child. @default 2000 */
  killGraceMs?: number;
}

// Spawn argv[0] with argv[1..], feed stdin, and resolve with stdout/stderr/exit status (rejects on timeout/abort/spawn failure).
export function spawnCapture(argv: readonly string[], opts: SpawnCaptureOptions): Promise<ExecResult> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Why we are stopping the child ('timeout', or what to reject with); set once, acted on when the child has exited.
    let stopReason: { timeout: true } | { error: unknown } | null = null;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const timer = opts.timeoutMs !== undefined ? setTimeout(() => stop({ timeout: true }), opts.timeoutMs) : undefined;
    const onAbort = () => stop({ error: signal!.reason });
    signal?.addEventListener('abort', onAbort, { once: true });

    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      releaseStdin(opts.stdin);
    };
    function stop(reason: NonNullable<typeof stopReason>) {
      if (settled || stopReason) return;
      stopReason = reason;
      if (child.exitCode !== null || child.signalCode !== null) return settleStopped(); // exited, pipes still held
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? 2000);
    }
    function settleStopped() {
      cleanup();
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      if (stopReason && 'error' in stopReason) return reject(stopReason.error);
      reject(new CommandTimeoutError({ label: opts.label, argv, timeoutMs: opts.timeoutMs!, stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8') }));
    }

    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // EPIPE when the program does not read its stdin: not our failure
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      cleanup();
      reject(new SpawnError(argv[0]!, e));
    });
    // After a stop, grandchildren may keep the pipes open: settle on 'exit' and drop the pipes.
    child.on('exit', () => {
      if (!settled && stopReason) settleStopped();
    });
    child.on('close', (code, sig) => {
      if (settled) return;
      cleanup();
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code, signal: sig });
    });
    feedStdin(child.stdin, opts.stdin, (e) => stop({ error: e }));
  });
}

// Write the given stdin (Buffer, string, or a stream / async iterable of chunks) into a writable and end it;
// nothing given = immediate EOF. A failing stream is reported through onStdinError.
export function feedStdin(sink: Writable, stdin: ExecOptions['stdin'], onStdinError: (e: Error) => void): void {
  if (stdin === undefined) return void sink.end();
  if (isReplayableStdin(stdin)) return void sink.end(stdin);
  // Streams that are not Node Readables (minipass from `tar`) are async iterables: adapt them.
  const source = stdin instanceof Readable ? stdin : Readable.from(stdin as AsyncIterable<Buffer>);
  source.once('error', (e) => {
    source.unpipe(sink);
    onStdinError(new Error(`stdin stream failed: ${e.message}`, { cause: e }));
  });
  source.pipe(sink);
}

// Once a command has settled, a stdin stream it did not read to the end (timeout, abort, drop) is destroyed, so the
// process producing it (say, the tar that packs a stage transfer) is not left blocked on a full pipe.
export function releaseStdin(stdin: ExecOptions['stdin']): void {
  if (isReplayableStdin(stdin)) return;
  const s = stdin as { destroy?: () => void; destroyed?: boolean };
  if (typeof s.destroy === 'function' && !s.destroyed) s.destroy();
}

// Whether stdin can be sent again on a retry (bytes, not a stream that has been consumed).
export function isReplayableStdin(stdin: ExecOptions['stdin']): stdin is Buffer | string | undefined {
  return stdin === undefined || typeof stdin === 'string' || Buffer.isBuffer(stdin);
}
