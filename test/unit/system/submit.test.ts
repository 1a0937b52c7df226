// The submit path when things go wrong between a submit command and the recording of its id: dropped connections
// (repeated like the ssh transports do), interrupted arrays, no flock, unreadable submit output, duplicate names.
import test from 'ava';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalTransport } from '../../../src/transport/local.ts';
import { TransportDroppedError } from '../../../src/transport/errors.ts';
import { quote } from '../../../src/transport/quote.ts';
import type { ExecOptions, ExecResult, Transport } from '../../../src/transport/types.ts';
import { LocalScheduler } from '../../../src/scheduler/local.ts';
import { SlurmScheduler } from '../../../src/scheduler/slurm.ts';
import { localQueueScript } from '../../../src/scheduler/index.ts';
import type { Scheduler } from '../../../src/scheduler/types.ts';
import { submitJobs, SUBMITTING, type SubmitRequest } from '../../../src/system/system-ops.ts';
import { planArrays, submitArrays } from '../../../src/system/array.ts';
import type { SystemSession } from '../../../src/system/session.ts';
import type { Logger } from '../../../src/log.ts';
import { fit, system } from '../scheduler/_helpers.ts';

// Like the ssh transports after a dropped connection: a command killed in its session (here by `kill -KILL 0`, as
// sshd kills a session) is repeated when idempotent, else reported as TransportDroppedError.
class DroppingTransport implements Transport {
  readonly kind = 'local' as const;
  readonly label = 'dropping';
  readonly #inner: LocalTransport;
  repeats = 0;
  constructor(env: NodeJS.ProcessEnv) {
    this.#inner = new LocalTransport({ env });
  }
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    for (;;) {
      const res = await this.#inner.exec(['setsid', ...argv], options);
      if (res.signal === null) return res;
      if (!options.idempotent) throw new TransportDroppedError({ label: this.label, argv, mayHaveRun: true });
      this.repeats++;
    }
  }
  async close(): Promise<void> {}
  stats() {
    return { connectionsOpened: 0, commandsRun: 0 };
  }
}

interface World {
  root: string;
  base: string;
  session: SystemSession;
  transport: DroppingTransport;
  /** While this file exists, the next submit that succeeds drops the connection before its id is written. */
  drop: string;
}

function world(scheduler: (root: string) => Scheduler, kind: 'local' | 'slurm', pathDirs: string[] = []): World {
  const root = mkdtempSync(path.join(tmpdir(), 'xpr-submit-'));
  const base = path.join(root, 'base');
  mkdirSync(base);
  const transport = new DroppingTransport({ ...process.env, PATH: [...pathDirs.map((d) => path.join(root, d)), process.env.PATH].join(':') });
  const session = {
    system: system({ scheduler: kind, host: 'h' }), transport, scheduler: scheduler(root), sharesFs: false,
    localBase: path.join(root, 'stage'), env: {}, base,
  } as SystemSession;
  return { root, base, session, transport, drop: path.join(root, 'drop') };
}

// The real local queue (local-queue.sh), its records under <root>/queue.
function localWorld(pathDirs: string[] = []): World & { jobs(n: number): SubmitRequest[]; records(jobDir: string): string[] } {
  let queueScript = '';
  const w = world((root) => {
    queueScript = path.join(root, 'q.sh');
    writeFileSync(queueScript, localQueueScript().text);
    return new LocalScheduler({ queueDir: path.join(root, 'queue'), queueScriptPath: queueScript, totalSlots: 1 });
  }, 'local', pathDirs);
  // The queue's submit; then, if asked to, the connection drops (the whole session killed) before the id is written.
  const dropper = `bash "$@" || exit; if [ -e ${quote(w.drop)} ]; then rm -f ${quote(w.drop)}; kill -KILL 0; fi`;
  const jobs = (n: number): SubmitRequest[] => Array.from({ length: n }, (_, k) => {
    const id = `add_0123456789a${k}_wxyz`;
    const jobDir = path.join(w.base, id);
    mkdirSync(jobDir, { recursive: true });
    writeFileSync(path.join(jobDir, 'job.sh'), 'true\n');
    return { id, jobDir, argv: ['bash', '-c', dropper, 'submit', queueScript, 'submit', path.join(w.root, 'queue'), jobDir, 'job.sh', '1', '0', '1', 'o', 'e'] };
  });
  const records = (jobDir: string): string[] => {
    const dir = path.join(w.root, 'queue', 'jobs');
    if (!existsSync(dir)) return [];
    // A record cut off by the drop before its jobdir file was written never ran anything: not counted.
    const jobDirOf = (n: string): string => (existsSync(path.join(dir, n, 'jobdir')) ? readFileSync(path.join(dir, n, 'jobdir'), 'utf8').trim() : '');
    return readdirSync(dir).filter((n) => jobDirOf(n) === jobDir).sort((a, b) => Number(a) - Number(b));
  };
  return { ...w, jobs, records };
}

