// autoparallelize end to end: local pool, and chunked jobs on a queue (the built-in local queue here, Slurm over ssh
// in autopara-slurm.test.ts) with per-item cache, reruns, outputs, failures, resubmission, wait:false.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoparallelize, collectCall, ItemsFailedError, JobWaitTimeoutError, JobDiedError, type RemoteInfoInput } from '../../src/index.ts';
import { gatherRemote, type CallRecord } from '../../src/autopara/remote-map.ts';
import { manifestPath, readOutputs } from '../../src/autopara/outputs.ts';
import { double, shorter, sideEffect, FixtureError } from '../fixtures/autopara/ops.ts';
import { diesOnce, slowSquare } from '../fixtures/autopara/remote-ops.ts';
import { relaxAll, inspectAll } from '../fixtures/autopara/workflow.ts';
import { makeProject } from '../helpers/project.ts';
import { flaky, readData, FlakyError } from './fixtures/flaky-ops.ts';

const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };
const info = (more: Partial<RemoteInfoInput> = {}): RemoteInfoInput => ({
  sys_name: 'q', job_name: 'dbl', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 3, check_interval: 0.5, ...more,
});
const silent = { progress: 'silent' } as const;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('local pool: results align with inputs by index, also when an op returns fewer results or nothing', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  t.deepEqual([...(await autoparallelize(double, range(7), { context: ctx, numWorkers: 2, batchSize: 2, ...silent }))], [0, 2, 4, 6, 8, 10, 12]);
  const short = await autoparallelize(shorter, range(5), { context: ctx, batchSize: 2, ...silent });
  t.deepEqual([...short], [100, undefined, 102, undefined, undefined]);
  const file = join(p.dir, 'side.txt');
  const none = await autoparallelize(sideEffect, [1, 2, 3], { context: ctx, args: [file], ...silent });
  t.deepEqual([...none], [undefined, undefined, undefined]);
  t.deepEqual(readFileSync(file, 'utf8').trim().split('\n').sort(), ['1', '2', '3']);
  t.true(p.logLines.some((l) => /-> local/.test(l)), 'the routing decision is printed');
  await ctx.close();
});

test('remote: chunks become jobs, a rerun submits nothing, extended and rechunked reruns submit only missing items', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const first = await autoparallelize(double, range(10), { context: ctx, remoteInfo: info(), ...silent });
  t.deepEqual([...first], range(10).map((x) => 2 * x));
  t.is(ctx.store.list().length, 4, '10 items, 3 per job');
  t.true(ctx.store.list().every((r) => r.name.startsWith('dbl_chunk_')));
  await autoparallelize(double, range(10), { context: ctx, remoteInfo: info(), ...silent });
  t.is(ctx.store.list().length, 4, 'a rerun submits nothing');
  await autoparallelize(double, range(10), { context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 5 }), ...silent });
  t.is(ctx.store.list().length, 4, 'another chunk size finds every item cached');
  const extended = await autoparallelize(double, range(12), { context: ctx, remoteInfo: info(), ...silent });
  t.deepEqual([...extended], range(12).map((x) => 2 * x));
  t.is(ctx.store.list().length, 5, 'two new items, one new job');
  await ctx.close();
});

test('remote: negative num_inputs_per_queued_job is -n x batch size; 0 is an error', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  await autoparallelize(double, range(10), { context: ctx, batchSize: 2, remoteInfo: info({ num_inputs_per_queued_job: -2 }), ...silent });
  t.is(ctx.store.list().length, 3, '4 items per job');
  await t.throwsAsync(autoparallelize(double, range(3), { context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 0 }), ...silent }), { message: /num_inputs_per_queued_job/ });
  await ctx.close();
});

