// A call's snapshot (its whole result list) is only ever read back while the item results it was made from are all
// still stored as they were: deleting or replacing any item result, or removing the call, retires it.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../../src/store/index.ts';

const open = (): JobStore => JobStore.open(mkdtempSync(join(tmpdir(), 'xpr-snap-')));
const ok = (itemKey: string, payload = 'p'): { itemKey: string; jobId: string; ok: boolean; payload: string } => ({ itemKey, jobId: 'j1', ok: true, payload });
const snap = { callKey: 'c1', jobIds: ['j1'], payload: '[1,2]' };

test('a snapshot saved at the current generation is read back with its call key and jobs', (t) => {
  const s = open();
  s.putItemResults([ok('a'), ok('b')]);
  const g = s.itemResultsGeneration();
  t.true(s.putCallSnapshot('in1', snap, g));
  t.deepEqual(s.getCallSnapshot('in1'), snap);
  t.is(s.getCallSnapshot('other'), undefined);
  // New item results (other items) leave it valid.
  s.putItemResults([ok('c')]);
  t.deepEqual(s.getCallSnapshot('in1'), snap);
  s.close();
});

test('deleting or replacing any item result retires every snapshot; one made from results read before is refused', (t) => {
  const s = open();
  s.putItemResults([ok('a'), ok('b')]);
  const g0 = s.itemResultsGeneration();
  s.putCallSnapshot('in1', snap, g0);
  s.deleteItemResults(['b']);
  t.is(s.getCallSnapshot('in1'), undefined, 'deleted item result');
  const g1 = s.itemResultsGeneration();
  t.true(g1 > g0);
  t.false(s.putCallSnapshot('in1', snap, g0), 'results read before the delete');
  t.true(s.putCallSnapshot('in1', snap, g1));
  s.putItemResults([ok('a', 'recomputed')]);
  t.is(s.getCallSnapshot('in1'), undefined, 'replaced item result');
  s.close();
});

test('removing a call removes its snapshots', (t) => {
  const s = open();
  s.putCall('c1', { version: 2 });
  s.putCallSnapshot('in1', snap, s.itemResultsGeneration());
  s.putCallSnapshot('in2', { ...snap, callKey: 'c2' }, s.itemResultsGeneration());
  s.deleteCall('c1');
  t.is(s.getCallSnapshot('in1'), undefined);
  t.truthy(s.getCallSnapshot('in2'));
  s.close();
});

test('an item result stored again unchanged (a job harvested twice) leaves the snapshots valid', (t) => {
  const s = open();
  s.putItemResults([ok('a'), ok('b')]);
  const g = s.itemResultsGeneration();
  s.putCallSnapshot('in1', snap, g);
  s.putItemResults([ok('a'), ok('b')]);
  t.is(s.itemResultsGeneration(), g);
  t.deepEqual(s.getCallSnapshot('in1'), snap);
  s.close();
});
