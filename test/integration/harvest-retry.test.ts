// A store error while storing one ended chunk's item results (the store locked by another writer for too long) is
// transient: the chunk is harvested again, its items come back, and they are not reported as "no result".
import test from 'ava';
import { autoparallelize, StoreLockedError } from '../../src/index.ts';
import { slowSquare } from '../fixtures/autopara/remote-ops.ts';
import { makeProject } from '../helpers/project.ts';

const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };

test('remote: a chunk whose results hit a transient store error is harvested again; every item comes back', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  try {
    // The first attempt to store item results fails as a store locked past its busy timeout does.
    const store = ctx.store;
    const put = store.putItemResults.bind(store);
    let failures = 0;
    store.putItemResults = (results) => {
      if (failures++ === 0) throw new StoreLockedError('The job store is locked by another writer', store.path);
      return put(results);
    };
    const out = await autoparallelize(slowSquare, [1, 2, 3, 4], {
      context: ctx, args: [10], progress: 'silent',
      remoteInfo: { sys_name: 'q', job_name: 'hv', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 2, check_interval: 0.3 },
    });
    t.deepEqual([...out], [1, 4, 9, 16]);
    t.true(failures > 2, 'the failed chunk was stored on a later try');
    t.deepEqual(ctx.store.list().map((r) => r.state), ['processed', 'processed']);
  } finally {
    await ctx.close();
  }
});
