// A lock file that serialises writers when the store lives on a network filesystem (no trustworthy fcntl locks).
// mkdir is atomic over NFS; a lock whose holder died (same host) or that is older than the stale limit is broken,
// by one waiter at a time (breakStaleLock), so two waiters never both take it.
import { mkdirSync, rmSync, writeFileSync, readFileSync, statSync, renameSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';

const STALE_MS = 120_000;

// Run fn while holding the lock dir `lockDir`; waits (sleeping the thread) while another writer holds it.
export function withLockDir<T>(lockDir: string, fn: () => T, timeoutMs = 60_000): T {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const judged = lockOwner(lockDir);
      if (isStale(lockDir)) {
        breakStaleLock(lockDir, judged);
        continue;
      }
      if (Date.now() > deadline) {
        const err = new Error(`timed out after ${timeoutMs} ms waiting for the writer lock ${lockDir}, held by ${lockOwner(lockDir) ?? 'an unrecorded writer'}`);
        throw Object.assign(err, { code: 'XPR_LOCK_TIMEOUT' });
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  const me = `${hostname()} ${process.pid}`;
  try {
    writeFileSync(join(lockDir, 'owner'), `${me}\n`);
    return fn();
  } finally {
    // Only our own lock: if ours was judged stale and broken meanwhile, the lock dir now belongs to another writer.
    if (lockOwner(lockDir) === me) rmSync(lockDir, { recursive: true, force: true });
  }
}

/** `host pid` of the writer holding the lock dir, or null (no lock, or no owner recorded yet). */
export function lockOwner(lockDir: string): string | null {
  try {
    return readFileSync(join(lockDir, 'owner'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

// Whether the lock's holder is gone: its process on this host no longer exists, or the lock is older than the limit.
export function isStale(lockDir: string): boolean {
  try {
    if (Date.now() - statSync(lockDir).mtimeMs > STALE_MS) return true;
    const [host, pid] = readFileSync(join(lockDir, 'owner'), 'utf8').trim().split(' ');
    if (host !== hostname() || !pid) return false;
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const BREAK_STALE_MS = 30_000;

/**
 * Remove the lock dir if it is still the stale lock a waiter judged (held by `judged`, and stale). Breakers take turns
 * (a `.break` dir made with mkdir), and re-check under it: a lock another waiter broke and took meanwhile is left
 * alone. The lock is renamed away before it is removed, so nobody sees a half-removed lock. Returns whether it broke it.
 */
export function breakStaleLock(lockDir: string, judged: string | null): boolean {
  const turn = `${lockDir}.break`;
  try {
    mkdirSync(turn);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A breaker that died inside its turn (its turn lasts milliseconds): its turn is taken back by renaming it away.
    try {
      if (Date.now() - statSync(turn).mtimeMs > BREAK_STALE_MS) removeByRename(turn);
    } catch { /* gone meanwhile */ }
    return false;
  }
  try {
    if (lockOwner(lockDir) !== judged || !isStale(lockDir)) return false;
    return removeByRename(lockDir);
  } finally {
    rmSync(turn, { recursive: true, force: true });
  }
}

function removeByRename(dir: string): boolean {
  const away = `${dir}.stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(dir, away);
  } catch {
    return false;
  }
  rmSync(away, { recursive: true, force: true });
  return true;
}