test('remote: empty results at chunk ends stay with their items, and side-effect ops work', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const r = await autoparallelize(shorter, range(6), { context: ctx, batchSize: 2, remoteInfo: info({ num_inputs_per_queued_job: 4 }), ...silent });
  t.deepEqual([...r], [100, undefined, 102, undefined, 104, undefined]);
  // chunks of 3 with batches of 2: each chunk ends in a one-item batch that returns nothing (a fresh project: item
  // results are cached per item whatever the chunking, so the project above would answer from its cache)
  const ctxOdd = makeProject({ systems: queue }).context();
  const odd = await autoparallelize(shorter, range(6), { context: ctxOdd, batchSize: 2, remoteInfo: info({ num_inputs_per_queued_job: 3 }), ...silent });
  t.deepEqual([...odd], [100, undefined, undefined, 103, undefined, undefined]);
  await ctxOdd.close();
  const file = join(p.dir, 'remote-side.txt');
  const none = await autoparallelize(sideEffect, [7, 8, 9], { context: ctx, args: [file], remoteInfo: info({ num_inputs_per_queued_job: 1 }), ...silent });
  t.deepEqual([...none], [undefined, undefined, undefined]);
  t.deepEqual(readFileSync(file, 'utf8').trim().split('\n').sort(), ['7', '8', '9']);
  await ctx.close();
});

test('remote: every failed item across all jobs is reported together; ignore_failed_jobs returns the rest', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const inputs = [1, -1, 2, 3, -1, 4];
  const err = await t.throwsAsync(autoparallelize(double, inputs, { context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 2 }), ...silent }), { instanceOf: ItemsFailedError });
  t.deepEqual(err.failures.map((f) => f.index), [1, 4]);
  t.is(err.failures[0]!.jobId, err.failures[1]!.jobId, 'the same item given twice is computed once, in one job, and fails at both indexes');
  t.is(err.failures[0]!.error.name, 'FixtureError');
  t.regex(err.failures[0]!.error.stack ?? '', /fixtures\/autopara\/ops\.ts/);
  t.deepEqual(err.results, [2, undefined, 4, 6, undefined, 8]);
  const rest = await autoparallelize(double, inputs, { context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 2, ignore_failed_jobs: true }), ...silent });
  t.deepEqual([...rest], [2, undefined, 4, 6, undefined, 8]);
  t.is(rest.failures.length, 2);
  void FixtureError;
  await ctx.close();
});

test('remote: a died job is reported as died, and resubmit_killed_jobs resubmits it in the same run', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const markers = ['m1', 'm2'].map((m) => join(p.dir, m));
  const err = await t.throwsAsync(autoparallelize(diesOnce, markers, { context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 1 }), ...silent }), { instanceOf: ItemsFailedError });
  t.true(err.failures.every((f) => f.error instanceof JobDiedError));
  const p2 = makeProject({ systems: queue });
  const ctx2 = p2.context();
  const markers2 = ['m1', 'm2'].map((m) => join(p2.dir, m));
  const ok = await autoparallelize(diesOnce, markers2, { context: ctx2, remoteInfo: info({ num_inputs_per_queued_job: 1, resubmit_killed_jobs: true }), ...silent });
  t.deepEqual([...ok], ['ok:x', 'ok:x']);
  t.true(p2.logLines.some((l) => /resubmitting 2 item/.test(l)));
  await ctx.close();
  await ctx2.close();
});

test('remote: a local wait timeout leaves the jobs alone; a rerun attaches and finishes them', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  await t.throwsAsync(autoparallelize(slowSquare, [2, 3], { context: ctx, args: [2500], remoteInfo: info({ timeout: 1 }), ...silent }), { instanceOf: JobWaitTimeoutError });
  const states = ctx.store.list().map((r) => r.state);
  t.true(states.every((s) => ['submitted', 'queued', 'running', 'staged'].includes(s)), `states after the timeout: ${states}`);
  const r = await autoparallelize(slowSquare, [2, 3], { context: ctx, args: [2500], remoteInfo: info(), ...silent });
  t.deepEqual([...r], [4, 9]);
  t.is(ctx.store.list().length, 1, 'the same job, not a new one');
  await ctx.close();
});

