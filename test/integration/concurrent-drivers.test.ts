// Concurrent drivers: two processes started at the same moment on the same call, or on overlapping item lists with
// another chunk size, sharing one project store. Every item's op runs exactly once (ledger), every item is in exactly
// one job, each job is submitted once (store; sacct on Slurm), and both drivers return every result. Several trials
// per case make the race likely; on the built-in local queue and on Slurm over ssh.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { makeProject, type TestProject } from '../helpers/project.ts';
import { clusterEnv, clusterProject, type ClusterEnv } from '../helpers/cluster.ts';
import { onCluster } from '../fixtures/faults/harness.ts';
import { autoparallelize, type RemoteInfoInput } from '../../src/index.ts';
import { diesOnceLedgered } from '../fixtures/restart/ops.ts';

const driver = fileURLToPath(new URL('../fixtures/restart/driver.ts', import.meta.url));
const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };
const TRIALS = 5;

function runDriver(p: TestProject, args: Array<string | number>): Promise<string> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), driver, ...args.map(String)], { cwd: p.dir, env: p.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((res) => child.on('close', () => res(out)));
}

// A ledger path the cluster's user (running the jobs) can append to and this process can read.
function sharedLedger(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-ledger-'));
  chmodSync(dir, 0o777);
  return join(dir, 'ledger.txt');
}

function ledgerCounts(file: string): Map<number, number> {
  const m = new Map<number, number>();
  if (!existsSync(file)) return m;
  for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) m.set(Number(l), (m.get(Number(l)) ?? 0) + 1);
  return m;
}

function storeRows<T>(p: TestProject, sql: string): T[] {
  const db = new Database(join(p.root, 'xpr-jobs.sqlite'), { readonly: true, timeout: 5000 });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function results(out: string): Map<number, string> {
  return new Map([...out.matchAll(/^RESULT (-?\d+) (.*)$/gm)].map((m) => [Number(m[1]), m[2]!]));
}

// Slurm job ids of the jobs named `<tag>_...` (sacct, and squeue for any it has not caught up with).
function slurmJobIds(c: ClusterEnv, tag: string): Set<string> {
  const text = onCluster(c, "sacct -X -n -P -S now-1days -o JobID,JobName; squeue -h -t all -o '%i|%j'");
  const ids = new Set<string>();
  for (const line of text.split('\n')) {
    const [id, name] = line.trim().split('|');
    if (id && name?.startsWith(`${tag}_`)) ids.add(id.replace(/\.\w+$/, ''));
  }
  return ids;
}

interface DriverSpec { from: number; to: number; perJob: number }

// One trial: both drivers spawned in the same tick on a fresh project. Returns what went wrong (empty = right).
async function trial(p: TestProject, system: string, a: DriverSpec, b: DriverSpec, ms: number, cluster: ClusterEnv | null): Promise<string[]> {
  const ledger = sharedLedger();
  const tag = `cd${randomBytes(3).toString('hex')}`;
  const outs = await Promise.all([a, b].map((d) => runDriver(p, [system, d.from, d.to, d.perJob, ledger, ms, tag])));
  const bad: string[] = [];
  outs.forEach((out, k) => {
    const d = [a, b][k]!;
    if (!/^DONE$/m.test(out)) bad.push(`driver ${k} did not finish: ${out.slice(-600)}`);
    const r = results(out);
    for (let x = d.from; x < d.to; x++) if (r.get(x) !== String(x + 1000)) bad.push(`driver ${k}: item ${x} gave ${r.get(x)}`);
  });
  const lo = Math.min(a.from, b.from);
  const hi = Math.max(a.to, b.to);
  const counts = ledgerCounts(ledger);
  for (let x = lo; x < hi; x++) if (counts.get(x) !== 1) bad.push(`item ${x}: op ran ${counts.get(x) ?? 0} times`);
  const perItem = storeRows<{ item_key: string; n: number }>(p, 'SELECT item_key, COUNT(*) AS n FROM job_items GROUP BY item_key');
  const twice = perItem.filter((r) => r.n !== 1).length;
  if (perItem.length !== hi - lo) bad.push(`${perItem.length} items in jobs, expected ${hi - lo}`);
  if (twice) bad.push(`${twice} item(s) in more than one job`);
  const jobs = storeRows<{ id: string; state: string }>(p, 'SELECT id, state FROM jobs');
  const notProcessed = jobs.filter((j) => j.state !== 'processed');
  if (notProcessed.length) bad.push(`jobs not processed: ${notProcessed.map((j) => `${j.id} ${j.state}`).join(', ')}`);
  if (cluster) {
    const ids = slurmJobIds(cluster, tag);
    if (ids.size !== jobs.length) bad.push(`${ids.size} Slurm submissions for ${jobs.length} jobs in the store`);
  }
  return bad;
}

async function trials(t: import('ava').ExecutionContext, make: () => TestProject, system: string, a: DriverSpec, b: DriverSpec, ms: number, cluster: ClusterEnv | null = null): Promise<void> {
  let failed = 0;
  for (let k = 0; k < TRIALS; k++) {
    const bad = await trial(make(), system, a, b, ms, cluster);
    if (bad.length) {
      failed++;
      t.log(`trial ${k + 1}: ${bad.join('; ')}`);
    }
  }
  t.is(failed, 0, `${failed} of ${TRIALS} trials computed or submitted an item twice, or returned a wrong result`);
}

const same = { from: 0, to: 6, perJob: 2 };
const overlapA = { from: 0, to: 8, perJob: 2 };
const overlapB = { from: 4, to: 12, perJob: 3 };

test('local queue: two drivers started at once on the same call compute and submit each item once', async (t) => {
  await trials(t, () => makeProject({ systems: queue }), 'q', same, same, 200);
});

test('local queue: two drivers started at once on overlapping items with other chunk sizes compute and submit each item once', async (t) => {
  await trials(t, () => makeProject({ systems: queue }), 'q', overlapA, overlapB, 200);
});

test('slurm_ssh: two drivers started at once on the same call compute and submit each item once', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  await trials(t, () => clusterProject(c), 'slurm_ssh', same, same, 200, c);
});

