// max_queued_jobs admission against a real job store: places are counted across driver processes (two store handles
// on one file stand for two drivers), held jobs keep their order, and the limit holds when two decide at once.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore, type JobState } from '../../../src/store/index.ts';
import { admit, isHeld, jobsTakingPlaces } from '../../../src/job/throttle.ts';

const never = (): boolean => false;

function storeWith(states: JobState[], system = 'hpc'): { dir: string; store: JobStore } {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-throttle-'));
  const store = JobStore.open(dir);
  states.forEach((s, k) => addJob(store, `j${k}`, s, system));
  return { dir, store };
}

function addJob(store: JobStore, id: string, state: JobState, system = 'hpc'): void {
  store.claim({ id, cacheKey: `k-${id}`, name: id, system, stageDir: `/s/${id}`, runDir: `/r/${id}`, outputDir: '/o', envHash: 'e', details: {} });
  const path: JobState[] = ['staged', 'submitted', 'queued', 'running', 'succeeded'];
  for (const s of path.slice(0, path.indexOf(state) + 1)) store.transition(id, s, s === 'submitted' ? { schedulerId: `q${id}` } : {});
}

const staged = (store: JobStore, ids: string[]) => ids.map((id) => store.get(id)!);

test('only as many staged jobs as there are free places are admitted; the rest are held in order, unleased', (t) => {
  const { store } = storeWith(['running', 'queued', 'succeeded', 'staged', 'staged', 'staged', 'staged']);
  const rows = staged(store, ['j3', 'j4', 'j5', 'j6']);
  for (const r of rows) t.true(store.takeOwnership(r.id, 'me', never));
  const a = admit(store, 'hpc', 3, rows, 'me', never);
  t.deepEqual(a.admitted.map((r) => r.id), ['j3']);
  t.deepEqual(a.held.map((r) => r.id), ['j4', 'j5', 'j6']);
  t.is(a.taken, 2, 'running + queued; the succeeded job takes no place');
  t.is(store.get('j4')!.owner, null, 'held jobs are free for any driver to submit later');
  t.is(store.get('j3')!.owner, 'me');
  t.true(rows.every(isHeld));
});

test('no limit admits everything; jobs of other systems take no places', (t) => {
  const { store } = storeWith(['running', 'running']);
  addJob(store, 'x1', 'staged', 'other');
  const rows = staged(store, ['x1']);
  t.deepEqual(admit(store, 'other', undefined, rows, 'me', never).admitted.map((r) => r.id), ['x1']);
  t.deepEqual(admit(store, 'other', 1, rows, 'me', never).admitted.map((r) => r.id), ['x1']);
  t.is(jobsTakingPlaces(store, 'hpc', never), 2);
});

test('a job another driver is submitting takes a place, unless its lease is stale', (t) => {
  const { store } = storeWith(['staged', 'staged']);
  store.takeOwnership('j0', 'other-driver', never);
  store.takeOwnership('j1', 'me', never);
  t.deepEqual(admit(store, 'hpc', 1, staged(store, ['j1']), 'me', never).admitted, []);
  store.takeOwnership('j1', 'me', never);
  const stale = (o: string): boolean => o === 'other-driver';
  t.deepEqual(admit(store, 'hpc', 1, staged(store, ['j1']), 'me', stale).admitted.map((r) => r.id), ['j1']);
});

test('two drivers deciding at once never admit more than the limit between them', (t) => {
  const { dir, store: a } = storeWith(['running', 'staged', 'staged', 'staged', 'staged']);
  const b = JobStore.open(dir);
  // Both have leased their batch before either decides (the worst interleaving for a count-then-act check).
  for (const id of ['j1', 'j2']) a.takeOwnership(id, 'A', never);
  for (const id of ['j3', 'j4']) b.takeOwnership(id, 'B', never);
  const first = admit(a, 'hpc', 3, staged(a, ['j1', 'j2']), 'A', never);
  const second = admit(b, 'hpc', 3, staged(b, ['j3', 'j4']), 'B', never);
  const total = 1 + first.admitted.length + second.admitted.length;
  t.true(total <= 3, `admitted ${first.admitted.length} + ${second.admitted.length} with 1 running, limit 3`);
  t.true(first.admitted.length + second.admitted.length >= 1, 'and some progress is made');
  b.close();
});
