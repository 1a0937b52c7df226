// The dashboard's JSON API over a real store (rows made through the store API): job phases and outcomes, usage read
// defensively, filters, call item counts, one job's detail, the token, and server-sent events on store changes.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore, type JobState, type NewJob } from '../../../src/store/index.ts';
import { dashboardApp } from '../../../src/dashboard/server.ts';
import { StoreWatcher } from '../../../src/dashboard/watch.ts';
import type { DashCall, DashJob, DashJobDetail } from '../../../src/dashboard/index.ts';

const TOKEN = 'test-token-0123456789';
const job = (id: string, more: Partial<NewJob> = {}): NewJob => ({
  id, cacheKey: `k-${id}`, name: `relax_${id}`, system: 'local', stageDir: join(tmpdir(), 'no-such-stage', id), runDir: `/r/${id}`, outputDir: '/o', envHash: 'e', details: {}, ...more,
});
function storeWith(rows: Array<[NewJob, JobState[]]>): { root: string; store: JobStore } {
  const root = mkdtempSync(join(tmpdir(), 'xpr-dash-'));
  const store = JobStore.open(root);
  for (const [j, path] of rows) {
    store.claim(j);
    for (const s of path) store.transition(j.id, s, s === 'failed' ? { reason: 'the op threw' } : {});
  }
  return { root, store };
}
const get = async <T>(app: ReturnType<typeof dashboardApp>, path: string): Promise<T> => {
  const r = await app.request(`${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}`);
  if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
  return (await r.json()) as T;
};

test('/api/jobs gives each job its phase times and outcome, and usage only when a job has a well-formed one', async (t) => {
  const usage = { elapsed_s: 100, cpu_s: 180, cores: 2, cpu_efficiency: 0.9, max_rss_bytes: 200e6, source: 'slurm' };
  const { store } = storeWith([
    [job('a', { details: { usage } }), ['staged', 'submitted', 'queued', 'running', 'succeeded', 'processed']],
    [job('b', { details: { usage: { elapsed_s: 10, cpu_s: 5, cores: 1 } } }), ['staged', 'submitted', 'running', 'failed']],
    [job('c', { details: { usage: 'garbage' } }), ['staged', 'submitted']],
    [job('d', { system: 'archer2' }), []],
  ]);
  const app = dashboardApp(store, TOKEN, new StoreWatcher(store));
  const { jobs } = await get<{ jobs: DashJob[] }>(app, '/api/jobs');
  const by = Object.fromEntries(jobs.map((j) => [j.id, j]));
  t.deepEqual(jobs.map((j) => j.id), ['a', 'b', 'c', 'd']);
  t.is(by.a!.state, 'processed');
  t.is(by.a!.outcome, 'succeeded', 'a processed job keeps the outcome it ended with');
  t.true(by.a!.queuedAt! <= by.a!.runningAt! && by.a!.runningAt! <= by.a!.endedAt!);
  t.deepEqual(by.a!.usage, usage);
  t.is(by.b!.outcome, 'failed');
  t.is(by.b!.usage!.cpu_efficiency, 0.5, 'efficiency computed from cpu_s / (elapsed_s x cores) when not recorded');
  t.is(by.c!.usage, null, 'a malformed usage shows nothing');
  t.is(by.c!.outcome, null);
  t.is(by.c!.endedAt, null);
  t.is(by.d!.usage, null);
  t.is(by.d!.queuedAt, null);
  t.deepEqual((await get<{ jobs: DashJob[] }>(app, '/api/jobs?state=failed,submitted')).jobs.map((j) => j.id), ['b', 'c']);
  t.deepEqual((await get<{ jobs: DashJob[] }>(app, '/api/jobs?system=archer2')).jobs.map((j) => j.id), ['d']);
  t.deepEqual((await get<{ jobs: DashJob[] }>(app, '/api/jobs?name=relax_b')).jobs.map((j) => j.id), ['b']);
  store.close();
});

test('/api/calls counts items done by the call\'s jobs, failed, cached before it ran, and pending', async (t) => {
  const { store } = storeWith([[job('c1'), ['staged', 'submitted', 'running', 'succeeded']], [job('c2'), ['staged', 'submitted']]]);
  // 5 items: 0 cached (in no chunk), 1 and 2 in job c1 (1 ok, 2 failed), 3 and 4 in job c2 (3 ok already, 4 pending).
  store.putItemResults([
    { itemKey: 'i0', jobId: 'old', ok: true, payload: 'x' }, { itemKey: 'i1', jobId: 'c1', ok: true, payload: 'x' },
    { itemKey: 'i2', jobId: 'c1', ok: false, payload: 'x' }, { itemKey: 'i3', jobId: 'c2', ok: true, payload: 'x' },
  ]);
  store.putCall('call1', { version: 2, callKey: 'call1', itemKeys: ['i0', 'i1', 'i2', 'i3', 'i4'], chunks: [{ indexes: [1, 2], jobId: 'c1' }, { indexes: [3, 4], jobId: 'c2' }] });
  store.putCall('weird', { something: 'else' });
  const app = dashboardApp(store, TOKEN, new StoreWatcher(store));
  const { calls } = await get<{ calls: DashCall[] }>(app, '/api/calls');
  t.like(calls[0], { callKey: 'call1', items: 5, done: 2, failed: 1, cached: 1, pending: 1, jobIds: ['c1', 'c2'] });
  t.like(calls[1], { callKey: 'weird', items: 0, done: 0, failed: 0, cached: 0, pending: 0, jobIds: [] }, 'a record of another shape is listed, empty');
  store.close();
});

test('/api/jobs/:id gives the history and, for a failed job with no error file, the reason it was failed', async (t) => {
  const { store } = storeWith([[job('f'), ['staged', 'submitted', 'running', 'failed']]]);
  const app = dashboardApp(store, TOKEN, new StoreWatcher(store));
  const d = await get<DashJobDetail>(app, '/api/jobs/f');
  t.deepEqual(d.events.map((e) => e.toState), ['created', 'staged', 'submitted', 'running', 'failed']);
  t.is(d.error!.message, 'the op threw');
  t.deepEqual(d.logs, { stdout: '', stderr: '' });
  t.is((await app.request(`/api/jobs/nope?token=${TOKEN}`)).status, 404);
  t.is((await app.request('/api/jobs/f')).status, 403);
  t.is((await app.request('/api/jobs/f', { headers: { 'x-xpr-token': TOKEN } })).status, 200);
  store.close();
});

test('/api/events sends a change event when another connection writes to the store', async (t) => {
  const { root, store } = storeWith([[job('e'), ['staged']]]);
  const watcher = new StoreWatcher(store, 50);
  const app = dashboardApp(store, TOKEN, watcher);
  const controller = new AbortController();
  const res = await app.request(`/api/events?token=${TOKEN}`, { signal: controller.signal });
  t.is(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body!.getReader();
  let text = '';
  const readUntil = async (re: RegExp): Promise<void> => {
    while (!re.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  };
  await readUntil(/event: hello/);
  t.false(/event: change/.test(text), 'nothing changed yet');
  const writer = JobStore.open(root);
  writer.transition('e', 'submitted');
  await readUntil(/event: change/);
  t.pass();
  controller.abort();
  await reader.cancel();
  watcher.stop();
  writer.close();
  store.close();
});