test('outputs: a complete matching file skips the call without touching the store; a garbage file is redone', async (t) => {
  const p = makeProject({ systems: queue });
  const out = join(p.dir, 'results.jsonl');
  const ctx = p.context();
  const r1 = await autoparallelize(double, range(5), { context: ctx, remoteInfo: info(), outputs: out, ...silent });
  t.true(existsSync(out));
  await ctx.close();
  const ctx2 = p.context();
  const before = ctx2.store.list().map((r) => `${r.id}:${r.state}:${r.updatedAt}`);
  const r2 = await autoparallelize(double, range(5), { context: ctx2, remoteInfo: info(), outputs: out, ...silent });
  t.deepEqual([...r2], [...r1]);
  t.deepEqual(ctx2.store.list().map((r) => `${r.id}:${r.state}:${r.updatedAt}`), before);
  t.true(p.logLines.some((l) => /already holds this call/.test(l)));
  writeFileSync(out, 'garbage\n');
  const r3 = await autoparallelize(double, range(5), { context: ctx2, remoteInfo: info(), outputs: out, ...silent });
  t.deepEqual([...r3], [...r1]);
  t.true(readFileSync(out, 'utf8').split('\n').length >= 5, 'rewritten');
  await ctx2.close();
});

test('wait:false returns a handle; another process collects the results by call key', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const handle = await autoparallelize(double, range(6), { context: ctx, remoteInfo: info(), wait: false, ...silent });
  t.is(handle.jobIds.length, 2);
  await ctx.close();
  const script = fileURLToPath(new URL('../fixtures/autopara/collect-script.ts', import.meta.url));
  const out = await new Promise<string>((res, rej) => {
    const c = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, handle.callKey], { cwd: p.dir, env: p.env });
    let buf = '';
    c.stdout.on('data', (d) => (buf += d));
    c.stderr.on('data', (d) => (buf += d));
    c.on('close', (code) => (code === 0 ? res(buf) : rej(new Error(`exit ${code}: ${buf}`))));
  });
  t.regex(out, /RESULTS \[0,2,4,6,8,10\]/);
});

test('WFL_EXPYRE_INFO: the seed example shape (a file with a "<file>::<function>" key) routes the call and reaches the job', async (t) => {
  const p = makeProject({ systems: queue });
  mkdirSync(join(p.dir, 'POTCARs'));
  writeFileSync(join(p.dir, 'POTCARs', 'POTCAR_Si'), 'pseudo');
  const infoFile = join(p.dir, 'remoteinfo.json');
  writeFileSync(infoFile, JSON.stringify({
    'workflow.ts::inspectAll': {
      sys_name: 'q', job_name: 'vasp_minim', resources: { num_nodes: 1, max_time: '24h' }, num_inputs_per_queued_job: 1,
      input_files: ['POTCARs'],
      env_vars: ['WFL_NUM_PYTHON_SUBPROCESSES=${EXPYRE_NUM_CORES_PER_NODE}', `WFL_VASP_KWARGS='{ "ncore": '\${EXPYRE_NUM_CORES_PER_NODE}'}'`],
    },
  }, null, 1));
  const ctx = p.context({ WFL_EXPYRE_INFO: infoFile });
  const r = (await inspectAll(['Si', 'Ge'], ctx)) as Array<Record<string, unknown>>;
  t.is(r.length, 2);
  t.is(r[0]!.name, 'Si');
  t.is(r[0]!.workers, '2');
  t.is(r[0]!.kwargs, '{ "ncore": 2}');
  t.deepEqual(r[0]!.potcars, ['POTCAR_Si']);
  t.is(ctx.store.list().length, 2, 'one job per item');
  t.true(ctx.store.list().every((row) => row.name.startsWith('vasp_minim_chunk_')));
  t.true(p.logLines.some((l) => /workflow\.ts::inspectAll/.test(l)), 'the routing decision names the key');
  // a call from another function is not matched by that key
  const local = await relaxAll([1, 2], ctx);
  t.deepEqual([...local], [2, 4]);
  t.is(ctx.store.list().length, 2, 'relaxAll ran locally');
  await ctx.close();
});

