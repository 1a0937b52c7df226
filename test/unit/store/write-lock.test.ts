// The writer lock dir of network-filesystem stores: held while writing, broken when its holder is gone, and never
// removed by a writer that no longer owns it.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLockDir, isStale, lockOwner, breakStaleLock } from '../../../src/store/write-lock.ts';

const lockDir = (): string => join(mkdtempSync(join(tmpdir(), 'xpr-lock-')), 'store.writelock');

test('the lock is held during the write, records its owner, and is gone afterwards', (t) => {
  const dir = lockDir();
  const seen = withLockDir(dir, () => readFileSync(join(dir, 'owner'), 'utf8').trim());
  t.is(seen, `${hostname()} ${process.pid}`);
  t.false(existsSync(dir));
});

test("a lock whose holder on this host is gone is broken; a live holder's is not stale", (t) => {
  const dir = lockDir();
  mkdirSync(dir);
  writeFileSync(join(dir, 'owner'), `${hostname()} 2147483646\n`);
  t.true(isStale(dir));
  t.is(withLockDir(dir, () => 'written'), 'written');
  mkdirSync(dir);
  writeFileSync(join(dir, 'owner'), `${hostname()} ${process.pid}\n`);
  t.false(isStale(dir));
  t.is(lockOwner(dir), `${hostname()} ${process.pid}`);
});

test("a writer whose lock was broken meanwhile does not remove the next holder's lock", (t) => {
  const dir = lockDir();
  withLockDir(dir, () => {
    // Another writer judged ours stale, broke it and took the lock.
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'owner'), 'otherhost 42\n');
  });
  t.true(existsSync(dir), 'the other writer still holds its lock');
  t.is(lockOwner(dir), 'otherhost 42');
});

test('two waiters that judged the same lock stale: the second does not break the lock the first took meanwhile', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-lock-race-'));
  const lock = join(dir, 'store.lock');
  mkdirSync(lock);
  writeFileSync(join(lock, 'owner'), `${hostname()} 2147483646\n`); // a writer that is gone
  const judged = lockOwner(lock);
  t.true(isStale(lock));
  // Waiter A breaks it and takes the lock; waiter B, which judged it stale before, tries to break it after.
  t.true(breakStaleLock(lock, judged), 'A breaks the stale lock');
  mkdirSync(lock);
  writeFileSync(join(lock, 'owner'), `${hostname()} ${process.pid}\n`);
  t.false(breakStaleLock(lock, judged), 'B leaves the lock A holds');
  t.is(lockOwner(lock), `${hostname()} ${process.pid}`);
  t.deepEqual(readdirSync(dir).sort(), ['store.lock'], 'no break turn or renamed lock left behind');
});
