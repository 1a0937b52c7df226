// `xpr db-unlock`: removes the writer lock dir that serialises writers on network filesystems, once its holder is gone.
// Works without opening the store (opening it would wait for that very lock). On local disks there is nothing to unlock.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { XprContext } from '../../src/index.ts';
import { STORE_FILE, isStaleLock, lockOwner } from '../../src/store/index.ts';

// Remove the writer lock if its holder is gone (or with force, whoever holds it).
export function dbUnlock(o: { force?: boolean } = {}): void {
  const ctx = new XprContext();
  const storePath = join(ctx.config.projectRoot, STORE_FILE);
  const lockDir = `${storePath}.writelock`;
  if (!existsSync(lockDir)) {
    process.stdout.write(`no writer lock on ${storePath}\n`);
    return;
  }
  const owner = lockOwner(lockDir) ?? 'an unrecorded writer';
  if (!isStaleLock(lockDir) && !o.force) {
    process.stderr.write(
      `xpr: the writer lock on ${storePath} is held by ${owner}, which may still be running; ` +
        `stop it first, or if you know it is gone (say, on another login node), run: xpr db-unlock --force\n`,
    );
    process.exitCode = 1;
    return;
  }
  rmSync(lockDir, { recursive: true, force: true });
  process.stdout.write(`removed the writer lock held by ${owner}\n`);
}
