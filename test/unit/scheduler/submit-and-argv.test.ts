import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { SlurmScheduler } from '../../../src/scheduler/slurm.ts';
import { SgeScheduler } from '../../../src/scheduler/sge.ts';
import { PbsScheduler } from '../../../src/scheduler/pbs.ts';
import { SchedulerArgumentError, SchedulerOutputError } from '../../../src/scheduler/errors.ts';
import {
  schedulerEnvPrefixes, splitExitMarker, unsetSchedulerEnvLine, withExitMarker,
} from '../../../src/scheduler/common.ts';
import { quote, quoteArgv } from '../../../src/transport/quote.ts';
import { captured, fixture } from './_helpers.ts';

const slurm = new SlurmScheduler();
const sge = new SgeScheduler();
const pbs = new PbsScheduler();

function capturedStdout(name: string): string {
  const c = captured(name);
  if (!c) throw new Error(`test/cluster/captured/${name} is missing: run test/cluster/capture.sh`);
  return c.stdout;
}

test('sbatch --parsable output gives the job id (real captured output, and the "id;cluster" form)', (t) => {
  t.regex(slurm.parseSubmitOutput(capturedStdout('slurm-sbatch-parsable.txt')), /^\d+$/);
  t.regex(slurm.parseSubmitOutput(capturedStdout('slurm-sbatch-parsable-array.txt')), /^\d+$/);
  t.is(slurm.parseSubmitOutput('4242;testcluster\n'), '4242');
  t.is(slurm.parseSubmitOutput('sbatch: warning: something\n4242\n'), '4242');
  t.is(slurm.parseSubmitOutput('Submitted batch job 4242\n'), '4242');
});

test('qsub -terse output gives the job number, also for array jobs (real captured output)', (t) => {
  t.regex(sge.parseSubmitOutput(capturedStdout('sge-qsub-terse.txt')), /^\d+$/);
  const array = capturedStdout('sge-qsub-terse-array.txt');
  t.regex(array.trim(), /^\d+\.1-3:1$/);
  t.is(sge.parseSubmitOutput(array), array.trim().split('.')[0]!);
  t.is(sge.parseSubmitOutput('Your job 17 ("j.sh") has been submitted\n'), '17');
});

test('PBS qsub output is the id exactly as printed (documented outputs)', (t) => {
  t.is(pbs.parseSubmitOutput(fixture('pbs-qsub-alcf.txt')), '2152.edtb-01.mcp.alcf.anl.gov');
  t.is(pbs.parseSubmitOutput(fixture('pbs-qsub-expyre.txt')), '1805770.pbs01');
  t.is(pbs.parseSubmitOutput('123[].server\n'), '123[].server');
});

test('unreadable submit output is a SchedulerOutputError quoting the output and saying what was expected', (t) => {
  const cases: Array<[{ parseSubmitOutput(s: string): string }, string, RegExp]> = [
    [slurm, '', /no job id found.*expected one job id line such as "1234".*\(no output\)/],
    [slurm, 'sbatch: error: Batch job submission failed: Invalid partition name specified\n', /no job id found.*Invalid partition name/],
    [slurm, '12\n13\n', /2 different job ids found/],
    [sge, 'Unable to run job: denied: host "vm" is no submit host.\nExiting.\n', /no job number found.*no submit host/],
    [sge, '12\n13.1-2:1\n', /2 different job numbers/],
    [pbs, 'qsub: Unknown queue\n', /no job id found.*Unknown queue/],
    [pbs, '1.a\n2.a\n', /2 different job ids/],
  ];
  for (const [backend, out, message] of cases) {
    const err = t.throws(() => backend.parseSubmitOutput(out), { instanceOf: SchedulerOutputError });
    t.regex(err!.message.replace(/\n/g, ' '), message);
    t.is((err as SchedulerOutputError).output, out);
  }
});

