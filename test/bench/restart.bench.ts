// Restart benchmark (issue 14): N items mapped with autoparallelize via ssh into Slurm (and on the built-in local
// queue), the driver SIGKILLed (every third kill: its whole process group SIGHUPed) at random moments, the chunk size
// changed and items prepended/appended between runs, then run to the end. The op appends each item to a ledger.
// Reports op runs per item (target 1.00), duplicate submissions in Slurm accounting (same job name twice; target 0),
// wrong or missing results (0), and jobs left live after the last run (0).
// Needs the test cluster for Slurm: `. /tmp/xpr-cluster/env.sh`, then
//   node --import tsx test/bench/restart.bench.ts [n=12] [kills=3] [max chunk=3] [systems=slurm_ssh,q] [concurrent trials=3]
// The concurrent scenario: two drivers started at the same moment on overlapping item lists (0..2n/3 and n/3..n) with
// random chunk sizes, on a fresh project per trial; reports op runs per item (target 1.00), items held by more than
// one job (0), Slurm submissions beyond the store's jobs (0) and wrong results (0). kills=0 skips the kill scenario.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { benchCluster, clusterProject } from '../helpers/cluster.ts';
import { makeProject, type TestProject } from '../helpers/project.ts';
import { newTag, onCluster, sleep } from '../fixtures/faults/harness.ts';

const n = Number(process.argv[2] ?? 12);
const kills = Number(process.argv[3] ?? 3);
const maxChunk = Number(process.argv[4] ?? 3);
const systems = (process.argv[5] ?? 'slurm_ssh,q').split(',');
const concurrentTrials = Number(process.argv[6] ?? 3);
const driver = fileURLToPath(new URL('../fixtures/restart/driver.ts', import.meta.url));
const queue = { q: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } };

interface Run { out: string; pid: number; done: Promise<void> }

