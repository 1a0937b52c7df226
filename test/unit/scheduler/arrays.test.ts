// Job arrays: status of single array tasks parsed from REAL Slurm and SGE output (test/cluster/captured/arrays/,
// written by test/cluster/capture-arrays.sh), task ids, array submit argv, splitting, refusals, and the task script.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SlurmScheduler } from '../../../src/scheduler/slurm.ts';
import { SgeScheduler } from '../../../src/scheduler/sge.ts';
import type { QueueStatus } from '../../../src/scheduler/types.ts';
import {
  arraySubmitArgv, arrayTaskBody, isArrayRefusal, planArrays, renderArrayScript, taskSchedulerId, DEFAULT_MAX_ARRAY_SIZE,
} from '../../../src/system/array.ts';
import type { SystemSession } from '../../../src/system/session.ts';
import { asWrapped, capturedDir, fit, system } from './_helpers.ts';

const slurm = new SlurmScheduler();
const sge = new SgeScheduler();
const dir = path.join(capturedDir, 'arrays');

// A capture of capture-arrays.sh with its exit code and command (its own MANIFEST.tsv); a missing one fails with the fix.
function cap(name: string): { stdout: string; stderr: string; rc: number; command: string } {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) throw new Error(`test/cluster/captured/arrays/${name} is missing: run test/cluster/capture-arrays.sh with the cluster up`);
  const row = fs.readFileSync(path.join(dir, 'MANIFEST.tsv'), 'utf8').split('\n').map((l) => l.split('\t')).find((f) => f[0] === name);
  return {
    stdout: fs.readFileSync(file, 'utf8'),
    stderr: fs.existsSync(`${file}.stderr`) ? fs.readFileSync(`${file}.stderr`, 'utf8') : '',
    rc: Number(row?.[1] ?? 0),
    command: row?.[2] ?? '?',
  };
}
const ids = Object.fromEntries(fs.readFileSync(path.join(dir, 'ids.env'), 'utf8').trim().split('\n').map((l) => l.split('='))) as { A: string; GA: string };
const slurmTasks = [0, 1, 2, 3].map((k) => `${ids.A}_${k}`);
const sgeTasks = [1, 2, 3, 4].map((k) => `${ids.GA}.${k}`);

function states(map: Map<string, QueueStatus>, wanted: string[]): Array<string | undefined> {
  return wanted.map((id) => {
    const s = map.get(id);
    return s && `${s.state} ${s.rawState}${s.exitCode === undefined ? '' : ` exit ${s.exitCode}`}`;
  });
}

test('slurm: tasks are asked about by their own ids; the captures ran exactly that command', (t) => {
  const argvs = slurm.statusArgvs(slurmTasks);
  t.deepEqual(argvs[0]!.slice(4), ['squeue', '-h', '-t', 'all', '-o', '%i|%T|%r', '-j', slurmTasks.join(',')]);
  t.is(cap('slurm-squeue-tasks-running.txt').command, `squeue -h -t all -o '%i|%T|%r' -j ${slurmTasks.join(',')}`);
  // Captured with the state fields only (sacct -X ... JobID,State,ExitCode,Reason); the parser reads both that and the
  // usage query statusArgvs now builds (same ids, same -j list).
  t.deepEqual(argvs[1]!.slice(-2), ['-j', slurmTasks.join(',')]);
  t.is(cap('slurm-sacct-final.txt').command, `sacct -X -n -P -o JobID,State,ExitCode,Reason -j ${slurmTasks.join(',')}`);
});

test('slurm: squeue folds pending tasks (`<id>_[0-3]`) even when asked about task ids; each task still gets its state', (t) => {
  const submitted = slurm.parseStatus([asWrapped(cap('slurm-squeue-tasks-submitted.txt')), cap('slurm-sacct-running.txt').stdout], slurmTasks);
  t.deepEqual(states(submitted, slurmTasks), ['queued PENDING', 'queued PENDING', 'queued PENDING', 'queued PENDING']);
  const running = slurm.parseStatus([asWrapped(cap('slurm-squeue-tasks-running.txt')), cap('slurm-sacct-running.txt').stdout], slurmTasks);
  t.deepEqual(states(running, slurmTasks), ['running RUNNING', 'running RUNNING', 'queued PENDING', 'queued PENDING']);
  const two = [slurmTasks[0]!, slurmTasks[3]!];
  t.deepEqual(states(slurm.parseStatus([asWrapped(cap('slurm-squeue-two-tasks.txt')), ''], two), two), ['running RUNNING', 'queued PENDING']);
});

