// Crash leftovers in the local stage dir: `.tmp-…` job dirs being written and `.fetch-…` dirs results are unpacked
// in, named with their owner (`<pid>~<host>~`) so the next run (openSession) or `xpr gc` removes those of a dead driver.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

// Older than this, a leftover is removed whoever made it (another login node, or a name without an owner): staging or
// unpacking takes seconds to minutes.
const LEFTOVER_MAX_AGE_MS = 2 * 3600_000;

/** The name of a temporary dir in the stage dir owned by this process: `.<kind>-<pid>~<host>~<rest>`. */
export function leftoverName(kind: 'tmp' | 'fetch', rest = ''): string {
  return `.${kind}-${process.pid}~${hostname()}~${rest}`;
}

// Remove the `.tmp-*` and `.fetch-*` dirs in `localBase` whose owner process on this host is gone, or that are older
// than the age limit. Returns the names removed.
export function sweepLeftovers(localBase: string, nowMs = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(localBase);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^\.(?:tmp|fetch)-(?:(\d+)~([^~]*)~)?/.exec(name);
    if (!m) continue;
    const path = join(localBase, name);
    try {
      const old = nowMs - statSync(path).mtimeMs > LEFTOVER_MAX_AGE_MS;
      const ownerGone = m[1] !== undefined && m[2] === hostname() && !processExists(Number(m[1]));
      if (!old && !ownerGone) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone already (another process swept it)
    }
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
