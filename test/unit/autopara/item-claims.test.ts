// Item claims across drivers sharing a store: one transaction sorts wanted items into done / held by a job / claimed
// by another live driver / mine; a crashed driver's claims are taken over; claimAndStart waits for the other driver's
// items and adopts its jobs instead of starting its own.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { JobStore, type NewJob } from '../../../src/store/index.ts';
import { claimAndStart, isStaleClaim } from '../../../src/autopara/item-claims.ts';
import { newLease } from '../../../src/job/lease.ts';
import { makeProject } from '../../helpers/project.ts';

const LIVE = ['created', 'staged', 'submitted', 'queued', 'running'] as const;
const job = (id: string, cacheKey: string): NewJob => ({
  id, cacheKey, name: id, system: 'local', stageDir: `/s/${id}`, runDir: `/r/${id}`, outputDir: '/o', envHash: 'e', details: {},
});
// A lease of a process of this host that has exited.
function deadLease(): string {
  const { pid } = spawnSync(process.execPath, ['-e', '0']);
  return `${hostname()}:${pid}:${Date.now()}:1-dead`;
}

test('claimItems: results are done, held items name their job, another live driver\'s claims are its, the rest are claimed', (t) => {
  const s = JobStore.open(mkdtempSync(join(tmpdir(), 'xpr-claims-')));
  s.putItemResults([{ itemKey: 'a', jobId: 'old', ok: true, payload: '' }]);
  s.claim(job('j1', 'c1'), undefined, ['b']);
  const other = newLease();
  t.deepEqual(s.claimItems(['c'], LIVE, other, isStaleClaim).mine, ['c']);
  const me = newLease();
  const plan = s.claimItems(['a', 'b', 'c', 'd'], LIVE, me, isStaleClaim);
  t.deepEqual(plan.done, ['a']);
  t.deepEqual([...plan.held], [['b', ['j1']]]);
  t.deepEqual(plan.others, ['c']);
  t.deepEqual(plan.mine, ['d']);
  t.deepEqual(s.claimItems(['d'], LIVE, newLease(), isStaleClaim).others, ['d'], 'a third driver waits for my claim');
  s.releaseItemClaims(me);
  t.deepEqual(s.claimItems(['d'], LIVE, newLease(), isStaleClaim).mine, ['d'], 'released: free again');
  s.close();
});

test('claims of a crashed driver do not block: its pid is gone (this host), or it stopped renewing (any host)', (t) => {
  const s = JobStore.open(mkdtempSync(join(tmpdir(), 'xpr-claims-')));
  s.claimItems(['x'], LIVE, deadLease(), isStaleClaim);
  t.deepEqual(s.claimItems(['x'], LIVE, newLease(), isStaleClaim).mine, ['x'], 'dead pid: taken over');
  const remote = `another-host:1234:${Date.now()}:1-abc`;
  s.claimItems(['y'], LIVE, remote, isStaleClaim);
  t.deepEqual(s.claimItems(['y'], LIVE, newLease(), isStaleClaim).others, ['y'], 'a recently renewed claim from another host is respected');
  const later = Date.now() + 11 * 60_000;
  t.deepEqual(s.claimItems(['y'], LIVE, newLease(), (o, at) => isStaleClaim(o, at, later)).mine, ['y'], 'not renewed for 10 min: taken over');
  s.close();
});

test('claimAndStart starts jobs for its free items at once, then adopts the job another driver made for the items it claimed', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  try {
    const other = newLease();
    ctx.store.claimItems(['k1'], LIVE, other, isStaleClaim);
    const starts: string[][] = [];
    const running = claimAndStart(ctx, ['k1', 'k2'], LIVE, async (keys) => {
      starts.push(keys);
      ctx.store.claim(job(`mine-${keys.join('')}`, `c-${keys.join('')}`), undefined, keys);
      return [`mine-${keys.join('')}`];
    });
    // The other driver records its job for k1, then releases its claim (what startChunks + release do).
    await new Promise((r) => setTimeout(r, 500));
    ctx.store.claim(job('theirs', 'c-theirs'), undefined, ['k1']);
    ctx.store.releaseItemClaims(other);
    const { adopted, started } = await running;
    t.deepEqual(starts, [['k2']], 'k1 was never started here');
    t.deepEqual(started, ['mine-k2']);
    t.deepEqual(adopted, ['theirs']);
  } finally {
    await ctx.close();
  }
});
