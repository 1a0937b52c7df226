// What every command shares: a context built from the cwd and environment (config, store, sessions), closed after.
// The CLI uses only the public API (src/index.ts) and the store.
import { XprContext } from '../../src/index.ts';

// Run fn with a fresh context, closing its connections and store afterwards.
export async function withContext<T>(fn: (ctx: XprContext) => Promise<T> | T): Promise<T> {
  const ctx = new XprContext();
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
