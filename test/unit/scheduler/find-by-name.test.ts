// Finding a job in the queue by its name (the xpr job id), used after a crash between a submit and the recording of
// its scheduler id. Parsers are fed real output captured from the test cluster (test/cluster/captured/find-by-name/).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SlurmScheduler } from '../../../src/scheduler/slurm.ts';
import { SgeScheduler } from '../../../src/scheduler/sge.ts';
import { PbsScheduler } from '../../../src/scheduler/pbs.ts';
import { LocalScheduler } from '../../../src/scheduler/local.ts';
import { localQueueScript } from '../../../src/scheduler/index.ts';
import { quoteArgv } from '../../../src/transport/quote.ts';
import { capturedDir, fixture } from './_helpers.ts';

const dir = path.join(capturedDir, 'find-by-name');
const ids = Object.fromEntries(fs.readFileSync(path.join(dir, 'ids.env'), 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
const N = ids.N!;

// A captured command's output as withExitMarker() returns it: stdout, stderr folded in unless kept apart, exit code.
function wrapped(name: string, opts: { keepStderr?: boolean } = {}): string {
  const read = (f: string): string => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
  return `${read(name)}${opts.keepStderr ? '' : read(`${name}.stderr`)}\nxpr-rc=${read(`${name}.rc`).trim()}\n`;
}

const slurm = new SlurmScheduler();
const sge = new SgeScheduler();

test('slurm: a running job is found by squeue although sacct does not list it yet', (t) => {
  t.is(wrapped('slurm-sacct-name-running.txt').trim(), 'xpr-rc=0', 'the capture shows sacct lagging');
  const found = slurm.parseFindByName([wrapped('slurm-squeue-name-running.txt'), wrapped('slurm-sacct-name-running.txt')], `${N}-slurm`);
  t.deepEqual(found, { ids: [ids.SLURM_ID!], answered: true });
});

test('slurm: a completed job is found (squeue and sacct agree, counted once)', (t) => {
  const found = slurm.parseFindByName([wrapped('slurm-squeue-name-completed.txt'), wrapped('slurm-sacct-name-completed.txt')], `${N}-slurm`);
  t.deepEqual(found, { ids: [ids.SLURM_ID!], answered: true });
  const sacctOnly = slurm.parseFindByName(['\nxpr-rc=0\n', wrapped('slurm-sacct-name-completed.txt')], `${N}-slurm`);
  t.deepEqual(sacctOnly.ids, [ids.SLURM_ID!], 'squeue has forgotten it (MinJobAge): sacct still knows');
});

test('slurm: an unknown name is an answered "none"; sacct rows of another name are ignored', (t) => {
  t.deepEqual(slurm.parseFindByName([wrapped('slurm-squeue-name-unknown.txt'), wrapped('slurm-sacct-name-unknown.txt')], `${N}-never`), { ids: [], answered: true });
  t.deepEqual(slurm.parseFindByName(['\nxpr-rc=0\n', wrapped('slurm-sacct-name-completed.txt')], `${N}-other`).ids, []);
});

test('slurm: squeue failing (controller down) is "not answered", so nothing is resubmitted', (t) => {
  const down = fixture('slurm-status-squeue-no-config.txt');
  const found = slurm.parseFindByName([down, wrapped('slurm-sacct-name-unknown.txt')], `${N}-slurm`);
  t.false(found.answered);
  t.deepEqual(found.ids, []);
  t.regex(found.problem!, /squeue did not answer \(exit code 1/);
  t.false(slurm.parseFindByName([], 'x').answered, 'no output at all (the command never ran)');
});

test('slurm: the queries name the job exactly and survive quoting', (t) => {
  const argvs = slurm.findByNameArgvs('add_0123456789ab_wxyz');
  t.true(argvs.every((a) => a.includes('--name=add_0123456789ab_wxyz')));
  t.true(argvs[1]!.includes('now-30days'), 'sacct looks back further than today');
  t.throws(() => slurm.findByNameArgvs('a,b'), { message: /name/ });
  t.throws(() => slurm.findByNameArgvs('x y'), { message: /name/ });
});

test('sge: a running job is found in qstat -xml by JB_name; other jobs are not', (t) => {
  const found = sge.parseFindByName([wrapped('sge-qstat-xml-name-running.txt'), wrapped('sge-qacct-name-unknown.txt')], `${N}-sge`);
  t.deepEqual(found, { ids: [ids.SGE_ID!], answered: true });
  t.deepEqual(sge.parseFindByName([wrapped('sge-qstat-xml-name-running.txt'), wrapped('sge-qacct-name-unknown.txt')], `${N}-never`).ids, []);
});

test('sge: a finished job is found by qacct -j NAME; "job name not found" (exit 1) is an answered none', (t) => {
  const empty = wrapped('sge-qstat-xml-name-running.txt').replace(/<job_list[\s\S]*<\/job_list>/, '');
  t.deepEqual(sge.parseFindByName([empty, wrapped('sge-qacct-name-finished.txt')], `${N}-sge`), { ids: [ids.SGE_ID!], answered: true });
  t.deepEqual(sge.parseFindByName([empty, wrapped('sge-qacct-name-unknown.txt')], `${N}-sge`), { ids: [], answered: true });
});

test('sge: qstat failing is "not answered"', (t) => {
  const found = sge.parseFindByName([fixture('sge-status-qstat-no-cell.txt'), ''], 'x');
  t.false(found.answered);
  t.regex(found.problem!, /qstat did not answer/);
});

test('pbs: qselect -x -N prints ids as qsub does; a failure is "not answered"', (t) => {
  const pbs = new PbsScheduler();
  t.deepEqual(pbs.findByNameArgvs('add_x')[0]!.slice(-4), ['qselect', '-x', '-N', 'add_x']);
  const two = `${fixture('pbs-qsub-expyre.txt')}${fixture('pbs-qsub-expyre.txt').replace('1805770', '1805769')}\nxpr-rc=0\n`;
  t.deepEqual(pbs.parseFindByName([two], 'add_x'), { ids: ['1805769.pbs01', '1805770.pbs01'], answered: true }, 'oldest first');
  t.deepEqual(pbs.parseFindByName(['\nxpr-rc=0\n'], 'add_x'), { ids: [], answered: true });
  t.false(pbs.parseFindByName(['qselect: cannot connect to server\nxpr-rc=2\n'], 'add_x').answered);
});

test('local: a real local queue record is found by the name of its job dir', (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'xpr-find-'));
  const queueDir = path.join(root, 'queue');
  const script = path.join(root, localQueueScript().fileName);
  writeFileSync(script, localQueueScript().text);
  const jobDir = path.join(root, 'add_0123456789ab_wxyz');
  mkdirSync(jobDir);
  writeFileSync(path.join(jobDir, 'job.sh'), 'true\n');
  const local = new LocalScheduler({ queueDir, queueScriptPath: script, totalSlots: 1 });
  const run = (argv: string[]): string => execFileSync('bash', ['-c', quoteArgv(argv)], { encoding: 'utf8' });
  const before = local.parseFindByName(local.findByNameArgvs('add_0123456789ab_wxyz').map(run), 'add_0123456789ab_wxyz');
  t.deepEqual(before, { ids: [], answered: true }, 'no queue dir yet');
  const id = run(['bash', script, 'submit', queueDir, jobDir, 'job.sh', '1', '0', '1', 'o', 'e']).trim();
  const found = local.parseFindByName(local.findByNameArgvs('add_0123456789ab_wxyz').map(run), 'add_0123456789ab_wxyz');
  t.deepEqual(found, { ids: [id], answered: true });
  t.deepEqual(local.parseFindByName(local.findByNameArgvs('add_0123456789ab_other').map(run), 'x').ids, []);
});
