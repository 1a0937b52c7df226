// Exact restart (issue 14): items are the unit of restart. A driver killed mid-run and rerun with another chunk size
// and items prepended/appended runs every item's op exactly once (counted in a ledger the op appends to), on the
// built-in local queue and on Slurm over ssh; the local pool resumes from the items it stored; a call whose cached
// items ran under other env_vars says so; `recompute`, `xpr rm --items/--call` and `xpr gc --items` compute again.
import test from 'ava';
import { spawn, execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { autoparallelize, type RemoteInfoInput } from '../../src/index.ts';
import { LIVE_STATES } from '../../src/store/index.ts';
import { ledgered } from '../fixtures/restart/ops.ts';
import { makeProject, type TestProject } from '../helpers/project.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';

const driver = fileURLToPath(new URL('../fixtures/restart/driver.ts', import.meta.url));
const xprCli = fileURLToPath(new URL('../../cli/xpr.mjs', import.meta.url));
const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const silent = { progress: 'silent' } as const;

function runDriver(p: TestProject, args: Array<string | number>): { child: ReturnType<typeof spawn>; done: Promise<string> } {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), driver, ...args.map(String)], { cwd: p.dir, env: p.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, done: new Promise((res) => child.on('close', () => res(out))) };
}

// A ledger path the cluster's user (running the jobs) can append to and this process can read.
function sharedLedger(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-ledger-'));
  chmodSync(dir, 0o777);
  return join(dir, 'ledger.txt');
}

// Op runs per item, from the ledger.
function ledgerCounts(file: string): Map<number, number> {
  const m = new Map<number, number>();
  if (!existsSync(file)) return m;
  for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) m.set(Number(l), (m.get(Number(l)) ?? 0) + 1);
  return m;
}

function storeCount(p: TestProject, sql: string): number {
  const path = join(p.root, 'xpr-jobs.sqlite');
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, timeout: 5000 });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

function results(out: string): Map<number, string> {
  return new Map([...out.matchAll(/^RESULT (-?\d+) (.*)$/gm)].map((m) => [Number(m[1]), m[2]!]));
}

// Run over items 0..5 with 2 per job, kill the driver once an item has finished, rerun over -1..6 with 3 per job.
async function rechunkAfterKill(t: import('ava').ExecutionContext, p: TestProject, system: string, ms: number): Promise<void> {
  const ledger = sharedLedger();
  const first = runDriver(p, [system, 0, 6, 2, ledger, ms]);
  for (let i = 0; i < 1200 && (ledgerCounts(ledger).size === 0 || storeCount(p, 'SELECT COUNT(*) AS n FROM jobs') < 3); i++) await sleep(100);
  t.true(ledgerCounts(ledger).size > 0, 'an item finished before the kill');
  first.child.kill('SIGKILL');
  await first.done;
  const out = await runDriver(p, [system, -1, 7, 3, ledger, ms]).done;
  t.regex(out, /^DONE$/m, out);
  const r = results(out);
  for (let x = -1; x < 7; x++) t.is(r.get(x), String(x + 1000), `result of item ${x}`);
  const counts = ledgerCounts(ledger);
  t.deepEqual([...counts.entries()].sort((a, b) => a[0] - b[0]), Array.from({ length: 8 }, (_, k) => [k - 1, 1]), 'every item computed exactly once');
  t.is(storeCount(p, `SELECT COUNT(*) AS n FROM jobs WHERE state IN (${LIVE_STATES.map((s) => `'${s}'`).join(',')}, 'created')`), 0, 'no job left live');
  t.is(storeCount(p, 'SELECT COUNT(*) AS n FROM jobs'), 3 + 1, 'the three first jobs, and one for the prepended and appended items');
}

test('local queue: a killed run rerun with another chunk size and items prepended/appended computes each item once', async (t) => {
  await rechunkAfterKill(t, makeProject({ systems: queue }), 'q', 1200);
});

test('slurm_ssh: a killed run rerun with another chunk size and items prepended/appended computes each item once', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  await rechunkAfterKill(t, clusterProject(c), 'slurm_ssh', 1500);
});