const warnings = (): Logger & { said: string[] } => {
  const said: string[] = [];
  return { said, info: () => undefined, warn: (m) => said.push(m), error: () => undefined };
};

test('a resubmit repeated after a connection dropped between the submit and its id file is not submitted twice', async (t) => {
  const w = localWorld();
  const [job] = w.jobs(1);
  // An earlier try was interrupted before it reached the queue: the marker is there, the queue has no such job.
  writeFileSync(path.join(job!.jobDir, SUBMITTING), 'submit\n');
  writeFileSync(w.drop, '');
  const out = await submitJobs(w.session, [job!]);
  t.is(w.transport.repeats, 1, 'the resubmit round was cut off after the submit and repeated');
  const records = w.records(job!.jobDir);
  t.is(records.length, 1, `the job went to the queue once: ${records.join(', ')}`);
  t.deepEqual(out.get(job!.id), { ok: true, schedulerId: records[0]! });
  t.is(readFileSync(path.join(job!.jobDir, '_xpr_sched_id'), 'utf8').trim(), records[0]!);
});

test('a first submit repeated after a drop adopts the job it made', async (t) => {
  const w = localWorld();
  const jobs = w.jobs(3);
  writeFileSync(w.drop, '');
  const out = await submitJobs(w.session, jobs);
  t.is(w.transport.repeats, 1);
  for (const j of jobs) {
    const records = w.records(j.jobDir);
    t.is(records.length, 1);
    t.deepEqual(out.get(j.id), { ok: true, schedulerId: records[0]! });
  }
});

test('without a working flock, an interrupted submit is left staged (lost), never looked up and submitted again', async (t) => {
  const w = localWorld(['bin']);
  mkdirSync(path.join(w.root, 'bin'));
  writeFileSync(path.join(w.root, 'bin', 'flock'), '#!/bin/sh\necho "flock: timeout" >&2\nexit 1\n', { mode: 0o755 });
  const [job, fresh] = w.jobs(2);
  writeFileSync(path.join(job!.jobDir, SUBMITTING), 'submit\n');
  const out = await submitJobs(w.session, [job!, fresh!]);
  const o = out.get(job!.id)!;
  t.false(o.ok);
  t.true(!o.ok && o.lost === true && /flock/.test(o.message), JSON.stringify(o));
  t.deepEqual(w.records(job!.jobDir), [], 'no second submit while the first may still be in flight');
  t.true(out.get(fresh!.id)!.ok, 'a job never submitted before goes ahead');
});

test('a submit that exits 0 with output the parser cannot read is lost, and the next round adopts the job by name', async (t) => {
  const w = localWorld();
  const [job] = w.jobs(1);
  const chatty = { ...job!, argv: ['bash', '-c', '"$@" > /dev/null && echo "queued, thank you"', 'x', ...job!.argv] };
  const first = (await submitJobs(w.session, [chatty])).get(job!.id)!;
  t.false(first.ok, 'no id could be read');
  t.true(!first.ok && first.lost === true, 'lost, not failed: the job is probably queued');
  t.true(!first.ok && first.message.includes('queued, thank you'), 'the unread output is quoted');
  const records = w.records(job!.jobDir);
  t.is(records.length, 1);
  const second = (await submitJobs(w.session, [job!])).get(job!.id);
  t.deepEqual(second, { ok: true, schedulerId: records[0]! });
  t.deepEqual(w.records(job!.jobDir), records, 'not submitted again');
  t.is(readFileSync(path.join(job!.jobDir, '_xpr_sched_id'), 'utf8').trim(), records[0]!);
});

test('several queue jobs with the name: the oldest is adopted and the others are named in a warning', async (t) => {
  const w = localWorld();
  const [job] = w.jobs(1);
  writeFileSync(path.join(job!.jobDir, SUBMITTING), 'submit\n');
  const plain = ['bash', ...job!.argv.slice(4)]; // the queue's own submit, twice, from outside xpr's control
  for (let k = 0; k < 2; k++) await w.transport.exec(plain);
  const records = w.records(job!.jobDir);
  t.is(records.length, 2);
  const log = warnings();
  const out = await submitJobs(w.session, [job!], log);
  t.deepEqual(out.get(job!.id), { ok: true, schedulerId: records[0]! });
  t.is(log.said.length, 1);
  t.true(log.said[0]!.includes(records[1]!) && log.said[0]!.includes(job!.id), log.said[0]);
});

