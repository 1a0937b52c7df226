// A lock file that serialises writers when the store lives on a network filesystem (no trustworthy fcntl locks).
// mkdir is atomic over NFS; a lock whose holder died (same host) or that is older than the stale limit is broken.
import { mkdirSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
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
      if (isStale(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true });
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