test('local pool: a SIGKILLed run resumes from the items it stored; they are not computed again', async (t) => {
  const p = makeProject();
  const ledger = join(p.dir, 'ledger.txt');
  const first = runDriver(p, ['pool', 0, 5, 1, ledger, 600]);
  for (let i = 0; i < 600 && storeCount(p, 'SELECT COUNT(*) AS n FROM item_results') < 2; i++) await sleep(50);
  first.child.kill('SIGKILL');
  await first.done;
  const stored = storeCount(p, 'SELECT COUNT(*) AS n FROM item_results');
  t.true(stored >= 2 && stored < 5, `${stored} items stored before the kill`);
  const out = await runDriver(p, ['pool', 0, 5, 1, ledger, 600]).done;
  const r = results(out);
  for (let x = 0; x < 5; x++) t.is(r.get(x), String(x + 1000));
  const counts = ledgerCounts(ledger);
  // One worker runs the items in order: the first `stored` finished before the kill and are not run again.
  for (let x = 0; x < stored; x++) t.is(counts.get(x), 1, `item ${x} ran once`);
  for (let x = stored; x < 5; x++) t.true((counts.get(x) ?? 0) >= 1);
  t.is(storeCount(p, 'SELECT COUNT(*) AS n FROM item_results'), 5);
});

const info = (more: Partial<RemoteInfoInput> = {}): RemoteInfoInput => ({
  sys_name: 'q', job_name: 'rc', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 2, check_interval: 0.5, ...more,
});

test('local queue: cached items computed under other env_vars are used as they are, and the call says so once', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const ledger = join(p.dir, 'ledger.txt');
  try {
    await autoparallelize(ledgered, [1, 2, 3], { context: ctx, args: [ledger, 10], remoteInfo: info({ env_vars: ['A=1'] }), ...silent });
    const jobs = ctx.store.list().length;
    const before = p.logLines.length;
    const r = await autoparallelize(ledgered, [1, 2, 3], { context: ctx, args: [ledger, 10], remoteInfo: info({ env_vars: ['A=2'] }), ...silent });
    t.deepEqual([...r], [1001, 1002, 1003]);
    const warned = p.logLines.slice(before).filter((l) => /ran with other env_vars/.test(l));
    t.is(warned.length, 1, p.logLines.slice(before).join(''));
    t.is(ctx.store.list().length, jobs, 'nothing submitted');
    t.is(ledgerCounts(ledger).get(2), 1, 'nothing recomputed');
    const quiet = p.logLines.length;
    await autoparallelize(ledgered, [1, 2, 3], { context: ctx, args: [ledger, 10], remoteInfo: info({ env_vars: ['A=1'] }), ...silent });
    t.false(p.logLines.slice(quiet).some((l) => /ran with other/.test(l)), 'same settings: no warning');
  } finally {
    await ctx.close();
  }
});

test('recompute: true computes every item again; a predicate only the items it picks (queue and local pool)', async (t) => {
  const p = makeProject({ systems: queue });
  const ctx = p.context();
  const ledger = join(p.dir, 'ledger.txt');
  const pool = join(p.dir, 'pool-ledger.txt');
  try {
    const opts = { context: ctx, args: [ledger, 10] as [string, number], remoteInfo: info(), ...silent };
    await autoparallelize(ledgered, [1, 2, 3, 4], opts);
    await autoparallelize(ledgered, [1, 2, 3, 4], opts);
    t.deepEqual([...ledgerCounts(ledger).values()], [1, 1, 1, 1], 'cached');
    t.deepEqual([...(await autoparallelize(ledgered, [1, 2, 3, 4], { ...opts, recompute: true }))], [1001, 1002, 1003, 1004]);
    t.deepEqual([...ledgerCounts(ledger).values()], [2, 2, 2, 2]);
    await autoparallelize(ledgered, [1, 2, 3, 4], { ...opts, recompute: (x: number) => x % 2 === 0 });
    t.deepEqual(Object.fromEntries(ledgerCounts(ledger)), { 1: 2, 2: 3, 3: 2, 4: 3 });
    const local = { context: ctx, args: [pool, 10] as [string, number], remoteInfo: 'local' as const, ...silent };
    await autoparallelize(ledgered, [5, 6], local);
    await autoparallelize(ledgered, [5, 6], local);
    await autoparallelize(ledgered, [5, 6], { ...local, recompute: (_x: number, i: number) => i === 1 });
    t.deepEqual(Object.fromEntries(ledgerCounts(pool)), { 5: 1, 6: 2 });
  } finally {
    await ctx.close();
  }
});

