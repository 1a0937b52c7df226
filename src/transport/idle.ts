// Keeps xpr's idle connections from holding a script open: ssh2 sockets are unref'd while no command runs on them,
// and ssh2's keepalive timers never hold Node's event loop by themselves (a running command's socket does).
import type { Client } from 'ssh2';

let keepaliveWrapped = false;

// ssh2 (lib/client.js) restarts its keepalive with the global setInterval(sendKA, ...) and keeps the handle in a
// closure; wrapping the global once tags those timers as unref'd. Every other setInterval is passed through as is.
export function unrefSsh2Keepalives(): void {
  if (keepaliveWrapped) return;
  keepaliveWrapped = true;
  const original = globalThis.setInterval;
  const wrapped = function setInterval(this: unknown, ...args: Parameters<typeof original>) {
    const timer = original.apply(this, args);
    if (typeof args[0] === 'function' && args[0].name === 'sendKA') timer.unref();
    return timer;
  } as typeof original;
  Object.assign(wrapped, original);
  globalThis.setInterval = wrapped;
}

interface Unrefable {
  ref?: () => unknown;
  unref?: () => unknown;
}

// Let (or stop letting) the sockets of a connection and of its jump hosts keep the process alive.
export function refConnection(client: Client, jumps: readonly Client[], on: boolean): void {
  for (const c of [client, ...jumps]) {
    const sock = (c as unknown as { _sock?: Unrefable })._sock;
    if (on) sock?.ref?.();
    else sock?.unref?.();
  }
}
