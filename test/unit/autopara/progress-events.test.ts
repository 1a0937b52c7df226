// Progress events as plain data: jobs counted per state (processed ones under the state they ended in), one start
// and one end per call, and a throwing listener dropped with one warning while the others keep receiving events.
import test from 'ava';
import { countJobs, noJobs, ProgressEmitter, type AutoparaProgressEvent } from '../../../src/autopara/progress-events.ts';

test('jobs per state: processed jobs count under the state of their outcome (died also when killed for memory)', (t) => {
  const counts = countJobs([
    { state: 'queued', outcome: null }, { state: 'running', outcome: null }, { state: 'processed', outcome: 'succeeded' },
    { state: 'processed', outcome: 'died' }, { state: 'processed', outcome: 'out-of-memory' }, { state: 'failed', outcome: 'failed' },
    { state: 'succeeded', outcome: 'succeeded' }, { state: 'processed', outcome: null },
  ]);
  t.like(counts, { queued: 1, running: 1, succeeded: 3, died: 2, failed: 1, processed: 0 });
  t.is(Object.values(noJobs()).reduce((a, b) => a + b, 0), 0);
});

test('the emitter sends start, updates and one end to every listener; a throwing one is dropped with one warning', (t) => {
  const seen: AutoparaProgressEvent[] = [];
  const warnings: string[] = [];
  let bad = 0;
  const e = new ProgressEmitter({ op: 'op', where: 'local', callKey: null, total: 2 }, [(ev) => seen.push(ev), () => { bad++; throw new Error('oops'); }, undefined], (m) => warnings.push(m));
  e.start();
  e.update({ items: { done: 1, failed: 0, cached: 0 }, jobs: noJobs() });
  e.end({ items: { done: 2, failed: 0, cached: 1 }, jobs: noJobs() });
  e.end();
  e.update({ items: { done: 9, failed: 0, cached: 0 }, jobs: noJobs() });
  t.deepEqual(seen.map((ev) => [ev.phase, ev.items.done]), [['start', 0], ['update', 1], ['end', 2]]);
  t.is(bad, 1);
  t.deepEqual(warnings, ['onProgress threw (oops); it gets no further events of this call']);
  seen[1]!.items.done = 99;
  t.is(seen[2]!.items.done, 2, 'each event is its own object');
});
