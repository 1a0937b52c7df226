// Chooses the transport for a system (local when host is null, the user's OpenSSH when remsh_cmd is set, ssh2 otherwise)
// and keeps one per system per driver process, so every command to a system shares one connection.
import type { SystemConfig } from '../config/types.ts';
import type { Transport } from './types.ts';
import { LocalTransport, type LocalTransportOptions } from './local.ts';
import { OpenSshTransport, type OpenSshTransportOptions } from './openssh.ts';
import { Ssh2Transport, type Ssh2TransportOptions } from './ssh2.ts';

export type { Transport, ExecOptions, ExecResult, TransportStats, TransportKind } from './types.ts';
export { quote, quoteArgv } from './quote.ts';
export * from './errors.ts';
export { LocalTransport, OpenSshTransport, Ssh2Transport };

export interface MakeTransportOptions {
  local?: LocalTransportOptions;
  /** Extra ssh2 options (host comes from the system). */
  ssh2?: Omit<Ssh2TransportOptions, 'host'>;
  /** Extra OpenSSH options (host and remshCmd come from the system). */
  openssh?: Omit<OpenSshTransportOptions, 'host' | 'remshCmd'>;
}

// A new transport for a system (no connection is opened until the first exec).
export function makeTransport(system: Pick<SystemConfig, 'host' | 'remshCmd'>, opts: MakeTransportOptions = {}): Transport {
  if (system.host === null) return new LocalTransport(opts.local);
  if (system.remshCmd && system.remshCmd.length > 0) {
    return new OpenSshTransport({ ...opts.openssh, host: system.host, remshCmd: system.remshCmd });
  }
  return new Ssh2Transport({ ...opts.ssh2, host: system.host });
}

const cache = new Map<string, Transport>();

// The shared transport of a system for this process, created on first use. Keyed by host and remsh_cmd, so two
// systems on the same host share one connection; `opts` only apply when the transport is created.
export function getTransport(system: Pick<SystemConfig, 'host' | 'remshCmd'>, opts?: MakeTransportOptions): Transport {
  const key = JSON.stringify([system.host, system.remshCmd?.length ? system.remshCmd : null]);
  let t = cache.get(key);
  if (!t) {
    t = makeTransport(system, opts);
    cache.set(key, t);
  }
  return t;
}

// Close every cached transport (connections, control masters); the next getTransport opens fresh ones.
export async function closeAllTransports(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.map((t) => t.close().catch(() => undefined)));
}
