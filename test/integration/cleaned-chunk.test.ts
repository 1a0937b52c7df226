// A chunk job whose dirs were cleaned (cleanJobs, RemoteJob.clean) before its call was collected has ended: collecting
// the call does not wait for it and reports its items as failed by that job, not as produced by no job.
// Runs on the built-in local queue.
import test from 'ava';
import { autoparallelize, cleanJobs, collectCall, ItemsFailedError, JobDiedError } from '../../src/index.ts';
import { double } from '../fixtures/autopara/ops.ts';
import { makeProject } from '../helpers/project.ts';

const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };

test('collecting a call whose chunk job was cleaned names that job for its items; the other chunk\'s results come back', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  try {
    const handle = await autoparallelize(double, [1, 2, 3, 4], {
      context: ctx, wait: false, progress: 'silent',
      remoteInfo: { sys_name: 'q', job_name: 'cln', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 2, check_interval: 0.5 },
    });
    t.is(handle.jobIds.length, 2);
    await (await ctx.poller('q')).wait(handle.jobIds, { checkIntervalS: 0.5 });
    const gone = handle.jobIds[1]!;
    await cleanJobs(ctx, [ctx.store.get(gone)!]);
    t.is(ctx.store.get(gone)!.state, 'cleaned');
    const err = await t.throwsAsync(collectCall(handle.callKey, { context: ctx, progress: 'silent' }), { instanceOf: ItemsFailedError });
    t.deepEqual(err.results, [2, 4, undefined, undefined]);
    t.deepEqual(err.failures.map((f) => [f.index, f.jobId]), [[2, gone], [3, gone]]);
    t.true(err.failures.every((f) => f.error instanceof JobDiedError));
  } finally {
    await ctx.close();
  }
});