function xpr(p: TestProject, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [xprCli, ...args], { cwd: p.dir, env: p.env }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }));
  });
}

test('xpr rm --call KEY --items and xpr gc --items drop item results (not with --dry-run); the next call computes them again', async (t) => {
  const p = makeProject({ systems: queue });
  const ledger = join(p.dir, 'ledger.txt');
  const ctx = p.context();
  const opts = { context: ctx, args: [ledger, 10] as [string, number], remoteInfo: info(), ...silent };
  let callKey: string;
  try {
    const h = await autoparallelize(ledgered, [1, 2, 3], { ...opts, wait: false });
    callKey = h.callKey;
    await h.collect();
  } finally {
    await ctx.close();
  }
  const dry = await xpr(p, ['rm', '--call', callKey, '--items', '--dry-run']);
  t.is(dry.code, 0, dry.out);
  t.regex(dry.out, /would remove 2 job\(s\).* and 3 item result\(s\) of the call/);
  t.is(storeCount(p, 'SELECT COUNT(*) AS n FROM item_results'), 3, 'dry run drops nothing');
  const rm = await xpr(p, ['rm', '--call', callKey, '--items', '--yes']);
  t.is(rm.code, 0, rm.out);
  t.regex(rm.out, /dropped 3 item result/);
  t.is(storeCount(p, 'SELECT COUNT(*) AS n FROM item_results'), 0);
  t.is(storeCount(p, 'SELECT COUNT(*) AS n FROM jobs'), 0);
  const ctx2 = p.context();
  try {
    await autoparallelize(ledgered, [1, 2, 3], { ...opts, context: ctx2 });
  } finally {
    await ctx2.close();
  }
  t.deepEqual([...ledgerCounts(ledger).values()], [2, 2, 2], 'computed again');
  await sleep(1100);
  const gcDry = await xpr(p, ['gc', '--older-than', '1s', '--items', '--dry-run']);
  t.regex(gcDry.out, /and 3 item result\(s\)/, gcDry.out);
  t.is(storeCount(p, 'SELECT COUNT(*) AS n FROM item_results'), 3);
  const gc = await xpr(p, ['gc', '--older-than', '1s', '--items', '--yes']);
  t.regex(gc.out, /and 3 item result\(s\)/, gc.out);
  t.is(storeCount(p, 'SELECT COUNT(*) AS n FROM item_results'), 0);
});

test('a chunk job run again (queue requeue/rerun) skips the items already recorded in its job dir, after a torn last line', async (t) => {
  const p = makeProject({ systems: queue });
  const ledger = join(p.dir, 'ledger.txt');
  const ctx = p.context();
  try {
    await autoparallelize(ledgered, [1, 2, 3], { context: ctx, args: [ledger, 10], remoteInfo: info({ num_inputs_per_queued_job: 3 }), ...silent });
    const [row] = ctx.store.list();
    const items = join(row!.runDir, '_xpr_items.jsonl');
    const lines = readFileSync(items, 'utf8').split('\n').filter(Boolean);
    t.is(lines.length, 3);
    // What a job killed while writing its second record leaves: one whole record and a torn one.
    writeFileSync(items, `${lines[0]}\n${lines[1]!.slice(0, 10)}`);
    const script = readFileSync(join(row!.runDir, row!.details.scriptName as string), 'utf8');
    const runner = /\S*_code\/[^\s'"]+\.mjs/.exec(script.replace(/'/g, ''))![0];
    const ran = spawnSync(process.execPath, [runner, row!.runDir], { cwd: row!.runDir, encoding: 'utf8' });
    t.is(ran.status, 0, ran.stderr);
    t.deepEqual(Object.fromEntries(ledgerCounts(ledger)), { 1: 1, 2: 2, 3: 2 }, 'item 1 was not run again');
    const again = readFileSync(items, 'utf8').split('\n').filter(Boolean);
    t.is(again.length, 3, 'one record per item, the torn line cut off');
    t.deepEqual(again.map((l) => (JSON.parse(l) as { v: { i: number } }).v?.i ?? JSON.parse(l).i).sort(), [0, 1, 2]);
  } finally {
    await ctx.close();
  }
});
