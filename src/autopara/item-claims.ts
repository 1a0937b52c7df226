// Who starts a job for an item, decided across driver processes sharing the project store (two terminals, two
// workflow nodes, a rerun while the first run is submitting): claim, start, release, and wait for the others' items.
import type { JobState } from '../store/index.ts';
import type { XprContext } from '../job/index.ts';
import { newLease, isStaleLease } from '../job/lease.ts';

/** A claim not renewed for this long belongs to a driver that crashed (on another host; on this one its pid tells). */
const CLAIM_STALE_MS = 10 * 60_000;
const RENEW_MS = 30_000;
/** Waiting for another driver's items: first re-check after this, then twice as long each time up to WAIT_MAX_MS. */
const WAIT_MS = 300;
const WAIT_MAX_MS = 2000;

/** Whether a claim's owner is gone: its process on this host is dead, its lease too old, or it stopped renewing. */
export function isStaleClaim(owner: string, renewedAtS: number, nowMs = Date.now()): boolean {
  return nowMs - renewedAtS * 1000 > CLAIM_STALE_MS || isStaleLease(owner);
}

// Items are decided in one store transaction each round: those with a result are left out (the caller reads them
// later), those held by a job in `holderStates` are adopted, those with no holder are claimed and passed to `start`
// (whose jobs record their item keys in the store before the claim is released); items another live driver claimed
// are waited for and decided again once it released them (held by its jobs by then, or free after a failure).
// Returns the ids of the jobs adopted (the first holder of each held item) and what each `start` returned.
export async function claimAndStart<R>(
  ctx: XprContext, itemKeys: readonly string[], holderStates: readonly JobState[], start: (keys: string[]) => Promise<R[]>,
  opts: { signal?: AbortSignal } = {},
): Promise<{ adopted: string[]; started: R[] }> {
  const owner = newLease();
  const adopted = new Set<string>();
  const started: R[] = [];
  let pending = [...itemKeys];
  let waits = 0;
  while (pending.length) {
    const plan = ctx.store.claimItems(pending, holderStates, owner, isStaleClaim);
    for (const ids of plan.held.values()) adopted.add(ids[0]!);
    if (plan.mine.length) {
      const renew = setInterval(() => ctx.store.renewItemClaims(owner), RENEW_MS);
      renew.unref();
      try {
        started.push(...(await start(plan.mine)));
      } finally {
        clearInterval(renew);
        ctx.store.releaseItemClaims(owner);
      }
    }
    pending = plan.others;
    if (pending.length) {
      if (waits === 0) ctx.logger.info(`${pending.length} item(s) are being submitted by another xpr process: waiting for its jobs`);
      opts.signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, Math.min(WAIT_MAX_MS, WAIT_MS * 2 ** waits++)));
    }
  }
  return { adopted: [...adopted], started };
}