test('an explicit remoteInfo "local" wins over WFL_EXPYRE_INFO; inside a job calls run locally', async (t) => {
  const p = makeProject({ systems: queue });
  const env = JSON.stringify({ sys_name: 'q', job_name: 'x', resources: { num_cores: 1, max_time: 60 } });
  const ctx = p.context({ WFL_EXPYRE_INFO: env });
  await autoparallelize(double, [1], { context: ctx, remoteInfo: 'local', ...silent });
  t.is(ctx.store.list().length, 0);
  const inJob = p.context({ WFL_EXPYRE_INFO: env, XPR_JOB_ID: 'outer_job' });
  await autoparallelize(double, [1], { context: inJob, ...silent });
  t.is(inJob.store.list().length, 0);
  await ctx.close();
  await inJob.close();
});

const ranLog = (dir: string): number[] => (existsSync(join(dir, 'ran.log')) ? readFileSync(join(dir, 'ran.log'), 'utf8').split('\n').filter(Boolean).map(Number) : []);
const resetLog = (dir: string): void => writeFileSync(join(dir, 'ran.log'), '');

test('outputs: failed items are never "done": reruns redo only them, with or without ignoreFailed, until they succeed (local)', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const out = join(p.dir, 'flaky.jsonl');
  const inputs = [1, -1, 2, -2, 3];
  const opts = { context: ctx, args: [p.dir] as [string], outputs: out, ...silent };
  const first = await t.throwsAsync(autoparallelize(flaky, inputs, opts), { instanceOf: ItemsFailedError });
  t.deepEqual(first.failures.map((f) => f.index), [1, 3]);
  t.true(existsSync(out), 'the outputs are written, failures recorded as failures');
  resetLog(p.dir);
  const again = await t.throwsAsync(autoparallelize(flaky, inputs, opts), { instanceOf: ItemsFailedError }, 'a rerun does not skip the call');
  t.deepEqual(again.failures.map((f) => f.index), [1, 3]);
  t.is(again.failures[0]!.error.name, 'FlakyError');
  t.deepEqual(ranLog(p.dir).sort((a, b) => a - b), [-2, -1], 'only the failed items ran again');
  resetLog(p.dir);
  const ignored = await autoparallelize(flaky, inputs, { ...opts, ignoreFailed: true });
  t.deepEqual([...ignored], [10, undefined, 20, undefined, 30]);
  t.deepEqual(ignored.failures.map((f) => f.index), [1, 3]);
  t.deepEqual(ranLog(p.dir).sort((a, b) => a - b), [-2, -1]);
  writeFileSync(join(p.dir, 'fixed'), '');
  resetLog(p.dir);
  const fixed = await autoparallelize(flaky, inputs, opts);
  t.deepEqual([...fixed], [10, -10, 20, -20, 30]);
  t.deepEqual(ranLog(p.dir).sort((a, b) => a - b), [-2, -1]);
  resetLog(p.dir);
  const skipped = await autoparallelize(flaky, inputs, opts);
  t.deepEqual([...skipped], [10, -10, 20, -20, 30]);
  t.deepEqual(ranLog(p.dir), [], 'complete outputs without failures skip the call');
  void FlakyError;
  await ctx.close();
});

test('outputs: a remote call with failed items is not skipped on rerun; only the failed items are resubmitted', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const out = join(p.dir, 'remote-flaky.jsonl');
  const opts = { context: ctx, args: [p.dir] as [string], outputs: out, remoteInfo: info({ num_inputs_per_queued_job: 1 }), ...silent };
  const err = await t.throwsAsync(autoparallelize(flaky, [1, -1, 2], opts), { instanceOf: ItemsFailedError });
  t.deepEqual(err.failures.map((f) => f.index), [1]);
  t.is(ctx.store.list().length, 3);
  writeFileSync(join(p.dir, 'fixed'), '');
  const r = await autoparallelize(flaky, [1, -1, 2], opts);
  t.deepEqual([...r], [10, -10, 20]);
  t.is(ctx.store.list().length, 4, 'one new job, for the failed item');
  const { callKey } = JSON.parse(readFileSync(manifestPath(out), 'utf8')) as { callKey: string };
  t.deepEqual(readOutputs(out, callKey, 3), { results: [10, -10, 20], failures: [] }, 'the outputs are rewritten complete');
  await ctx.close();
});

