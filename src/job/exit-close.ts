// Closes, when the script's own work is done, the contexts that opened sessions: Node fires 'beforeExit' once nothing
// else holds the event loop (idle connections are unref'd), and the connections and masters are then ended cleanly.
interface Closable {
  close(): Promise<void>;
}

const open = new Set<Closable>();
let installed = false;

// Close `ctx` at the end of the process unless it was closed before.
export function closeAtExit(ctx: Closable): void {
  open.add(ctx);
  if (!installed) {
    installed = true;
    process.once('beforeExit', () => void closeAll());
  }
}

// `ctx` was closed by its owner: nothing to do for it at exit.
export function forgetAtExit(ctx: Closable): void {
  open.delete(ctx);
}

async function closeAll(): Promise<void> {
  installed = false;
  const all = [...open];
  open.clear();
  await Promise.all(all.map((c) => c.close().catch(() => undefined)));
}
