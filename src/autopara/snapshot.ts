// A call's snapshot as autoparallelize uses it: read (decoded, checked against the call's size) on a rerun, saved
// after a call whose items all succeeded. A snapshot is a cache: failing to save one never fails the call.
import { encode, decode } from '../codec/index.ts';
import type { XprContext } from '../job/index.ts';

/** Results encoded larger than this are not snapshotted: reading their item results costs little beside their size. */
const SNAPSHOT_MAX_CHARS = 64 * 2 ** 20;

/** The results of a call from its snapshot, or null (none, unreadable, or not one result per input). */
export function readSnapshot(ctx: XprContext, inputsKey: string, count: number): { callKey: string; jobIds: string[]; results: unknown[] } | null {
  const snap = ctx.store.getCallSnapshot(inputsKey);
  if (!snap) return null;
  let results: unknown;
  try {
    results = decode(snap.payload);
  } catch (err) {
    ctx.logger.warn(`the snapshot of call ${snap.callKey} cannot be read (${(err as Error).message}); its items are looked up one by one`);
    return null;
  }
  if (!Array.isArray(results) || results.length !== count) return null;
  return { callKey: snap.callKey, jobIds: snap.jobIds, results };
}

// Save the results of a call whose items all succeeded, unless stored item results changed since `generation` was read.
export function saveSnapshot(
  ctx: XprContext, inputsKey: string, about: { callKey: string; jobIds: string[] }, results: readonly unknown[], generation: number,
): void {
  try {
    const payload = encode(results, 'results');
    if (payload.length > SNAPSHOT_MAX_CHARS) return;
    ctx.store.putCallSnapshot(inputsKey, { ...about, payload }, generation);
  } catch (err) {
    ctx.logger.warn(`the results of call ${about.callKey} are stored per item, but saving them as one snapshot failed: ${(err as Error).message}`);
  }
}
