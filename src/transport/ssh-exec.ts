// Runs one command line on an open ssh2 connection (one session channel): stdin, output, exit status, timeout, abort.
// Tells a drop before the command reached the server (safe to repeat) from one after (it may have run).
import type { Client, ClientChannel } from 'ssh2';
import type { ExecOptions, ExecResult } from './types.ts';
import { ChannelOpenRefusedError, CommandTimeoutError } from './errors.ts';
import { feedStdin, releaseStdin } from './spawn-capture.ts';

/** The connection a channel runs on; `dropped` turns true as soon as the socket ends or closes. */
export interface LiveConnection {
  readonly client: Client;
  readonly dropped: boolean;
}

/** The connection dropped under this command; `reachedServer` = the exec request may have been delivered. */
export class ChannelDropped extends Error {
  override name = 'ChannelDropped';
  constructor(readonly reachedServer: boolean, cause?: unknown) {
    super(`connection dropped${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
  }
}

// Run `command` (already quoted) on one new channel; resolves with output and exit status whatever the exit code.
export function runOnChannel(conn: LiveConnection, command: string, argv: readonly string[], opts: ExecOptions, label: string): Promise<ExecResult> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (conn.dropped) return Promise.reject(new ChannelDropped(false));
  return new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let channel: ClientChannel | null = null;
    let exit: { code: number | null; signal: string | null } | null = null;
    let settled = false;
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => stop(null), opts.timeoutMs) : undefined;
    const onAbort = () => stop({ error: signal!.reason });
    signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      releaseStdin(opts.stdin);
      settle();
    };
    const result = (): ExecResult => ({
      stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code: exit?.code ?? null, signal: exit?.signal ?? null,
    });
    // Timeout (null) or abort/stdin failure: ask the server to kill the command, close the channel, reject.
    function stop(reason: { error: unknown } | null) {
      if (settled) return;
      if (channel) {
        sendKill(channel);
        channel.close();
      }
      finish(() => reject(reason ? reason.error : new CommandTimeoutError({ label, argv, timeoutMs: opts.timeoutMs!, ...result() })));
    }

    const onChannel = (e: Error | undefined, ch: ClientChannel) => {
      if (e) {
        const refused = /open failure|open failed|administratively prohibited/i.test(e.message);
        return finish(() => reject(conn.dropped ? new ChannelDropped(true, e) : refused ? new ChannelOpenRefusedError({ label, argv, reason: e.message }) : e));
      }
      if (settled) return void ch.close(); // stopped while the channel was opening
      channel = ch;
      ch.on('data', (b: Buffer) => out.push(b));
      ch.stderr.on('data', (b: Buffer) => err.push(b));
      ch.on('exit', (code: number | null, sig?: string) => {
        exit = { code: typeof code === 'number' ? code : null, signal: sig ? `SIG${sig}`.replace(/^SIGSIG/, 'SIG') : null };
      });
      ch.on('error', (chErr: Error) => {
        if (!conn.dropped) stop({ error: chErr });
      });
      ch.on('close', () => {
        if (exit) finish(() => resolve(result()));
        else if (conn.dropped) finish(() => reject(new ChannelDropped(true)));
        else finish(() => resolve(result())); // closed by the server without an exit status
      });
      feedStdin(ch, opts.stdin, (stdinErr) => stop({ error: stdinErr }));
    };
    try {
      conn.client.exec(command, onChannel);
    } catch (e) {
      finish(() => reject(conn.dropped ? new ChannelDropped(false, e) : e));
    }
  });
}

// Ask sshd to SIGKILL the command's process group (the "signal" channel request). ssh2's own channel.signal() sends
// nothing once our stdin side is ended, which is the usual case, so the request goes through its protocol object.
function sendKill(ch: ClientChannel): void {
  const c = ch as unknown as { outgoing?: { id?: number; state?: string }; _client?: { _protocol?: { signal?(id: number, s: string): void } } };
  const id = c.outgoing?.id;
  const state = c.outgoing?.state;
  try {
    if (id !== undefined && (state === 'open' || state === 'eof') && c._client?._protocol?.signal) c._client._protocol.signal(id, 'KILL');
    else ch.signal('KILL');
  } catch {
    // The channel is already closing: nothing left to stop.
  }
}