test('slurm: scancel of two tasks ends those only; the one cancelled while pending is no longer listed; squeue wins over a lagging sacct', (t) => {
  t.is(cap('slurm-scancel-task.txt').rc, 0);
  const map = slurm.parseStatus([asWrapped(cap('slurm-squeue-tasks-after-scancel.txt')), cap('slurm-sacct-after-scancel.txt').stdout], slurmTasks);
  t.deepEqual(states(map, slurmTasks), ['ended CANCELLED', 'running RUNNING', 'running RUNNING', undefined]);
});

test('slurm: final states per task: cancelled, completed, failed with its own exit code; a task cancelled before it ran is not listed', (t) => {
  const map = slurm.parseStatus([asWrapped(cap('slurm-squeue-tasks-final.txt')), cap('slurm-sacct-final.txt').stdout], slurmTasks);
  t.deepEqual(states(map, slurmTasks), ['ended CANCELLED by 1001 exit 0', 'ended COMPLETED exit 0', 'ended FAILED exit 5', undefined]);
  const two = slurm.parseStatus(['xpr-rc=0\n', cap('slurm-sacct-final-tasks.txt').stdout], slurmTasks.slice(1, 3));
  t.deepEqual(states(two, slurmTasks.slice(1, 3)), ['ended COMPLETED exit 0', 'ended FAILED exit 5']);
});

test('slurm: asked about the array id (older capture), folded pending tasks still count for each task', (t) => {
  const a = fs.readFileSync(path.join(capturedDir, 'slurm-sbatch-parsable-array.txt'), 'utf8').trim();
  const wanted = [1, 2, 3].map((k) => `${a}_${k}`);
  const map = slurm.parseStatus([`${fs.readFileSync(path.join(capturedDir, 'slurm-squeue-array-submitted.txt'), 'utf8')}\nxpr-rc=0\n`, ''], wanted);
  t.deepEqual(states(map, wanted), ['running RUNNING', 'queued PENDING', 'queued PENDING']);
});

test('slurm: the array id from sbatch, and a task id read back from a job dir', (t) => {
  t.is(slurm.parseSubmitOutput(cap('slurm-sbatch-array4.txt').stdout), ids.A);
  t.is(slurm.parseSubmitOutput(`${ids.A}_3\n`), `${ids.A}_3`);
  t.deepEqual(slurm.cancelArgv([`${ids.A}_3`]), ['scancel', `${ids.A}_3`]);
});

test('sge: qacct runs once per array, not once per task', (t) => {
  const argvs = sge.statusArgvs(sgeTasks);
  t.deepEqual(argvs[1]!.slice(4), [ids.GA]);
});

test('sge: running and pending tasks (`<tasks>3,4</tasks>`) each get their state from qstat -xml', (t) => {
  const map = sge.parseStatus([asWrapped(cap('sge-qstat-xml-running.txt')), ''], sgeTasks);
  t.deepEqual(states(map, sgeTasks), ['running r', 'running r', 'queued qw', 'queued qw']);
});

test('sge: qdel of one task (`<id>.<task>`) leaves the others; tasks qstat no longer lists are absent while the array lives', (t) => {
  t.regex(cap('sge-qdel-task.txt').stdout, new RegExp(`job-array task ${ids.GA}\\.4`));
  t.deepEqual(sge.cancelArgv([`${ids.GA}.4`]), ['qdel', `${ids.GA}.4`]);
  const map = sge.parseStatus([asWrapped(cap('sge-qstat-xml-after-qdel.txt')), ''], sgeTasks);
  t.deepEqual(states(map, sgeTasks), [undefined, 'running r', 'running r', undefined], 'deleted tasks 1 (running) and 4 (pending) are gone');
});

