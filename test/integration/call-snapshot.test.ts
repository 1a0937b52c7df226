// A fully cached rerun is answered from the call's snapshot (its whole result list in one store row) on the local queue
// and in the local pool, with the results the items' runs produced; a snapshot never outlives what it was made from:
// dropped item results (xpr rm --items), recompute, or a failed item mean the items are computed (again) as before.
import test from 'ava';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { autoparallelize, type RemoteInfoInput } from '../../src/index.ts';
import { STORE_FILE } from '../../src/store/index.ts';
import { runNumbered } from '../fixtures/restart/ops.ts';
import { makeProject } from '../helpers/project.ts';

const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };
const info: RemoteInfoInput = { sys_name: 'q', job_name: 'snap', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 2, check_interval: 0.5 };
const runs = (ledger: string): number => readFileSync(ledger, 'utf8').split('\n').filter(Boolean).length;
const fromSnapshot = (lines: string[]): boolean => lines.some((l) => /its snapshot\): nothing to run/.test(l));

for (const where of ['local queue', 'local pool'] as const) {
  test(`${where}: a fully cached rerun comes from the call's snapshot, with the results of the items' runs`, async (t) => {
    const p = makeProject({ systems: queue });
    const ctx = p.context();
    const ledger = join(p.dir, 'ledger.txt');
    const opts = { context: ctx, args: [ledger] as [string], remoteInfo: where === 'local pool' ? ('local' as const) : info, progress: 'silent' as const };
    try {
      const first = await autoparallelize(runNumbered, [1, 2, 3], opts);
      t.deepEqual([...first], ['1#1', '2#1', '3#1']);
      const jobs = ctx.store.list().length;
      const before = p.logLines.length;
      const again = await autoparallelize(runNumbered, [1, 2, 3], opts);
      t.deepEqual([...again], ['1#1', '2#1', '3#1']);
      t.deepEqual(again.failures, []);
      t.true(fromSnapshot(p.logLines.slice(before)), p.logLines.slice(before).join(''));
      t.is(runs(ledger), 3, 'no op ran');
      t.is(ctx.store.list().length, jobs, 'no job started');
      // Other inputs (one more item) are another call: its cached items come from the item cache, the new one runs.
      const more = await autoparallelize(runNumbered, [1, 2, 3, 4], opts);
      t.deepEqual([...more], ['1#1', '2#1', '3#1', '4#1']);
      t.is(runs(ledger), 4);
    } finally {
      await ctx.close();
    }
  });
}

test('a wait: false call collected saves its snapshot; dropped item results and recompute are never answered from a stale one', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const ledger = join(p.dir, 'ledger.txt');
  const opts = { context: ctx, args: [ledger] as [string], remoteInfo: info, progress: 'silent' as const };
  try {
    const first = await autoparallelize(runNumbered, [1, 2, 3], { ...opts, wait: false });
    await first.collect({ progress: 'silent' }); // a wait: false call's collect saves the snapshot too
    const before = p.logLines.length;
    await autoparallelize(runNumbered, [1, 2, 3], opts);
    t.true(fromSnapshot(p.logLines.slice(before)), 'the rerun after collect() reads it');
    t.is(runs(ledger), 3);
    // What `xpr rm --items` does: item 2's result is dropped, so it runs again (and the others do not).
    const key = ctx.store.listItemResults().map((r) => r.itemKey).sort()[0]!;
    ctx.store.deleteItemResults([key]);
    const after = await autoparallelize(runNumbered, [1, 2, 3], opts);
    t.is(runs(ledger), 4, 'the dropped item ran again');
    t.is([...after].filter((r) => r!.endsWith('#2')).length, 1);
    // recompute replaces item results: the next plain rerun returns the recomputed ones.
    const recomputed = await autoparallelize(runNumbered, [1, 2, 3], { ...opts, recompute: (x: number) => x === 3 });
    t.is(recomputed[2], `3#${[...after][2] === '3#2' ? 3 : 2}`);
    const plain = await autoparallelize(runNumbered, [1, 2, 3], opts);
    t.deepEqual([...plain], [...recomputed]);
    t.is(runs(ledger), 5);
  } finally {
    await ctx.close();
  }
});

test('an unreadable snapshot is passed over with a warning: the rerun assembles its results item by item', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const ledger = join(p.dir, 'ledger.txt');
  const opts = { context: ctx, args: [ledger] as [string], remoteInfo: 'local' as const, progress: 'silent' as const };
  try {
    await autoparallelize(runNumbered, [1, 2], opts);
    const db = new Database(join(p.root, STORE_FILE));
    t.is(db.prepare("UPDATE call_snapshots SET payload = 'not a payload'").run().changes, 1);
    db.close();
    const before = p.logLines.length;
    t.deepEqual([...(await autoparallelize(runNumbered, [1, 2], opts))], ['1#1', '2#1']);
    t.true(p.logLines.slice(before).some((l) => /snapshot of call \S+ cannot be read/.test(l)), p.logLines.slice(before).join(''));
    t.is(runs(ledger), 2, 'nothing ran again');
  } finally {
    await ctx.close();
  }
});
