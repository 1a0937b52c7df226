// Typed stored data: a job's details parsed once where rows are read (bad JSON or a wrong field type is a
// StoredDataError naming the job and the store file), and the outcome each transition records (migration 6 for old rows).
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { JobStore, STORE_FILE, StoredDataError, type JobOutcome, type JobState, type NewJob } from '../../../src/store/index.ts';
import { MIGRATIONS } from '../../../src/store/migrations.ts';
import { parseJobDetails } from '../../../src/store/job-details.ts';
import { callItemsAndJobs, parseCallRecord } from '../../../src/autopara/call-record.ts';

const root = (): string => mkdtempSync(join(tmpdir(), 'xpr-typed-'));
const job = (id: string, details: NewJob['details'] = {}): NewJob => ({
  id, cacheKey: `k-${id}`, name: id, system: 'local', stageDir: `/s/${id}`, runDir: `/r/${id}`, outputDir: '/o', envHash: 'e', details,
});

// Overwrite a job's stored details text behind the store's back.
function setRawDetails(dir: string, id: string, text: string): void {
  const db = new Database(join(dir, STORE_FILE));
  db.prepare('UPDATE jobs SET details = ? WHERE id = ?').run(text, id);
  db.close();
}

test('details come back typed, unknown keys kept, known null fields dropped', (t) => {
  const dir = root();
  const s = JobStore.open(dir);
  const details = {
    mode: 'map', codeFile: 'abc.mjs', fit: { partition: 'p', numCores: 4, maxTimeS: 60, memPerNodeKb: 1024 }, outputFiles: ['out/*'],
    envVars: [{ name: 'A', value: '1', form: 'literal' as const }], submitArgv: ['sbatch', 'job.sh'], itemCount: 3, batchSize: 1, extra: { x: 1 },
  };
  s.claim(job('j1', details));
  const row = s.get('j1')!;
  t.deepEqual(row.details, details);
  t.is(row.details.fit?.numCores, 4);
  t.deepEqual(row.details.outputFiles, ['out/*']);
  s.setDetail('j1', 'usage', { elapsed_s: 3 });
  t.deepEqual(s.get('j1')!.details.usage, { elapsed_s: 3 });
  s.close();
  setRawDetails(dir, 'j1', JSON.stringify({ mode: 'call', outputFiles: null, other: null }));
  const again = JobStore.open(dir);
  t.deepEqual(again.get('j1')!.details, { mode: 'call', other: null });
  again.close();
});

test('bad details JSON is a StoredDataError naming the job id and the store path, from get, list and getMany', (t) => {
  const dir = root();
  const s = JobStore.open(dir);
  s.claim(job('good'));
  s.claim(job('broken_0001'));
  setRawDetails(dir, 'broken_0001', '{"mode": "call",');
  for (const read of [() => s.get('broken_0001'), () => s.list(), () => s.getMany(['good', 'broken_0001'])]) {
    const error = t.throws(read, { instanceOf: StoredDataError });
    t.regex(error!.message, /broken_0001/);
    t.true(error!.message.includes(join(dir, STORE_FILE)), error!.message);
    t.regex(error!.message, /not JSON/);
    t.is((error as StoredDataError).rowId, 'broken_0001');
  }
  t.is(s.get('good')!.id, 'good', 'other rows still read');
  t.deepEqual(s.listBrief().map((b) => b.id), ['good', 'broken_0001'], 'listing without details still works (e.g. to select the job for xpr rm)');
  s.close();
});

test('details that are not an object, or a known field of the wrong type, are a StoredDataError saying which', (t) => {
  const path = '/p/xpr-jobs.sqlite';
  t.throws(() => parseJobDetails('[1]', 'j', path), { instanceOf: StoredDataError, message: /details for job j: expected a JSON object, found a list/ });
  t.throws(() => parseJobDetails('null', 'j', path), { instanceOf: StoredDataError, message: /expected a JSON object, found null/ });
  t.throws(() => parseJobDetails('{"outputFiles": "out/*"}', 'j', path), { instanceOf: StoredDataError, message: /"outputFiles" should be a list of strings, found "out\/\*"/ });
  t.throws(() => parseJobDetails('{"fit": {"numCores": "4"}}', 'j', path), { instanceOf: StoredDataError, message: /"fit.numCores" has the wrong type/ });
  t.throws(() => parseJobDetails('{"envVars": [{"name": "A"}]}', 'j', path), { instanceOf: StoredDataError, message: new RegExp(`${path}.*"envVars"`) });
  t.deepEqual(parseJobDetails('{"usage": "garbage", "fit": {"memPerNodeKb": null}}', 'j', path), { usage: 'garbage', fit: { memPerNodeKb: null } }, 'usage is read defensively by its owner');
});