test('sge: once the array left qstat, each task gets its own qacct record; a task deleted before it ran has none', (t) => {
  const empty = fs.readFileSync(path.join(capturedDir, 'sge-qstat-xml-empty.txt'), 'utf8');
  const map = sge.parseStatus([`${empty}\nxpr-rc=0\n`, cap('sge-qacct-array4.txt').stdout], sgeTasks);
  t.deepEqual(states(map, sgeTasks), ['ended finished exit 137', 'ended finished exit 0', 'ended finished exit 5', undefined]);
  t.regex(map.get(`${ids.GA}.1`)!.reason ?? '', /failed 100.*killed by signal 9/);
});

test('sge: the array number from qsub -terse, and a task id read back from a job dir', (t) => {
  t.is(sge.parseSubmitOutput(cap('sge-qsub-array4.txt').stdout), ids.GA);
  t.is(sge.parseSubmitOutput(`${ids.GA}.2\n`), `${ids.GA}.2`);
});

test('task ids and array submit argv per scheduler (Slurm from 0, SGE from 1, PBS from 0 and rerunnable)', (t) => {
  t.is(taskSchedulerId('slurm', '685', 4), '685_4');
  t.is(taskSchedulerId('sge', '32', 4), '32.4');
  t.is(taskSchedulerId('pbs', '1234[].pbs01', 4), '1234[4].pbs01');
  // The array's name on the command line: a rerun looks an interrupted array up by it.
  t.deepEqual(arraySubmitArgv('slurm', 'job.script.slurm', 5, 'r_array_x'), ['sbatch', '--parsable', '--job-name=r_array_x', '--array=0-4', 'job.script.slurm']);
  t.deepEqual(arraySubmitArgv('sge', 'job.script.sge', 5, 'r_array_x'), ['qsub', '-terse', '-N', 'r_array_x', '-t', '1-5', 'job.script.sge']);
  t.deepEqual(arraySubmitArgv('pbs', 'job.script.pbs', 5, 'r_array_x'), ['qsub', '-N', 'r_array_x', '-J', '0-4', '-r', 'y', 'job.script.pbs']);
  t.is(DEFAULT_MAX_ARRAY_SIZE.slurm, Number(/MaxArraySize\s*=\s*(\d+)/.exec(cap('slurm-scontrol-config-maxarraysize.txt').stdout)![1]));
});

const session = (over: Record<string, unknown> = {}) => ({ system: system(over), base: '/home/u/run_xpr/p1' }) as unknown as SystemSession;
const jobs = (n: number) => Array.from({ length: n }, (_, k) => ({ id: `relax_chunk_${k}_abcdefabcdef_wxyz`, jobDir: `/home/u/run_xpr/p1/j${k}`, argv: ['sbatch'] }));

test('a call is split into arrays of at most max_array_size; a lone leftover job is submitted plainly', (t) => {
  const { parts, single } = planArrays(session({ maxArraySize: 3 }), jobs(7));
  t.deepEqual(parts.map((p) => p.jobs.length), [3, 3]);
  t.deepEqual(single.map((j) => j.id), [jobs(7)[6]!.id]);
  t.regex(parts[0]!.name, /^relax_array_[A-Za-z0-9]{10}$/);
  t.not(parts[0]!.name, parts[1]!.name);
  t.is(parts[0]!.dirOnSystem, `/home/u/run_xpr/p1/_array/${parts[0]!.name}`);
  t.deepEqual(planArrays(session(), jobs(1002)).parts.map((p) => p.jobs.length), [1001], 'Slurm default 1001 (ids 0..1000), then one plain');
});

test('refusals of arrays themselves are told apart from other submit errors (real messages)', (t) => {
  const big = cap('slurm-sbatch-array-too-large.txt');
  t.is(big.rc, 1);
  t.true(isArrayRefusal(big.stderr));
  t.true(isArrayRefusal(cap('sge-qsub-array-too-large.txt').stdout + cap('sge-qsub-array-too-large.txt').stderr));
  t.false(isArrayRefusal('sbatch: error: Batch job submission failed: Invalid partition name specified'));
  t.false(isArrayRefusal('Unable to run job: Job was rejected because job requests unknown queue "foo".'));
});