test('slurm_ssh: two drivers started at once on overlapping items with other chunk sizes compute and submit each item once', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  await trials(t, () => clusterProject(c), 'slurm_ssh', overlapA, overlapB, 200, c);
});

// Two calls in one process, each with its own context (own store connection and poller): their died jobs are
// resubmitted with resubmit_killed_jobs; each item is resubmitted once between them, not once per driver.
test('local queue: two overlapping calls at once, with other chunk sizes, resubmit each died item once between them', async (t) => {
  const info = (perJob: number): RemoteInfoInput => ({
    sys_name: 'q', job_name: 'rd', resources: { num_cores: 1, max_time: '10m' }, partial_node: true,
    num_inputs_per_queued_job: perJob, check_interval: 0.5, resubmit_killed_jobs: true,
  });
  let failed = 0;
  for (let k = 0; k < 3; k++) {
    const p = makeProject({ systems: queue });
    const [ca, cb] = [p.context(), p.context()];
    try {
      const a = Array.from({ length: 6 }, (_, i) => i);
      const b = Array.from({ length: 6 }, (_, i) => i + 3);
      const [ra, rb] = await Promise.all([
        autoparallelize(diesOnceLedgered, a, { context: ca, args: [p.dir], remoteInfo: info(1), progress: 'silent' }),
        autoparallelize(diesOnceLedgered, b, { context: cb, args: [p.dir], remoteInfo: info(2), progress: 'silent' }),
      ]);
      const bad: string[] = [];
      if (JSON.stringify([...ra]) !== JSON.stringify(a.map((x) => x + 1000))) bad.push(`call a returned ${JSON.stringify([...ra])}`);
      if (JSON.stringify([...rb]) !== JSON.stringify(b.map((x) => x + 1000))) bad.push(`call b returned ${JSON.stringify([...rb])}`);
      const counts = ledgerCounts(join(p.dir, 'ledger.txt'));
      for (let x = 0; x < 9; x++) if (counts.get(x) !== 1) bad.push(`item ${x}: op ran ${counts.get(x) ?? 0} times after its job died`);
      if (bad.length) {
        failed++;
        t.log(`trial ${k + 1}: ${bad.join('; ')}`);
      }
    } finally {
      await Promise.all([ca.close(), cb.close()]);
    }
  }
  t.is(failed, 0, `${failed} of 3 trials resubmitted an item twice or returned a wrong result`);
});
