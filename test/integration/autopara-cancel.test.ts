// autoparallelize chunks cancelled by the user (`xpr cancel`, here its API cancelJobs) while they run: their items
// fail with JobCancelledError, not JobDiedError.
import test from 'ava';
import { autoparallelize, ItemsFailedError, JobCancelledError } from '../../src/index.ts';
import { cancelJobs } from '../../src/job/index.ts';
import { slowSquare } from '../fixtures/autopara/remote-ops.ts';
import { makeProject } from '../helpers/project.ts';

const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };

test('remote: chunks cancelled while running are reported as JobCancelledError', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  try {
    const run = autoparallelize(slowSquare, [1, 2], {
      context: ctx, args: [120_000], progress: 'silent',
      remoteInfo: { sys_name: 'q', job_name: 'cxl', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 1, check_interval: 0.3 },
    });
    const failed = t.throwsAsync(run, { instanceOf: ItemsFailedError });
    for (let i = 0; i < 600 && !(ctx.store.list().length === 2 && ctx.store.list().every((r) => r.state === 'running')); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    t.deepEqual(ctx.store.list().map((r) => r.state), ['running', 'running']);
    await cancelJobs(ctx, ctx.store.list());
    const err = await failed;
    t.deepEqual(err!.failures.map((f) => f.error.name).sort(), ['JobCancelledError', 'JobCancelledError']);
    t.true(err!.failures.every((f) => f.error instanceof JobCancelledError));
  } finally {
    await ctx.close();
  }
});