function startDriver(p: TestProject, args: Array<string | number>): Run {
  // Detached: its own process group, so the whole group can be sent SIGHUP (a closed terminal or dropped ssh session).
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), driver, ...args.map(String)], {
    cwd: p.dir, env: { ...p.env, XPR_DIED_GRACE_S: '20' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  const run: Run = { out: '', pid: child.pid!, done: new Promise((res) => child.on('close', () => res())) };
  child.stdout!.on('data', (d) => (run.out += d));
  child.stderr!.on('data', (d) => (run.out += d));
  return run;
}

function liveJobs(p: TestProject): number {
  const db = new Database(join(p.root, 'xpr-jobs.sqlite'), { readonly: true, timeout: 10_000 });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('created', 'staged', 'submitted', 'queued', 'running')").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function scenario(system: string): Promise<Record<string, number | string>> {
  const slurm = system !== 'q';
  const p = slurm ? clusterProject(benchCluster()) : makeProject({ systems: queue });
  const tag = newTag();
  // The cluster's user runs the jobs: the ledger lives in a dir it can write to.
  const ledgerDir = mkdtempSync(join(tmpdir(), 'xpr-ledger-'));
  chmodSync(ledgerDir, 0o777);
  const ledger = join(ledgerDir, 'ledger.txt');
  const ms = 1000;
  let from = Math.min(2, Math.floor(n / 4));
  let to = n - from;
  let sighups = 0;
  let sigkills = 0;
  const log: string[] = [];
  for (let k = 0; k <= kills; k++) {
    const last = k === kills;
    if (last) [from, to] = [0, n];
    const chunk = 1 + Math.floor(Math.random() * maxChunk);
    const run = startDriver(p, [system, from, to, chunk, ledger, ms, tag]);
    if (last) {
      await run.done;
      const got = new Map([...run.out.matchAll(/^RESULT (-?\d+) (.*)$/gm)].map((m) => [Number(m[1]), m[2]!]));
      const bad = Array.from({ length: n }, (_, x) => x).filter((x) => got.get(x) !== String(x + 1000));
      const lines = existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean) : [];
      const perItem = new Map<string, number>();
      for (const l of lines) perItem.set(l, (perItem.get(l) ?? 0) + 1);
      await sleep(1500); // slurmdbd catches up
      let duplicates: number | string = 'n/a';
      let queueLive = 0;
      if (slurm) {
        const text = onCluster(benchCluster(), "sacct -X -n -P -S now-1days -o JobID,JobName; squeue -h -t all -o '%i|%j'");
        const byName = new Map<string, Set<string>>();
        for (const line of text.split('\n')) {
          const [id, name] = line.trim().split('|');
          if (id && name?.startsWith(`${tag}_`)) byName.set(name, (byName.get(name) ?? new Set()).add(id.replace(/\.\w+$/, '')));
        }
        duplicates = [...byName.values()].reduce((s, ids) => s + ids.size - 1, 0);
        queueLive = onCluster(benchCluster(), "squeue -h -o '%j'").split('\n').filter((l) => l.startsWith(`${tag}_`)).length;
      }
      log.push(`final run: chunk ${chunk}, items 0..${n - 1}${run.out.includes('DONE') ? '' : ` (did not finish: ${run.out.slice(-300)})`}`);
      console.log(`  ${system}: ${log.join('; ')}`);
      return {
        system, n, sigkills, sighups, opRuns: lines.length, runsPerItem: (lines.length / n).toFixed(2),
        itemsRunTwiceOrMore: [...perItem.values()].filter((c) => c > 1).length, duplicates, wrongOrMissing: bad.length,
        liveAfter: liveJobs(p) + queueLive,
      };
    }
    const at = 1500 + Math.random() * (slurm ? 14_000 : 8000);
    const ended = await Promise.race([run.done.then(() => true), sleep(at).then(() => false)]);
    if (!ended) {
      const hup = k % 3 === 2;
      try {
        if (hup) process.kill(-run.pid, 'SIGHUP');
        else process.kill(run.pid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
      if (hup) sighups++;
      else sigkills++;
      log.push(`run ${k + 1}: chunk ${chunk}, items ${from}..${to - 1}, ${hup ? 'group SIGHUP' : 'SIGKILL'} at ${(at / 1000).toFixed(1)} s`);
    } else log.push(`run ${k + 1}: chunk ${chunk}, items ${from}..${to - 1}, ended before its kill`);
    await run.done;
    // Between runs: prepend or append an item (alternately), within 0..n-1.
    if (k % 2 === 0 && from > 0) from--;
    else if (to < n) to++;
  }
  throw new Error('unreachable');
}

// Two drivers at once on overlapping items with other chunk sizes, `concurrentTrials` times on fresh projects.
async function concurrent(system: string): Promise<Record<string, number | string>> {
  const slurm = system !== 'q';
  let opRuns = 0;
  let items = 0;
  let inTwoJobs = 0;
  let extraSubmissions = 0;
  let wrong = 0;
  let trialsWithDuplicates = 0;
  for (let k = 0; k < concurrentTrials; k++) {
    const p = slurm ? clusterProject(benchCluster()) : makeProject({ systems: queue });
    const tag = newTag();
    const ledgerDir = mkdtempSync(join(tmpdir(), 'xpr-ledger-'));
    chmodSync(ledgerDir, 0o777);
    const ledger = join(ledgerDir, 'ledger.txt');
    const specs = [[0, Math.ceil((2 * n) / 3)], [Math.floor(n / 3), n]].map(([from, to]) => ({ from: from!, to: to!, chunk: 1 + Math.floor(Math.random() * maxChunk) }));
    const runs = specs.map((d) => startDriver(p, [system, d.from, d.to, d.chunk, ledger, 300, tag]));
    await Promise.all(runs.map((r) => r.done));
    runs.forEach((run, j) => {
      const got = new Map([...run.out.matchAll(/^RESULT (-?\d+) (.*)$/gm)].map((m) => [Number(m[1]), m[2]!]));
      for (let x = specs[j]!.from; x < specs[j]!.to; x++) if (got.get(x) !== String(x + 1000)) wrong++;
    });
    const lines = existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean) : [];
    opRuns += lines.length;
    items += n;
    const db = new Database(join(p.root, 'xpr-jobs.sqlite'), { readonly: true, timeout: 10_000 });
    let jobs: number;
    let twice: number;
    try {
      twice = (db.prepare('SELECT COUNT(*) AS n FROM (SELECT item_key FROM job_items GROUP BY item_key HAVING COUNT(*) > 1)').get() as { n: number }).n;
      jobs = (db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n;
    } finally {
      db.close();
    }
    inTwoJobs += twice;
    if (slurm) {
      await sleep(1500); // slurmdbd catches up
      const text = onCluster(benchCluster(), "sacct -X -n -P -S now-1days -o JobID,JobName; squeue -h -t all -o '%i|%j'");
      const ids = new Set(text.split('\n').flatMap((l) => {
        const [id, name] = l.trim().split('|');
        return id && name?.startsWith(`${tag}_`) ? [id.replace(/\.\w+$/, '')] : [];
      }));
      extraSubmissions += ids.size - jobs;
    }
    if (lines.length !== n || twice) trialsWithDuplicates++;
    console.log(`  ${system} concurrent trial ${k + 1}: chunks ${specs.map((d) => `${d.chunk} over ${d.from}..${d.to - 1}`).join(' and ')}: ${lines.length} op runs for ${n} items, ${jobs} jobs`);
  }
  return {
    system, scenario: 'two concurrent drivers', trials: concurrentTrials, trialsWithDuplicates, opRuns, runsPerItem: (opRuns / items).toFixed(2),
    itemsInTwoJobs: inTwoJobs, extraSubmissions: slurm ? extraSubmissions : 'n/a', wrongOrMissing: wrong,
  };
}

const t0 = Date.now();
console.log(`restart bench: ${n} items, ${kills} kill(s) then a final run, chunk size 1..${maxChunk} changing, items prepended/appended; ` +
  `then ${concurrentTrials} trial(s) of two concurrent drivers; systems ${systems.join(', ')}`);
let failed = false;
for (const s of systems) {
  if (kills > 0) {
    const r = await scenario(s);
    console.log(`RESULT ${JSON.stringify(r)}`);
    if (r.runsPerItem !== '1.00' || (r.duplicates !== 'n/a' && r.duplicates !== 0) || r.wrongOrMissing !== 0 || r.liveAfter !== 0) failed = true;
  }
  if (concurrentTrials > 0) {
    const c = await concurrent(s);
    console.log(`RESULT ${JSON.stringify(c)}`);
    if (c.runsPerItem !== '1.00' || c.itemsInTwoJobs !== 0 || (c.extraSubmissions !== 'n/a' && c.extraSubmissions !== 0) || c.wrongOrMissing !== 0) failed = true;
  }
}
console.log(`total ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
process.exit(failed ? 1 : 0);
