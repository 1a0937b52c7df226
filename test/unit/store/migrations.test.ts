// Schema migrations from the first shipped schema: a store written by the first xpr opens with the current code,
// keeps every row, and ends with exactly the schema a fresh store has.
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { JobStore, STORE_FILE } from '../../../src/store/index.ts';
import { MIGRATIONS } from '../../../src/store/migrations.ts';

const V1_SQL = readFileSync(new URL('./fixtures/schema-v1.sql', import.meta.url), 'utf8').replace(/^--.*\n/, '');
const root = (): string => mkdtempSync(join(tmpdir(), 'xpr-migrate-'));

// A store as the first xpr left it: schema 1 (built the way its #migrate did), with jobs, events, results, code rows.
function buildV1(dir: string): void {
  const db = new Database(join(dir, STORE_FILE));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  db.exec(V1_SQL.replace('CREATE TABLE meta', 'CREATE TABLE IF NOT EXISTS meta'));
  db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', '1'), ('project_id', 'p0123456789ab')").run();
  const job = db.prepare(
    `INSERT INTO jobs (id, cache_key, name, system, state, reason, scheduler_id, stage_dir, run_dir, output_dir, env_hash, details, owner, created_at, updated_at)
     VALUES (?, ?, ?, 'slurm_ssh', ?, ?, ?, ?, ?, '/o', 'e', ?, NULL, ?, ?)`,
  );
  job.run('add_aaaa_0001', 'k1', 'add', 'succeeded', null, '101', '/s/1', '/r/1', JSON.stringify({ mode: 'call', envVars: [] }), 1.5, 2.5);
  job.run('relax_bbbb_0002', 'k2', "it's; --", 'died', 'TIMEOUT', '102', '/s/2', '/r/2', JSON.stringify({ mode: 'map', itemCount: 3 }), 3, 4);
  const ev = db.prepare('INSERT INTO events (job_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)');
  ev.run('add_aaaa_0001', 1.5, null, 'created', null);
  ev.run('add_aaaa_0001', 2.5, 'running', 'succeeded', null);
  ev.run('relax_bbbb_0002', 4, 'running', 'died', 'TIMEOUT');
  db.prepare("INSERT INTO item_results (item_key, job_id, ok, payload, created_at) VALUES ('i1', 'relax_bbbb_0002', 1, '{\"xpr\":1,\"v\":7}', 4)").run();
  db.prepare("INSERT INTO staged_code (system, file_name) VALUES ('slurm_ssh:/r', 'abc.mjs')").run();
  db.close();
}

// Tables, indexes and their SQL plus every column's definition: what "the same schema" means.
function schemaOf(dir: string): unknown {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  const objects = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as Array<{ type: string; name: string; sql: string }>;
  const columns = objects.filter((o) => o.type === 'table').map((o) => [o.name, db.prepare(`SELECT * FROM pragma_table_info(?)`).all(o.name)]);
  db.close();
  return { objects: objects.map((o) => ({ ...o, sql: o.sql.replace(/\s+/g, ' ') })), columns };
}

test('the first migration is still the schema that shipped (shipped migrations are never edited)', (t) => {
  t.is(MIGRATIONS[0]!.trim(), V1_SQL.trim());
});

test('a schema-1 store opens with the current code: every row survives and the schema equals a fresh store', (t) => {
  const old = root();
  buildV1(old);
  const s = JobStore.open(old);
  t.is(s.schemaVersion(), MIGRATIONS.length);
  t.is(s.projectId(), 'p0123456789ab', 'the project id (which names remote dirs) is kept');
  const rows = s.list();
  t.deepEqual(rows.map((r) => [r.id, r.state, r.schedulerId, r.reason, r.name]), [
    ['add_aaaa_0001', 'succeeded', '101', null, 'add'],
    ['relax_bbbb_0002', 'died', '102', 'TIMEOUT', "it's; --"],
  ]);
  t.deepEqual(rows[1]!.details, { mode: 'map', itemCount: 3 });
  t.deepEqual(s.events('add_aaaa_0001').map((e) => e.toState), ['created', 'succeeded']);
  t.is(s.getItemResults(['i1']).get('i1')?.payload, '{"xpr":1,"v":7}');
  t.true(s.hasStagedCode('slurm_ssh:/r', 'abc.mjs'));
  // the migrated store works: an old job is reused, a new one is claimed, tables of later migrations are usable
  t.true(s.claim({ id: 'x', cacheKey: 'k1', name: 'add', system: 'local', stageDir: 's', runDir: 'r', outputDir: 'o', envHash: 'e', details: {} }).attached);
  s.putCall('c1', { chunks: [] });
  t.deepEqual(s.getCall('c1'), { chunks: [] });
  s.recordJobItems('relax_bbbb_0002', ['i1', 'i2', 'i3']);
  t.deepEqual(s.jobItemKeys('relax_bbbb_0002'), ['i1', 'i2', 'i3'], 'migration 3: item keys of a job recorded');
  t.deepEqual([...s.jobsHoldingItems(['i2'], ['died']).entries()], [['i2', ['relax_bbbb_0002']]]);
  s.close();

  const fresh = root();
  JobStore.open(fresh).close();
  t.deepEqual(schemaOf(old), schemaOf(fresh));
  const again = JobStore.open(old);
  t.is(again.list().length, 2, 'reopening runs no migration twice');
  again.close();
});