test('remote: editing an input file invalidates the cached item results (and the outputs)', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const data = join(p.dir, 'data.txt');
  const out = join(p.dir, 'data.jsonl');
  const opts = { context: ctx, outputs: out, remoteInfo: info({ input_files: ['data.txt'] }), ...silent };
  writeFileSync(data, 'v1');
  t.deepEqual([...(await autoparallelize(readData, ['a', 'b'], opts))], ['v1:a', 'v1:b']);
  t.deepEqual([...(await autoparallelize(readData, ['a', 'b'], opts))], ['v1:a', 'v1:b']);
  t.is(ctx.store.list().length, 1);
  writeFileSync(data, 'v2');
  t.deepEqual([...(await autoparallelize(readData, ['a', 'b'], opts))], ['v2:a', 'v2:b']);
  t.is(ctx.store.list().length, 2, 'a new job for the new file contents');
  await ctx.close();
});

test('remote: resubmission falls back to the died max_time when 1.5x fits no partition, is saved in the call record, and is collected by key', async (t) => {
  const capped = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: '10m', max_mem: null } } } };
  const p = makeProject({ systems: capped });
  const ctx = p.context();
  const markers = ['m1', 'm2'].map((m) => join(p.dir, m));
  const handle = await autoparallelize(diesOnce, markers, { context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 1, resubmit_killed_jobs: true }), wait: false, ...silent });
  t.deepEqual([...(await handle.collect({ progress: 'silent' }))], ['ok:x', 'ok:x']);
  t.true(p.logLines.some((l) => /resubmitting 2 item\(s\) of 2 died job\(s\) with max_time 0:10:00/.test(l)), p.logLines.join(''));
  const record = ctx.store.getCall(handle.callKey) as unknown as CallRecord;
  t.is(record.chunks.length, 4, 'the resubmitted chunks are saved with the call');
  t.true(record.chunks.slice(2).every((c) => /_retry1/.test(c.jobId)));
  // Another collector (same store) sees the retries' results, not the died jobs' failures.
  const collected = await collectCall(handle.callKey, { context: p.context(), progress: 'silent' });
  t.deepEqual([...collected], ['ok:x', 'ok:x']);
  t.deepEqual(collected.failures, []);
  // Items already stored when collecting are counted once.
  const seen: number[] = [];
  await gatherRemote(ctx, record, { onCounts: (c) => seen.push(c.items.done) });
  t.is(Math.max(...seen), 2);
  // A died job's failures are dropped for items whose results are stored (here by the retries, not waited for).
  const diedOnly = await gatherRemote(ctx, { ...record, callKey: 'not-stored', chunks: record.chunks.slice(0, 2) });
  t.deepEqual(diedOnly.failures, []);
  t.deepEqual(diedOnly.results, ['ok:x', 'ok:x']);
  await ctx.close();
});

test('wait:false keeps the outputs sink and ignoreFailed: collectCall writes the outputs and returns the failures', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const handle = await autoparallelize(double, [1, -1, 2], {
    context: ctx, remoteInfo: info({ num_inputs_per_queued_job: 1 }), wait: false, ignoreFailed: true, outputs: 'later.jsonl', ...silent,
  });
  await ctx.close();
  const r = await collectCall<number>(handle.callKey, { context: p.context(), progress: 'silent' });
  t.deepEqual([...r], [2, undefined, 4]);
  t.deepEqual(r.failures.map((f) => f.index), [1]);
  const written = readOutputs(join(p.dir, 'later.jsonl'), handle.callKey, 3);
  t.deepEqual(written?.results, [2, undefined, 4]);
  t.deepEqual(written?.failures.map((f) => [f.index, f.error.name]), [[1, 'FixtureError']]);
  await t.throwsAsync(collectCall(handle.callKey, { context: p.context(), progress: 'silent', ignoreFailed: false }), { instanceOf: ItemsFailedError });
});
