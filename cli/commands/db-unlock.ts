// `xpr db-unlock`: removes the writer lock dir that serialises writers on network filesystems, if its holder is gone.
// On local disks SQLite's own locks are released by the kernel and there is nothing to unlock.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { XprContext } from '../../src/index.ts';

// Remove a stale writer lock.
export function dbUnlock(): void {
  const ctx = new XprContext();
  try {
    const lockDir = `${ctx.store.path}.writelock`;
    if (!existsSync(lockDir)) {
      process.stdout.write(`no writer lock on ${ctx.store.path}${ctx.store.isNetworkFs ? '' : ' (local disk: SQLite locks are released by the kernel)'}\n`);
      return;
    }
    let owner = '?';
    try {
      owner = readFileSync(`${lockDir}/owner`, 'utf8').trim();
    } catch {
      // no owner file
    }
    rmSync(lockDir, { recursive: true, force: true });
    process.stdout.write(`removed the writer lock held by ${owner}\n`);
  } finally {
    void ctx.close();
  }
}