test('each transition records the outcome: the state itself, or the cause given; processed and cleaned keep it', (t) => {
  const s = JobStore.open(root());
  const ended = (id: string, to: JobState, outcome?: JobOutcome): JobOutcome | null => {
    s.claim(job(id));
    for (const st of ['staged', 'submitted', 'running'] as const) s.transition(id, st);
    t.is(s.get(id)!.outcome, null, 'no outcome while live');
    t.true(s.transition(id, to, { reason: 'why', outcome }));
    return s.get(id)!.outcome;
  };
  t.is(ended('a', 'succeeded'), 'succeeded');
  t.is(ended('b', 'failed'), 'failed');
  t.is(ended('c', 'died'), 'died');
  t.is(ended('d', 'died', 'out-of-memory'), 'out-of-memory');
  t.is(ended('e', 'cancelled'), 'cancelled');
  s.claim(job('f'));
  t.true(s.transition('f', 'failed', { reason: 'submission failed: sbatch: error', outcome: 'submission-failed', force: true }));
  t.is(s.get('f')!.outcome, 'submission-failed');
  s.transition('d', 'processed', { reason: 'died: OUT_OF_MEMORY: killed' });
  t.is(s.get('d')!.outcome, 'out-of-memory', 'processed keeps the outcome');
  s.transition('d', 'cleaned');
  t.is(s.get('d')!.outcome, 'out-of-memory', 'cleaned keeps it too');
  s.transition('c', 'succeeded');
  t.is(s.get('c')!.outcome, 'succeeded', 'a died job that succeeds on re-sync');
  s.transition('b', 'created', { force: true, reason: 'reset by xpr reset-status' });
  t.is(s.get('b')!.outcome, null, 'reset to a live state: no outcome');
  s.claim(job('g'));
  t.throws(() => s.transition('g', 'cancelled', { outcome: 'out-of-memory' }), { message: /cannot move to cancelled with outcome out-of-memory/ });
  t.is(s.get('g')!.state, 'created', 'nothing changed');
  s.close();
});

test('migration 6 gives rows of an older store their outcome from their events and reason text', (t) => {
  const dir = root();
  const db = new Database(join(dir, STORE_FILE));
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  for (const m of MIGRATIONS.slice(0, 5)) db.exec(m.replace('CREATE TABLE meta', 'CREATE TABLE IF NOT EXISTS meta'));
  db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', '5'), ('project_id', 'p0123456789ab')").run();
  const ins = db.prepare(
    `INSERT INTO jobs (id, cache_key, name, system, state, reason, stage_dir, run_dir, output_dir, env_hash, details, created_at, updated_at)
     VALUES (?, ?, 'n', 'local', ?, ?, 's', 'r', 'o', 'e', '{}', 1, 1)`,
  );
  const ev = db.prepare('INSERT INTO events (job_id, at, from_state, to_state) VALUES (?, 1, NULL, ?)');
  const rows: Array<[string, JobState, string | null, JobState[], JobOutcome | null]> = [
    ['live', 'running', null, ['created', 'running'], null],
    ['ok', 'succeeded', null, ['succeeded'], 'succeeded'],
    ['threw', 'failed', 'the op threw', ['failed'], 'failed'],
    ['unsent', 'failed', 'submission failed: sbatch: error: invalid partition', ['created', 'failed'], 'submission-failed'],
    ['timeout', 'died', 'the queue reports TIMEOUT; no result was written', ['died'], 'died'],
    ['oom', 'died', 'OUT_OF_MEMORY: killed by signal 9 (SIGKILL) at peak memory 1 GiB', ['died'], 'out-of-memory'],
    ['stopped', 'cancelled', 'cancelled by the user', ['cancelled'], 'cancelled'],
    ['used', 'processed', null, ['succeeded', 'processed'], 'succeeded'],
    ['used-died', 'processed', 'died: the queue reports TIMEOUT', ['died', 'processed'], 'died'],
    ['used-oom', 'processed', 'died: OUT_OF_MEMORY: the queue reports it', ['died', 'processed'], 'out-of-memory'],
    ['no-events', 'processed', 'died: TIMEOUT', [], 'died'],
    ['no-events-ok', 'processed', null, [], 'succeeded'],
    ['gone', 'cleaned', 'submission failed: x', ['failed', 'cleaned'], 'submission-failed'],
    ['never-staged', 'cleaned', null, ['created', 'cleaned'], null],
  ];
  for (const [id, state, reason, events] of rows) {
    ins.run(id, `k-${id}`, state, reason);
    for (const e of events) ev.run(id, e);
  }
  db.close();
  const s = JobStore.open(dir);
  t.is(s.schemaVersion(), MIGRATIONS.length);
  for (const [id, state, reason, , outcome] of rows) {
    const row = s.get(id)!;
    t.deepEqual([row.state, row.reason, row.outcome], [state, reason, outcome], id);
  }
  s.close();
});

test('a call record that is not JSON is a StoredDataError naming the call and the store; records are read back typed', (t) => {
  const dir = root();
  const s = JobStore.open(dir);
  const record = { version: 2, callKey: 'c1', itemKeys: ['a', 'b'], chunks: [{ jobId: 'j', indexes: [0, 1] }], timeoutS: null, checkIntervalS: 5, ignoreFailed: false, outputs: null };
  s.putCall('c1', record);
  t.deepEqual(parseCallRecord(s.getCall('c1')!), record);
  s.putCall('old', { version: 1, itemKeys: ['a'], chunks: [{ jobId: 'j0', indexes: [0] }], timeoutS: null, checkIntervalS: 5, ignoreFailed: false });
  t.is(parseCallRecord(s.getCall('old')!), null, 'another version is not taken for this one');
  t.deepEqual(callItemsAndJobs(s.getCall('old')!), { itemKeys: ['a'], jobIds: ['j0'] }, 'its items and jobs are still found');
  s.close();
  const db = new Database(join(dir, STORE_FILE));
  db.prepare("UPDATE calls SET details = 'nope' WHERE call_key = 'c1'").run();
  db.close();
  const again = JobStore.open(dir);
  const error = t.throws(() => again.getCall('c1'), { instanceOf: StoredDataError });
  t.regex(error!.message, /record of call c1: not JSON/);
  t.true(error!.message.includes(join(dir, STORE_FILE)));
  again.close();
});
