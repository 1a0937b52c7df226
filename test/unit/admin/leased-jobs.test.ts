// cancel and rm (src/admin/gc.ts) leave alone a job whose submission lease a live driver holds, act on the others,
// and go by the rows in the store at the time they act, not those of the earlier selection.
import { hostname } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { cancelUnended, removeJobs } from '../../../src/admin/gc.ts';
import { makeProject } from '../../helpers/project.ts';

test('cancel leaves alone a job whose submission lease a live driver holds, and goes by the rows in the store now', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  try {
    const claim = (id: string) => ctx.store.claim({ id, cacheKey: id, name: id, system: 'local', stageDir: join(p.root, id), runDir: join(p.root, id), outputDir: p.root, envHash: '', details: {} }).row;
    const [leased, free, done] = ['leased_aaa_1', 'free_bbb_2', 'done_ccc_3'].map(claim);
    const driver = `${hostname()}:${process.ppid}:${Date.now()}`; // a live process on this host: a driver mid-submission
    t.true(ctx.store.takeOwnership(leased!.id, driver, () => false));
    ctx.store.transition(done!.id, 'succeeded', { force: true }); // ended after the selection was made
    const report = await cancelUnended(ctx, [leased!, free!, done!]);
    t.deepEqual(report.busy.map((r) => r.id), [leased!.id]);
    t.deepEqual(report.cancelled.map((r) => [r.id, r.state]), [[free!.id, 'cancelled']]);
    t.deepEqual(report.ended.map((r) => [r.id, r.state]), [[done!.id, 'succeeded']]);
    t.like(ctx.store.get(leased!.id), { state: 'created', owner: driver }, 'the driver keeps its job and its lease');
    t.like(ctx.store.get(free!.id), { state: 'cancelled', owner: null }, 'our own lease is released');
    t.like(ctx.store.get(done!.id), { state: 'succeeded', owner: null });
  } finally {
    await ctx.close();
  }
});

test('rm leaves alone a job whose submission lease a live driver holds, and removes the others', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  try {
    const claim = (id: string) => ctx.store.claim({ id, cacheKey: id, name: id, system: 'local', stageDir: join(p.root, id), runDir: join(p.root, id), outputDir: p.root, envHash: '', details: {} }).row;
    const [leased, free] = ['leased_ddd_4', 'free_eee_5'].map(claim);
    const driver = `${hostname()}:${process.ppid}:${Date.now()}`;
    t.true(ctx.store.takeOwnership(leased!.id, driver, () => false));
    const report = await removeJobs(ctx, [leased!, free!], { clean: true });
    t.deepEqual(report.busy.map((r) => r.id), [leased!.id]);
    t.deepEqual(report.removed.map((r) => r.id), [free!.id]);
    t.like(ctx.store.get(leased!.id), { state: 'created', owner: driver });
    t.is(ctx.store.get(free!.id), undefined);
  } finally {
    await ctx.close();
  }
});