test('status commands: the id list is one quoted argument; every argv survives quoteArgv unchanged through sh', (t) => {
  const ids = ['101', '102_3', '103'];
  const [squeue, sacct] = slurm.statusArgvs(ids);
  t.deepEqual(squeue, withExitMarker(['squeue', '-h', '-t', 'all', '-o', '%i|%T|%r', '-j', '101,102_3,103']));
  t.deepEqual(sacct, ['sacct', '-n', '-P', '-o', 'JobID,State,ExitCode,Reason,Elapsed,TotalCPU,AllocCPUS,ReqMem,MaxRSS', '-j', '101,102_3,103']);
  t.true(quoteArgv(squeue!).includes(`${quote('%i|%T|%r')} -j 101,102_3,103`));
  t.deepEqual(sge.statusArgvs(['7', '8'])[0], withExitMarker(['qstat', '-xml']));
  t.deepEqual(sge.statusArgvs(['7', '8'])[1]!.slice(-3), ['sh', '7', '8']);
  t.deepEqual(pbs.statusArgvs(['1.s', '2.s'])[0], withExitMarker(['qstat', '-f', '-F', 'json', '-x', '1.s', '2.s'], { keepStderr: true }));
  for (const argv of [...slurm.statusArgvs(ids), ...sge.statusArgvs(ids), ...pbs.statusArgvs(ids)]) {
    // printf receives exactly the arguments argv holds, once quoteArgv's line has been through a real sh.
    const line = quoteArgv(['printf', '%s\\0', ...argv]);
    const r = spawnSync('sh', ['-c', line], { encoding: 'utf8' });
    t.deepEqual(r.stdout.split('\0').slice(0, -1), argv);
  }
  for (const backend of [slurm, sge, pbs]) t.deepEqual(backend.statusArgvs([]), []);
});

test('ids that would break an id list (comma, space, quote, $) are refused before any command is built', (t) => {
  for (const bad of ['1,2', '1 2', "1'", '$(rm -rf ~)', '']) {
    for (const backend of [slurm, sge, pbs]) {
      t.throws(() => backend.statusArgvs([bad]), { instanceOf: SchedulerArgumentError }, bad);
      t.throws(() => backend.cancelArgv([bad]), { instanceOf: SchedulerArgumentError }, bad);
    }
  }
});

test('cancel commands are scancel, qdel and qdel with the ids as separate arguments', (t) => {
  t.deepEqual(slurm.cancelArgv(['1', '2']), ['scancel', '1', '2']);
  t.deepEqual(sge.cancelArgv(['1', '2']), ['qdel', '1', '2']);
  t.deepEqual(pbs.cancelArgv(['1.s', '2.s']), ['qdel', '1.s', '2.s']);
});

test('the exit-code wrapper is a constant script: values arrive only as positional arguments', (t) => {
  const argv = withExitMarker(['echo', "it's $HOME"]);
  t.deepEqual(argv.slice(0, 2), ['sh', '-c']);
  t.deepEqual(argv.slice(3), ['sh', 'echo', "it's $HOME"]);
  t.false(argv[2]!.includes('HOME'));
  t.deepEqual(splitExitMarker('a\nb\n\nxpr-rc=3\n'), { text: 'a\nb\n', rc: 3 });
  t.deepEqual(splitExitMarker('xpr-rc=0\n'), { text: '', rc: 0 });
  t.deepEqual(splitExitMarker('no marker'), { text: 'no marker', rc: null });
});

test('WFL_SCHEDULER_IGNORE_ENV: the job\'s scheduler variables are dropped, the ones locating the scheduler are kept', (t) => {
  t.deepEqual(schedulerEnvPrefixes('slurm'), ['SLURM_']);
  t.deepEqual(schedulerEnvPrefixes('local'), []);
  const env = { PATH: process.env.PATH!, SLURM_JOB_ID: '5', SLURM_NTASKS: '4', SLURM_CONF: '/etc/slurm.conf', SLURMD: 'x', SGE_ROOT: '/sge', SGE_TASK_ID: '1', PBS_JOBID: '9', PBS_EXEC: '/pbs' };
  const out = execFileSync('bash', ['-c', `${unsetSchedulerEnvLine()}\nenv`], { env, encoding: 'utf8' });
  const names = out.split('\n').map((l) => l.split('=')[0]).filter((n) => n && /^(SLURM|SGE|PBS)/.test(n)).sort();
  t.deepEqual(names, ['PBS_EXEC', 'SGE_ROOT', 'SLURMD', 'SLURM_CONF']);
});
