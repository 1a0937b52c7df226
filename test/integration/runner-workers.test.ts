// The job runner's worker count: a chunk never starts more worker threads than it has batches, so a one-item job runs
// its op in the runner's own thread (no worker start), while a larger chunk still gets the workers it asks for.
import test from 'ava';
import { autoparallelize, type RemoteInfoInput } from '../../src/index.ts';
import { addArgs } from '../fixtures/autopara/ops.ts';
import { makeProject } from '../helpers/project.ts';

const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };
const info = (perJob: number): RemoteInfoInput => ({
  sys_name: 'q', job_name: 'thr', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: perJob,
  check_interval: 0.5, env_vars: ['WFL_NUM_PYTHON_SUBPROCESSES=2'],
});

test('a one-item job runs its op in the runner thread although 2 workers are configured; a 4-item job uses workers', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const single = await autoparallelize(addArgs, [1, 2], { context: ctx, args: [10, 0], remoteInfo: info(1), progress: 'silent' });
  t.deepEqual(single.map((r) => r!.sum), [11, 12]);
  t.deepEqual(single.map((r) => r!.thread), [0, 0], 'thread 0 is the main thread: no worker was started');
  const multi = await autoparallelize(addArgs, [1, 2, 3, 4], { context: ctx, args: [20, 0], remoteInfo: info(4), progress: 'silent' });
  t.deepEqual(multi.map((r) => r!.sum), [21, 22, 23, 24]);
  t.true(multi.every((r) => r!.thread !== 0), 'a chunk of 4 one-item batches runs on worker threads');
  await ctx.close();
});
