// The job store: claiming a cache key, legal transitions with events, schema version, parameterised SQL, item cache.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { JobStore, type NewJob } from '../../../src/store/index.ts';
import { MIGRATIONS } from '../../../src/store/migrations.ts';

const root = (): string => mkdtempSync(join(tmpdir(), 'xpr-store-'));
const job = (id: string, cacheKey = 'k1'): NewJob => ({
  id, cacheKey, name: "it's; DROP TABLE jobs; --", system: 'local', stageDir: `/s/${id}`, runDir: `/r/${id}`, outputDir: '/o', envHash: 'e', details: { a: 1 },
});

test('claim inserts a created job, then attaches to it for the same cache key', (t) => {
  const s = JobStore.open(root());
  const a = s.claim(job('j1'));
  t.false(a.attached);
  t.is(a.row.state, 'created');
  t.is(a.row.name, "it's; DROP TABLE jobs; --", 'names with quotes are stored verbatim (no SQL built from strings)');
  const b = s.claim(job('j2'));
  t.true(b.attached);
  t.is(b.row.id, 'j1');
  t.is(s.list().length, 1);
  s.close();
});

test('failed, processed, cleaned and cancelled jobs are not reused; died and succeeded are', (t) => {
  const s = JobStore.open(root());
  for (const [i, end] of (['failed', 'processed', 'cancelled'] as const).entries()) {
    const key = `k-${end}`;
    s.claim(job(`a${i}`, key));
    if (end === 'processed') s.transition(`a${i}`, 'succeeded');
    s.transition(`a${i}`, end);
    t.false(s.claim(job(`b${i}`, key)).attached, `${end} is not reused`);
  }
  for (const [i, end] of (['died', 'succeeded'] as const).entries()) {
    const key = `r-${end}`;
    s.claim(job(`c${i}`, key));
    s.transition(`c${i}`, end);
    t.true(s.claim(job(`d${i}`, key)).attached, `${end} is reused`);
  }
  s.close();
});

test('transitions follow the state machine and each one is an event with a time', (t) => {
  const s = JobStore.open(root());
  s.claim(job('j1'));
  t.true(s.transition('j1', 'staged'));
  t.true(s.transition('j1', 'submitted', { schedulerId: '42' }));
  t.false(s.transition('j1', 'staged'), 'no going back');
  t.true(s.transition('j1', 'running'));
  t.true(s.transition('j1', 'died', { reason: 'TIMEOUT' }));
  t.true(s.transition('j1', 'succeeded'), 'a died job may still succeed when late results appear');
  t.false(s.transition('j1', 'running'));
  const row = s.get('j1')!;
  t.is(row.schedulerId, '42');
  const ev = s.events('j1');
  t.deepEqual(ev.map((e) => e.toState), ['created', 'staged', 'submitted', 'running', 'died', 'succeeded']);
  t.is(ev[4]!.detail, 'TIMEOUT');
  t.true(ev.every((e) => e.at > 1e9));
  s.close();
});

test('a live job cannot be processed or cleaned; bookkeeping states keep the outcome\'s reason', (t) => {
  const s = JobStore.open(root());
  s.claim(job('live'));
  t.true(s.transition('live', 'cleaned'), 'a job never staged may be cleaned');
  s.claim(job('run', 'k-run'));
  s.transition('run', 'submitted');
  s.transition('run', 'running');
  t.false(s.transition('run', 'processed'), 'running is not an outcome');
  t.false(s.transition('run', 'cleaned'), 'cleaning a running job would orphan it');
  t.true(s.transition('run', 'died', { reason: 'NODE_FAIL' }));
  t.true(s.transition('run', 'processed'));
  t.is(s.get('run')!.reason, 'NODE_FAIL');
  t.true(s.transition('run', 'cleaned'));
  t.is(s.get('run')!.reason, 'NODE_FAIL');
  s.close();
});

test('the store records its schema version and reopening runs no migration twice', (t) => {
  const dir = root();
  const s = JobStore.open(dir);
  t.is(s.schemaVersion(), MIGRATIONS.length);
  const id = s.projectId();
  s.claim(job('j1'));
  s.close();
  const again = JobStore.open(dir);
  t.is(again.projectId(), id, 'the project id is stable');
  t.is(again.list().length, 1);
  again.close();
});

test('a store from a newer xpr is refused with a message', (t) => {
  const dir = root();
  JobStore.open(dir).close();
  const db = new Database(join(dir, 'xpr-jobs.sqlite'));
  db.prepare("UPDATE meta SET value = '999' WHERE key = 'schema_version'").run();
  db.close();
  t.throws(() => JobStore.open(dir), { message: /newer than this xpr/ });
});

test('WAL mode is on for a store on a local disk, the rollback journal on a network filesystem', (t) => {
  for (const [networkFs, mode] of [[false, 'wal'], [true, 'delete']] as const) {
    const dir = root();
    const s = JobStore.open(dir, { networkFs });
    t.is(s.isNetworkFs, networkFs);
    s.close();
    const db = new Database(join(dir, 'xpr-jobs.sqlite'));
    t.is(db.pragma('journal_mode', { simple: true }), mode);
    db.close();
  }
});

test('per-item results are stored and read back by key', (t) => {
  const s = JobStore.open(root());
  s.putItemResults([{ itemKey: 'i1', jobId: 'j', ok: true, payload: '1' }, { itemKey: 'i2', jobId: 'j', ok: false, payload: 'e' }]);
  const got = s.getItemResults(['i1', 'i2', 'i3']);
  t.is(got.size, 2);
  t.false(got.get('i2')!.ok);
  s.close();
});

for (const networkFs of [false, true]) test(`two processes claiming the same cache keys at once create exactly one job each (${networkFs ? 'network filesystem mode: rollback journal + lock dir' : 'WAL'})`, async (t) => {
  const dir = root();
  JobStore.open(dir, { networkFs }).close();
  const storeModule = fileURLToPath(new URL('../../../src/store/index.ts', import.meta.url));
  const prog = join(dir, 'claim.ts');
  writeFileSync(prog, `import { JobStore } from ${JSON.stringify(storeModule)};
const s = JobStore.open(${JSON.stringify(dir)}, { networkFs: ${networkFs} });
let attached = 0;
for (let i = 0; i < 50; i++) {
  const r = s.claim({ id: process.argv[2] + i, cacheKey: 'key' + i, name: 'n', system: 'local', stageDir: 's', runDir: 'r', outputDir: 'o', envHash: 'e', details: {} });
  if (r.attached) attached++;
}
console.log(attached);`);
  const run = (tag: string) =>
    new Promise<number>((res, rej) => {
      const c = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), prog, tag], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('close', (code) => (code === 0 ? res(Number(out.trim())) : rej(new Error(`exit ${code}`))));
    });
  const [a, b] = await Promise.all([run('A'), run('B')]);
  const s = JobStore.open(dir, { networkFs });
  t.is(s.list().length, 50, 'one job per key');
  t.is(a + b, 50, 'every other claim attached');
  s.close();
});