// A stand-in Slurm on PATH (sbatch records its calls and the job names; squeue --name lists them) for the array path.
function slurmWorld(): World & { calls(): string[] } {
  const w = world(() => new SlurmScheduler(), 'slurm', ['bin']);
  const bin = path.join(w.root, 'bin');
  mkdirSync(bin);
  const q = quote(path.join(w.root, 'queue.txt'));
  writeFileSync(path.join(bin, 'sbatch'), [
    '#!/bin/bash',
    `printf '%s\\n' "$*" >> ${quote(path.join(w.root, 'calls.txt'))}`,
    `n=$((4240 + $(cat ${q} 2>/dev/null | wc -l)))`,
    'name=; for a; do case $a in --job-name=*) name=${a#--job-name=};; esac; done',
    `echo "$n $name" >> ${q}; echo "$n"`,
    `if [ -e ${quote(w.drop)} ]; then rm -f ${quote(w.drop)}; kill -KILL 0; fi`,
    '',
  ].join('\n'));
  writeFileSync(path.join(bin, 'squeue'), [
    '#!/bin/bash',
    'for a; do case $a in --name=*) name=${a#--name=};; esac; done',
    `while read -r n m; do [ "$m" = "$name" ] && echo "\${n}_[0-1]"; done < <(cat ${q} 2>/dev/null); exit 0`,
    '',
  ].join('\n'));
  writeFileSync(path.join(bin, 'sacct'), '#!/bin/sh\nexit 0\n');
  for (const f of ['sbatch', 'squeue', 'sacct']) chmodSync(path.join(bin, f), 0o755);
  const calls = (): string[] => (existsSync(path.join(w.root, 'calls.txt')) ? readFileSync(path.join(w.root, 'calls.txt'), 'utf8').trim().split('\n') : []);
  return { ...w, calls };
}

function chunks(w: World, n: number): SubmitRequest[] {
  return Array.from({ length: n }, (_, k) => {
    const id = `relax_chunk_${k}_abcdefabcdef_wxyz`;
    const jobDir = path.join(w.base, id);
    mkdirSync(jobDir);
    return { id, jobDir, argv: ['sbatch', '--parsable', `--job-name=${id}`, 'job.script.slurm'] };
  });
}

const arrayCtx = { asked: true, fit: fit(), headerExtra: [], envHeaderExtra: [], fresh: new Set<string>() };

test('an array submit cut off before the task ids are written: the rerun adopts the array tasks, no plain submits', async (t) => {
  const w = slurmWorld();
  const jobs = chunks(w, 2);
  const { parts } = planArrays(w.session, jobs);
  writeFileSync(w.drop, '');
  const lost = (await submitArrays(w.session, parts, arrayCtx)).get(parts[0]!.name)!;
  t.true(!lost.ok && lost.lost === true, 'the dropped array submit is lost, its jobs stay staged');
  t.is(w.calls().length, 1);
  t.true(w.calls()[0]!.includes(`--job-name=${parts[0]!.name}`), 'the array carries its name on the command line');
  for (const j of jobs) t.false(existsSync(path.join(j.jobDir, '_xpr_sched_id')));
  // The next run submits the staged jobs one by one: each finds its array by name and records its task.
  const out = await submitJobs(w.session, jobs);
  t.is(w.calls().length, 1, `no second submit: ${w.calls().join(' / ')}`);
  t.deepEqual(jobs.map((j) => out.get(j.id)), [{ ok: true, schedulerId: '4240_0' }, { ok: true, schedulerId: '4240_1' }]);
  t.is(readFileSync(path.join(jobs[1]!.jobDir, '_xpr_sched_id'), 'utf8').trim(), '4240_1');
});

test('an array whose id was recorded but whose task ids were not: the rerun replays the array id', async (t) => {
  const w = slurmWorld();
  const jobs = chunks(w, 2);
  const { parts } = planArrays(w.session, jobs);
  const part = parts[0]!;
  // The state a drop right after the array id was written leaves behind.
  mkdirSync(part.dirOnSystem, { recursive: true });
  writeFileSync(path.join(part.dirOnSystem, '_xpr_sched_id'), '777\n');
  jobs.forEach((j, k) => writeFileSync(path.join(j.jobDir, SUBMITTING), `array ${part.name} ${k}\n`));
  const out = await submitJobs(w.session, jobs);
  t.deepEqual(w.calls(), [], 'neither sbatch nor a lookup needed');
  t.deepEqual(jobs.map((j) => out.get(j.id)), [{ ok: true, schedulerId: '777_0' }, { ok: true, schedulerId: '777_1' }]);
});

test('a refused array takes its marks back, so its jobs then go one by one without a lookup', async (t) => {
  const w = slurmWorld();
  writeFileSync(path.join(w.root, 'bin', 'sbatch'), '#!/bin/sh\necho "sbatch: error: Batch job submission failed: Job array index too large" >&2\nexit 1\n');
  const jobs = chunks(w, 2);
  const { parts } = planArrays(w.session, jobs);
  const o = (await submitArrays(w.session, parts, arrayCtx)).get(parts[0]!.name)!;
  t.true(!o.ok && o.refused === true);
  for (const j of jobs) t.false(existsSync(path.join(j.jobDir, SUBMITTING)));
});
