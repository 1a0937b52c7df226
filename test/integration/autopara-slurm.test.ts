// autoparallelize through the real sshd into real Slurm: chunked jobs, item cache across reruns, empty results at
// chunk ends, failures from several jobs, and WFL_EXPYRE_INFO routing by "<file>::<function>".
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { autoparallelize, ItemsFailedError, type RemoteInfoInput } from '../../src/index.ts';
import { double, shorter } from '../fixtures/autopara/ops.ts';
import { relaxAll } from '../fixtures/autopara/workflow.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';

const info = (more: Partial<RemoteInfoInput> = {}): RemoteInfoInput => ({
  sys_name: 'slurm_ssh', job_name: 'ap', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 4, check_interval: 1, ...more,
});
const silent = { progress: 'silent' } as const;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('slurm_ssh: chunked jobs give aligned results; rechunked and extended reruns submit only the missing items', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    t.deepEqual([...(await autoparallelize(double, range(9), { context: ctx, remoteInfo: info(), ...silent }))], range(9).map((x) => 2 * x));
    t.is(ctx.store.list().length, 3);
    await autoparallelize(double, range(9), { context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 2 }), ...silent });
    t.is(ctx.store.list().length, 3, 'rechunked rerun: nothing new');
    t.deepEqual([...(await autoparallelize(double, range(11), { context: ctx, remoteInfo: info(), ...silent }))], range(11).map((x) => 2 * x));
    t.is(ctx.store.list().length, 4, 'extended rerun: one job for the two new items');
    const short = await autoparallelize(shorter, range(8), { context: ctx, batchSize: 2, remoteInfo: info(), ...silent });
    t.deepEqual([...short], [100, undefined, 102, undefined, 104, undefined, 106, undefined]);
    t.is(ctx.transportStats().slurm_ssh!.connectionsOpened, 1);
  } finally {
    await ctx.close();
  }
});

test('slurm_ssh: failures from several jobs are all reported, with the remote stack', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const err = await t.throwsAsync(autoparallelize(double, [-1, 1, 2, 3, 4, -1], { context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 3 }), ...silent }), { instanceOf: ItemsFailedError });
    t.deepEqual(err.failures.map((f) => f.index), [0, 5]);
    t.regex(err.failures[1]!.error.stack ?? '', /fixtures\/autopara\/ops\.ts/);
    t.deepEqual(err.results.slice(1, 5), [2, 4, 6, 8]);
  } finally {
    await ctx.close();
  }
});

test('slurm_ssh: WFL_EXPYRE_INFO from a file routes workflow.ts::relaxAll to Slurm', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const file = join(p.dir, 'remoteinfo.json');
  writeFileSync(file, JSON.stringify({ 'workflow.ts::relaxAll': { ...info(), resources: { num_nodes: 1, max_time: '24h' }, job_name: 'relax' } }));
  const ctx = p.context({ WFL_EXPYRE_INFO: file });
  try {
    t.deepEqual([...(await relaxAll([5, 6, 7], ctx))], [10, 12, 14]);
    const rows = ctx.store.list();
    t.is(rows.length, 1);
    t.is(rows[0]!.system, 'slurm_ssh');
    t.true(rows[0]!.name.startsWith('relax_chunk_0'));
  } finally {
    await ctx.close();
  }
});
