// What every command shares: a context built from the cwd and environment (config, store, sessions), closed after.
// Imports the context module only (not all of src/index.ts), so a command starts fast.
import { XprContext } from '../../src/job/context.ts';

// Run fn with a fresh context, closing its connections and store afterwards.
export async function withContext<T>(fn: (ctx: XprContext) => Promise<T> | T): Promise<T> {
  const ctx = new XprContext();
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
