// Listing jobs in pages: order (oldest / newest first, ties by insertion), limit, brief rows, count and reading many
// jobs by id; and the CLI's selection through them (`xpr ls` keeps the newest n matching, with the same filters).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { JobStore, type JobState } from '../../../src/store/index.ts';
import { selectJobs, selectJobBriefs } from '../../../cli/commands/select.ts';

function storeWith(jobs: Array<[string, string, string, JobState]>): JobStore {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-list-'));
  const store = JobStore.open(root);
  for (const [id, name, system, state] of jobs) {
    store.claim({ id, cacheKey: id, name, system, stageDir: path.join(root, id), runDir: `/r/${id}`, outputDir: root, envHash: '', details: { fit: { numCores: 1 } } });
    if (state !== 'created') store.transition(id, state, { force: true });
  }
  return store;
}

const jobs: Array<[string, string, string, JobState]> = [
  ['a_1', 'relax', 'archer2', 'running'],
  ['b_2', 'relax', 'archer2', 'failed'],
  ['c_3', 'gap', 'young', 'created'],
  ['d_4', 'gap', 'young', 'succeeded'],
  ['e_5', 'md', 'local', 'failed'],
  ['f_6', 'md', 'local', 'failed'],
];
const store = storeWith(jobs);
const ids = (rows: Array<{ id: string }>): string[] => rows.map((r) => r.id);

test('list and listBrief: oldest first by default, newest first on request, at most limit (0 = all)', (t) => {
  t.deepEqual(ids(store.list()), ['a_1', 'b_2', 'c_3', 'd_4', 'e_5', 'f_6']);
  t.deepEqual(ids(store.list({}, { newestFirst: true, limit: 2 })), ['f_6', 'e_5']);
  t.deepEqual(ids(store.list({ states: ['failed'] }, { limit: 2 })), ['b_2', 'e_5']);
  t.deepEqual(ids(store.listBrief({}, { limit: 0 })), ids(store.list()));
  t.deepEqual(ids(store.listBrief({ states: ['failed'] }, { newestFirst: true })), ['f_6', 'e_5', 'b_2']);
  const brief = store.listBrief({ system: 'young' });
  t.deepEqual(brief.map((r) => [r.id, r.name, r.system, r.state]), [['c_3', 'gap', 'young', 'created'], ['d_4', 'gap', 'young', 'succeeded']]);
  t.is(typeof brief[0]!.createdAt, 'number');
});

test('jobs created in the same instant keep their insertion order either way', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-list-tie-'));
  const s = JobStore.open(root);
  const realNow = Date.now;
  Date.now = () => 1_700_000_000_000;
  try {
    for (const id of ['x', 'y', 'z']) s.claim({ id, cacheKey: id, name: id, system: 'q', stageDir: `/s/${id}`, runDir: `/r/${id}`, outputDir: root, envHash: '', details: {} });
  } finally {
    Date.now = realNow;
  }
  t.deepEqual(ids(s.list()), ['x', 'y', 'z']);
  t.deepEqual(ids(s.list({}, { newestFirst: true, limit: 2 })), ['z', 'y']);
  s.close();
});

test('count and getMany: how many match; full rows in the order asked, unknown ids left out', (t) => {
  t.is(store.count(), 6);
  t.is(store.count({ states: ['failed'] }), 3);
  t.is(store.count({ states: [] }), 0);
  const rows = store.getMany(['e_5', 'nope', 'a_1']);
  t.deepEqual(ids(rows), ['e_5', 'a_1']);
  t.deepEqual(rows[0]!.details, { fit: { numCores: 1 } });
  t.deepEqual(rows[1], store.get('a_1'));
});

test('selectJobBriefs: the same jobs as selectJobs for every filter; limit keeps the newest n, total counts all', (t) => {
  const filters = [{}, { status: ['failed'] }, { status: ['ongoing'] }, { name: ['relax|md'] }, { id: ['.*_[246]'] }, { system: ['local'], status: ['failed'] }, { name: ['rel'] }, { newerThan: 3600 }, { olderThan: 3600 }];
  for (const o of filters) {
    const full = ids(selectJobs(store, o));
    t.deepEqual(ids(selectJobBriefs(store, o).rows), full, JSON.stringify(o));
    t.is(selectJobBriefs(store, o).total, full.length, JSON.stringify(o));
    const two = selectJobBriefs(store, o, 2);
    t.deepEqual(ids(two.rows), full.slice(-2), `newest 2, oldest first: ${JSON.stringify(o)}`);
    t.is(two.total, full.length);
  }
});

test('putCall: a record equal to the stored one is not written again; a changed one is', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-putcall-'));
  const s = JobStore.open(root);
  s.putCall('c1', { itemKeys: ['a', 'b'], chunks: [] });
  const first = s.listCalls()[0]!;
  const mark = s.changeMark();
  s.putCall('c1', { itemKeys: ['a', 'b'], chunks: [] });
  t.is(s.changeMark(), mark, 'nothing committed');
  t.is(s.listCalls()[0]!.updatedAt, first.updatedAt);
  s.putCall('c1', { itemKeys: ['a', 'b'], chunks: [{ jobId: 'j', indexes: [0, 1] }] });
  t.deepEqual(s.getCall('c1'), { itemKeys: ['a', 'b'], chunks: [{ jobId: 'j', indexes: [0, 1] }] });
  t.not(s.changeMark(), mark);
  s.close();
});
