// autoparallelize's onProgress on real runs: jobs on the built-in local queue and the local worker pool. The events
// carry items done / failed / cached and jobs per state; a rerun reports its items as cached and starts no job.
import test from 'ava';
import { join } from 'node:path';
import { autoparallelize, type AutoparaProgressEvent, type RemoteInfoInput } from '../../src/index.ts';
import { double } from '../fixtures/autopara/ops.ts';
import { makeProject } from '../helpers/project.ts';

const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };
const info = (more: Partial<RemoteInfoInput> = {}): RemoteInfoInput => ({
  sys_name: 'q', job_name: 'dbl', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 3, check_interval: 0.5, ...more,
});
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// The events of one call, checked for shape: one start first, one end last, item counts never going down.
function recorder(): { events: AutoparaProgressEvent[]; onProgress: (e: AutoparaProgressEvent) => void; end: () => AutoparaProgressEvent } {
  const events: AutoparaProgressEvent[] = [];
  return {
    events,
    onProgress: (e) => events.push(e),
    end: () => {
      if (events[0]?.phase !== 'start') throw new Error(`first event is ${events[0]?.phase}`);
      if (events.at(-1)?.phase !== 'end' || events.filter((e) => e.phase === 'end').length !== 1) throw new Error('not exactly one end, last');
      if (events.filter((e) => e.phase === 'start').length !== 1) throw new Error('not exactly one start');
      for (let i = 1; i < events.length; i++) {
        if (events[i]!.items.done < events[i - 1]!.items.done) throw new Error(`items done went down at event ${i}`);
      }
      return events.at(-1)!;
    },
  };
}

const jobsIn = (e: AutoparaProgressEvent): Record<string, number> => Object.fromEntries(Object.entries(e.jobs).filter(([, n]) => n > 0));

test('local queue: the first run reports 7 items done by 3 succeeded jobs; a rerun 7 cached items and no job', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const first = recorder();
  t.deepEqual([...(await autoparallelize(double, range(7), { context: ctx, remoteInfo: info(), progress: 'silent', onProgress: first.onProgress }))], range(7).map((x) => 2 * x));
  const end = first.end();
  t.like(end, { op: 'double', where: 'remote', total: 7, items: { done: 7, failed: 0, cached: 0 } });
  t.deepEqual(jobsIn(end), { succeeded: 3 });
  t.is(typeof end.callKey, 'string');
  t.true(first.events.some((e) => e.jobs.queued + e.jobs.submitted + e.jobs.running + e.jobs.created + e.jobs.staged > 0), 'jobs were seen before they ended');

  const rerun = recorder();
  await autoparallelize(double, range(7), { context: ctx, remoteInfo: info(), progress: 'silent', onProgress: rerun.onProgress });
  const again = rerun.end();
  t.like(again, { total: 7, items: { done: 7, failed: 0, cached: 7 }, callKey: end.callKey });
  t.deepEqual(jobsIn(again), {}, 'no job for cached items');

  const extended = recorder();
  await autoparallelize(double, range(9), { context: ctx, remoteInfo: info(), progress: 'silent', onProgress: extended.onProgress });
  const more = extended.end();
  t.like(more, { total: 9, items: { done: 9, failed: 0, cached: 7 } });
  t.deepEqual(jobsIn(more), { succeeded: 1 });
  await ctx.close();
});

test('local queue: an item whose op throws counts as failed; its job still succeeded', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const r = recorder();
  const results = await autoparallelize(double, [1, 2, 3, 4, -1, 6], { context: ctx, remoteInfo: info(), progress: 'silent', ignoreFailed: true, onProgress: r.onProgress });
  t.deepEqual(results.failures.map((f) => f.index), [4]);
  const end = r.end();
  t.like(end, { total: 6, items: { done: 5, failed: 1, cached: 0 } });
  t.deepEqual(jobsIn(end), { succeeded: 2 });
  await ctx.close();
});

test('local pool: items done per batch, cached on a rerun from the outputs file, no jobs', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const outputs = join(p.dir, 'out.jsonl');
  const first = recorder();
  await autoparallelize(double, range(5), { context: ctx, batchSize: 2, outputs, progress: 'silent', onProgress: first.onProgress });
  const end = first.end();
  t.like(end, { where: 'local', total: 5, items: { done: 5, failed: 0, cached: 0 } });
  t.deepEqual(jobsIn(end), {});
  t.deepEqual(first.events.filter((e) => e.phase === 'update').map((e) => e.items.done), [2, 4, 5], 'one update per batch of 2');

  const rerun = recorder();
  await autoparallelize(double, range(5), { context: ctx, batchSize: 2, outputs, progress: 'silent', onProgress: rerun.onProgress });
  t.like(rerun.end(), { where: 'local', total: 5, items: { done: 5, failed: 0, cached: 5 } });
  await ctx.close();
});

test('an onProgress that throws is reported once and does not break the call', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  let calls = 0;
  const results = await autoparallelize(double, range(4), { context: ctx, progress: 'silent', onProgress: () => { calls++; throw new Error('listener bug'); } });
  t.deepEqual([...results], [0, 2, 4, 6]);
  t.is(calls, 1);
  t.is(p.logLines.filter((l) => /onProgress threw \(listener bug\)/.test(l)).length, 1);
  await ctx.close();
});
