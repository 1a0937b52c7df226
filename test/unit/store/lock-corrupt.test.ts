// A store locked by another process beyond the busy timeout, or damaged on disk, fails with a message naming the file
// and what to do; `xpr db-unlock` removes a writer lock left by a dead writer and every row is still there.
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JobStore, STORE_FILE, StoreLockedError, StoreCorruptError, type NewJob } from '../../../src/store/index.ts';

const root = (): string => mkdtempSync(join(tmpdir(), 'xpr-lock-'));
const job = (id: string): NewJob => ({ id, cacheKey: `k-${id}`, name: 'n', system: 'local', stageDir: 's', runDir: 'r', outputDir: 'o', envHash: 'e', details: { pad: 'x'.repeat(400) } });
const repo = fileURLToPath(new URL('../../../', import.meta.url));

function withJobs(dir: string, n: number, networkFs = false): void {
  const s = JobStore.open(dir, { networkFs });
  for (let i = 0; i < n; i++) s.claim(job(`j${i}`));
  s.close();
}

test('a write transaction held by another process beyond the busy timeout gives StoreLockedError naming the file', async (t) => {
  const dir = root();
  withJobs(dir, 3);
  const file = join(dir, STORE_FILE);
  // Another process (a plain SQLite client) takes the write lock and keeps it until its stdin closes.
  const holder = spawn(process.execPath, ['-e', `
    const db = new (require('better-sqlite3'))(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE'); db.prepare("UPDATE jobs SET reason = 'held' WHERE id = 'j0'").run();
    process.stdout.write('locked\\n');
    process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); }); process.stdin.resume();`], { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((res) => holder.stdout.once('data', () => res()));
  try {
    const s = JobStore.open(dir, { busyTimeoutMs: 300 }); // opening brings the schema up to date in a write transaction
    t.fail('opening should have waited for the lock, then failed');
    s.close();
  } catch (err) {
    t.true(err instanceof StoreLockedError, String(err));
    const e = err as StoreLockedError;
    t.is(e.dbPath, file);
    t.true(e.message.includes(file), e.message);
    t.regex(e.message, /locked.*more than 0\.3 s.*wait for it to finish or stop it.*fuser/s);
    t.log(e.message);
  }
  holder.stdin.end();
  await new Promise((res) => holder.on('close', res));
  const s = JobStore.open(dir, { busyTimeoutMs: 300 });
  t.is(s.list().length, 3, 'nothing lost');
  t.is(s.get('j0')?.reason, 'held', "the other process's transaction committed");
  s.close();
});

test('a write lock dir left by a writer on another host blocks writers with a message, and xpr db-unlock --force recovers every row', (t) => {
  const dir = root();
  withJobs(dir, 5, true);
  const lockDir = join(dir, `${STORE_FILE}.writelock`);
  mkdirSync(lockDir);
  writeFileSync(join(lockDir, 'owner'), 'login2.cluster 4242\n');
  const err = t.throws(() => JobStore.open(dir, { networkFs: true, busyTimeoutMs: 300 }), { instanceOf: StoreLockedError });
  t.true(err.message.includes(join(dir, STORE_FILE)));
  t.regex(err.message, /login2\.cluster 4242/);
  t.regex(err.message, /xpr db-unlock --force/);

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(repo, 'cli/xpr.mjs'), 'db-unlock', ...args], { cwd: dir, env: { ...process.env, EXPYRE_ROOT: dir, HOME: dir }, encoding: 'utf8' });
  const polite = cli();
  t.is(polite.status, 1, 'a holder on another host may still be running: not removed without --force');
  t.regex(polite.stderr, /login2\.cluster 4242.*--force/s);
  t.true(existsSync(lockDir));
  const forced = cli('--force');
  t.is(forced.status, 0, forced.stderr);
  t.regex(forced.stdout, /removed the writer lock held by login2\.cluster 4242/);
  t.false(existsSync(lockDir));

  const s = JobStore.open(dir, { networkFs: true, busyTimeoutMs: 300 });
  t.is(s.list().length, 5, 'every row is still there');
  t.false(s.claim(job('j5')).attached, 'and the store takes writes again');
  s.close();
});

test('a lock dir whose holder died on this host is broken by the next writer and by xpr db-unlock without --force', (t) => {
  const dir = root();
  withJobs(dir, 2, true);
  const lockDir = join(dir, `${STORE_FILE}.writelock`);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  mkdirSync(lockDir);
  writeFileSync(join(lockDir, 'owner'), `${spawnSync('hostname', { encoding: 'utf8' }).stdout.trim()} ${dead}\n`);
  const r = spawnSync(process.execPath, [join(repo, 'cli/xpr.mjs'), 'db-unlock'], { cwd: dir, env: { ...process.env, EXPYRE_ROOT: dir, HOME: dir }, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.false(existsSync(lockDir));
  const s = JobStore.open(dir, { networkFs: true, busyTimeoutMs: 300 });
  t.is(s.list().length, 2);
  s.close();
});

const damage: Array<[string, (file: string) => void]> = [
  ['overwritten with text', (f) => writeFileSync(f, 'this is not a database\n'.repeat(200))],
  ['truncated mid-page', (f) => truncateSync(f, Math.floor(statSync(f).size / 3) + 100)],
  ['pages scrambled', (f) => {
    const b = readFileSync(f);
    for (let i = 4096; i < b.length; i += 7) b[i] = 0x55;
    writeFileSync(f, b);
  }],
  ['header zeroed', (f) => {
    const b = readFileSync(f);
    b.fill(0, 0, 100);
    writeFileSync(f, b);
  }],
];

for (const [what, harm] of damage) {
  test(`a damaged store (${what}) gives StoreCorruptError naming the file and how to move it aside`, (t) => {
    const dir = root();
    withJobs(dir, 300);
    const file = join(dir, STORE_FILE);
    harm(file);
    const err = t.throws(() => {
      const s = JobStore.open(dir);
      try {
        s.list();
        s.claim(job('new'));
        s.getItemResults(['x']);
      } finally {
        s.close();
      }
    });
    t.true(err instanceof StoreCorruptError, `${err?.name}: ${err?.message}`);
    t.true(err!.message.includes(file));
    t.true(err!.message.includes(`mv ${file} ${file}.damaged`), err!.message);
  });
}