test('the array script carries the jobs\' header under the array\'s name; its output goes to each job dir instead', (t) => {
  const s = session();
  const part = planArrays(s, jobs(2)).parts[0]!;
  const text = renderArrayScript({ ...s, scheduler: slurm } as SystemSession, part, { asked: true, fit: fit({ numNodes: 1, numCores: 4, numCoresPerNode: 16 }), headerExtra: ['#SBATCH --qos=short'], envHeaderExtra: [], fresh: new Set() });
  t.regex(text, new RegExp(`^#SBATCH --job-name=${part.name}$`, 'm'));
  t.regex(text, /^#SBATCH --qos=short$/m);
  t.regex(text, /^#SBATCH --output=\/dev\/null$/m);
  t.regex(text, /SLURM_ARRAY_TASK_ID/);
});

test('a task runs the job script of its own job dir, found by its index (real bash)', (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-array-'));
  try {
    const dirs = ['a', 'b', 'c'].map((d) => path.join(base, d));
    for (const d of dirs) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'job.script.sge'), '#!/bin/bash\necho "ran in $PWD"; echo err >&2\n', { mode: 0o700 });
    }
    fs.writeFileSync(path.join(base, 'jobs'), dirs.map((d) => `${d}\n`).join(''));
    const body = arrayTaskBody('sge', { first: 1, dirOnSystem: base }, 'job.script.sge');
    execFileSync('bash', ['-c', body], { env: { ...process.env, SGE_TASK_ID: '2' } });
    t.is(fs.readFileSync(path.join(dirs[1]!, '_xpr_sched.out'), 'utf8'), `ran in ${dirs[1]}\n`);
    t.is(fs.readFileSync(path.join(dirs[1]!, '_xpr_sched.err'), 'utf8'), 'err\n');
    t.false(fs.existsSync(path.join(dirs[0]!, '_xpr_sched.out')));
    t.throws(() => execFileSync('bash', ['-c', body], { env: { ...process.env, SGE_TASK_ID: '9' }, stdio: 'ignore' }), undefined, 'no such task: fails');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('config: `arrays` and `max_array_size` per system, and RemoteInfo `job_array`, are checked with what was expected', async (t) => {
  const { validateSystem } = await import('../../../src/config/validate.ts');
  const { normalizeRemoteInfo } = await import('../../../src/routing/remote-info.ts');
  const check = (extra: Record<string, unknown>) => {
    const problems: Array<{ path: string; message: string }> = [];
    const origins = { fileOf: () => 'config.json', lastFileUnder: () => 'config.json' };
    const sys = validateSystem('c', { host: 'h', scheduler: 'slurm', partitions: { p: { num_cores: 2, max_time: null, max_mem: null } }, ...extra },
      { origins, problems, env: {}, homeDir: '/home/u' } as never);
    return { sys, problems };
  };
  const ok = check({ arrays: true, max_array_size: 500 });
  t.is(ok.sys?.arrays, true);
  t.is(ok.sys?.maxArraySize, 500);
  t.is(check({}).sys?.arrays, undefined, 'off unless asked');
  t.regex(check({ arrays: 'yes' }).problems.map((p) => `${p.path}: ${p.message}`).join('\n'), /systems\.c\.arrays: expected true or false/);
  t.regex(check({ max_array_size: 0 }).problems.map((p) => `${p.path}: ${p.message}`).join('\n'), /max_array_size: expected a whole number >= 1/);
  const base = { sys_name: 's', job_name: 'j', resources: { num_cores: 1, max_time: '1h' } };
  t.is(normalizeRemoteInfo({ ...base, job_array: false }, 'info').job_array, false);
  t.is(normalizeRemoteInfo(base, 'info').job_array, undefined);
  t.throws(() => normalizeRemoteInfo({ ...base, job_array: 1 }, 'info'), { message: /info\.job_array: expected true or false/ });
});
