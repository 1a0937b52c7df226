// The local queue script (src/scheduler/local-queue.sh) under kills: a submit whose whole process group is signalled
// at any instant leaves either nothing or a record with a live runner; a record without a runner is reported dead
// with a reason after the grace, never queued forever; a runner whose record is gone ends without running the job.
import test from 'ava';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, readdirSync, existsSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localQueueScript } from '../../../src/scheduler/index.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Queue {
  root: string;
  qdir: string;
  script: string;
  ledger: string;
  /** A job dir whose job.sh appends its name to the ledger (after waiting for `<root>/go` when `gated`). */
  jobDir(name: string, gated?: boolean): string;
  submitArgs(jobDir: string, slots?: number): string[];
  status(...ids: string[]): Map<string, string[]>;
  records(): string[];
  ran(): string[];
}

function queue(): Queue {
  const root = mkdtempSync(path.join(tmpdir(), 'xpr-lq-'));
  const qdir = path.join(root, 'queue');
  const script = path.join(root, 'q.sh');
  writeFileSync(script, localQueueScript().text);
  const ledger = path.join(root, 'ledger');
  const env = { ...process.env, XPR_LOCAL_QUEUE_GRACE_S: '2' };
  return {
    root, qdir, script, ledger,
    jobDir(name, gated = false) {
      const d = path.join(root, name);
      mkdirSync(d);
      const wait = gated ? `for i in $(seq 3000); do [ -e ${root}/go ] && break; sleep 0.1; done\n` : '';
      writeFileSync(path.join(d, 'job.sh'), `${wait}echo ${name} >> ${ledger}\n`);
      return d;
    },
    submitArgs: (jobDir, slots = 2) => [script, 'submit', qdir, jobDir, 'job.sh', '1', '0', String(slots), 'o', 'e'],
    status(...ids) {
      const out = execFileSync('bash', [script, 'status', qdir, ...ids], { encoding: 'utf8', env });
      return new Map(out.split('\n').filter(Boolean).map((l) => { const [id, ...rest] = l.split('|'); return [id!, rest]; }));
    },
    records: () => (existsSync(path.join(qdir, 'jobs')) ? readdirSync(path.join(qdir, 'jobs')) : []),
    ran: () => (existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean) : []),
  };
}

function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

// Poll (bounded by count, not by time) until every listed record has ended; returns the last statuses.
async function untilEnded(q: Queue, ids: string[]): Promise<Map<string, string[]>> {
  let st = q.status(...ids);
  for (let i = 0; i < 300 && [...st.values()].some((s) => s[0] === 'QUEUED' || s[0] === 'RUNNING'); i++) {
    await sleep(100);
    st = q.status(...ids);
  }
  return st;
}

test('a record left without a runner (a submit killed half way by an older queue) is VANISHED with a reason after the grace, not QUEUED forever', async (t) => {
  const q = queue();
  const d = path.join(q.qdir, 'jobs', '1');
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'jobdir'), `${q.jobDir('a')}\n`);
  t.is(q.status('1').get('1')?.[0], 'QUEUED', 'young: its runner may still be starting');
  const old = new Date(Date.now() - 60_000);
  utimesSync(d, old, old);
  const [state, , reason] = q.status('1').get('1')!;
  t.is(state, 'VANISHED');
  t.regex(reason!, /no runner/);
});

test('a draft whose submit was killed before its runner started is published as VANISHED after the grace; its runner then cannot run it', async (t) => {
  const q = queue();
  const jobDir = q.jobDir('a');
  const dr = path.join(q.qdir, 'drafts', '1');
  mkdirSync(dr, { recursive: true });
  for (const [f, v] of Object.entries({ jobdir: jobDir, script: 'job.sh', cores: '1', maxtime: '0', slots: '1', out: 'o', err: 'e' })) {
    writeFileSync(path.join(dr, f), `${v}\n`);
  }
  t.is(q.status('1').get('1')?.[0], 'QUEUED', 'a young draft is queued: its runner may still publish it');
  const old = new Date(Date.now() - 60_000);
  utimesSync(dr, old, old);
  const [state, , reason] = q.status('1').get('1')!;
  t.is(state, 'VANISHED');
  t.regex(reason!, /submit interrupted/);
  t.false(existsSync(dr), 'the draft was published as a dead record');
  execFileSync('bash', [q.script, 'run', q.qdir, '1']); // a runner that starts only now
  t.deepEqual(q.ran(), [], 'the dead job never runs');
  t.is(q.status('1').get('1')?.[0], 'VANISHED');
});

test('a submit whose whole process group gets SIGHUP, SIGINT, SIGTERM or SIGKILL at any instant leaves nothing or a job that runs once', async (t) => {
  const q = queue();
  const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGKILL'];
  const trials = 40;
  let killedBeforeId = 0;
  const printed: string[] = [];
  for (let k = 0; k < trials; k++) {
    const jobDir = q.jobDir(`j${k}`);
    // Own process group, as a driver started from a shell; the whole group is signalled as a closed terminal would.
    const child = spawn('bash', q.submitArgs(jobDir, 4), { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const done = new Promise((r) => child.on('close', r));
    await sleep(Math.random() * 150);
    try {
      process.kill(-child.pid!, signals[k % signals.length]!);
    } catch { /* already ended */ }
    await done;
    if (/^\d+\n$/.test(out)) printed.push(out.trim());
    else killedBeforeId++;
  }
  t.log(`${trials} submits, ${killedBeforeId} signalled before printing their id, ${q.records().length} records`);
  // Drafts in flight are published by their runners; then every record runs to the end, once.
  const drafts = (): string[] => (existsSync(path.join(q.qdir, 'drafts')) ? readdirSync(path.join(q.qdir, 'drafts')) : []);
  for (let i = 0; i < 100 && drafts().length > 0; i++) await sleep(100);
  t.deepEqual(drafts(), [], 'no draft left behind');
  const ids = q.records();
  t.true(ids.length > 0, 'some submits got far enough to make a record');
  for (const id of printed) t.true(ids.includes(id), `printed id ${id} has a record`);
  const st = await untilEnded(q, ids);
  for (const id of ids) {
    t.deepEqual(st.get(id)?.slice(0, 2), ['ENDED', '0'], `record ${id}: ${st.get(id)?.join('|')}`);
    t.true(existsSync(path.join(q.qdir, 'jobs', id, 'pid')), `record ${id} names its runner`);
  }
  const ran = q.ran();
  t.is(ran.length, ids.length, 'each record ran its job once');
  t.is(new Set(ran).size, ran.length, 'no job ran twice');
});

test('a runner whose record is removed while it waits for a slot ends without running the job', async (t) => {
  const q = queue();
  const a = execFileSync('bash', q.submitArgs(q.jobDir('a', true), 1), { encoding: 'utf8' }).trim();
  const b = execFileSync('bash', q.submitArgs(q.jobDir('b'), 1), { encoding: 'utf8' }).trim();
  const pidB = Number(readFileSync(path.join(q.qdir, 'jobs', b, 'pid'), 'utf8'));
  t.is(q.status(b).get(b)?.[0], 'QUEUED');
  rmSync(path.join(q.qdir, 'jobs', b), { recursive: true });
  writeFileSync(path.join(q.root, 'go'), '');
  t.deepEqual((await untilEnded(q, [a])).get(a)?.slice(0, 2), ['ENDED', '0']);
  for (let i = 0; i < 100 && isRunning(pidB); i++) await sleep(100);
  t.false(isRunning(pidB), 'the runner of the removed record ended');
  t.deepEqual(q.ran(), ['a'], 'the removed job never ran');
});
