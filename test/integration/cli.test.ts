// The xpr command line against real projects: jobs on the local queue and on the test cluster's Slurm through sshd
// (one of them still running), checked through the tables, --json, and what is left in the queue and on disk.
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { RemoteJob, runJob, dryRunScript, JobFailedError, type XprContext } from '../../src/index.ts';
import { prepareJob, startJobs } from '../../src/job/index.ts';
import { add, printsAndReturns, sleepThenReturn, throwsCustom } from '../fixtures/ops/basic.ts';
import { printsSlowly } from './fixtures/cli-ops.ts';
import { makeProject } from '../helpers/project.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';

const xpr = fileURLToPath(new URL('../../cli/xpr.mjs', import.meta.url));
const resumeScript = fileURLToPath(new URL('../fixtures/resume-script.ts', import.meta.url));
const basicOps = fileURLToPath(new URL('../fixtures/ops/basic.ts', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [xpr, ...args], { cwd, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const records = (r: Run): Array<Record<string, unknown>> => r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const ids = (r: Run): string[] => records(r).map((x) => x.id as string).sort();
const local = { system: 'local', resources: { num_cores: 1, max_time: 60 }, partialNode: true } as const;

// First in the file: the test process bundles the runner once (memoised) and the CLI bundles it again; both must
// see the same source for the scripts to be equal.
test('slurm: xpr script and dryRunScript print byte for byte the script a real submission wrote', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const env = { EXPYRE_HEADER_EXTRA: JSON.stringify(['#SBATCH --comment=from-env']) };
  const ctx = p.context(env);
  try {
    const job = { op: add, args: [3, 4], envVars: ['XPR_A=one two', 'XPR_B=${HOME}/x'], preCmds: ['echo pre'], postCmds: ['echo post'], cwd: p.dir };
    const resources = { num_cores: 1, max_time: '7m' };
    const [started] = await startJobs(ctx, [await prepareJob(job)], { system: 'slurm_ssh', resources, partialNode: true, headerExtra: ['#SBATCH --comment={id}'] });
    const row = started!.row;
    const written = readFileSync(join(row.stageDir, 'job.script.slurm'), 'utf8');
    const args = [
      'script', 'slurm_ssh', '--resources', JSON.stringify(resources), '--partial-node', '--job-id', row.id,
      '--env', 'XPR_A=one two', '--env', 'XPR_B=${HOME}/x', '--pre-cmd', 'echo pre', '--post-cmd', 'echo post', '--header-extra', '#SBATCH --comment={id}',
    ];
    const cli = await run(args, p.dir, { ...p.env, ...env });
    t.is(cli.code, 0, cli.stderr);
    t.is(cli.stdout, written);
    t.regex(cli.stderr, /partition debug, 1 node\(s\), 1 core\(s\).*sbatch --parsable --job-name=\S+ job\.script\.slurm/);
    const api = await dryRunScript(ctx, {
      system: 'slurm_ssh', resources, partialNode: true, jobId: row.id, envVars: job.envVars, preCmds: job.preCmds, postCmds: job.postCmds,
      headerExtra: ['#SBATCH --comment={id}'],
    });
    t.is(api.text, written);
    t.is(api.jobDir, row.runDir);
    t.deepEqual(api.submitArgv, row.details.submitArgv);
    const kv = await run(['script', 'slurm_ssh', '--resources', 'num_cores=1,max_time=7m', '--partial-node'], p.dir, p.env);
    t.regex(kv.stdout, /^#!\/bin\/bash\n#SBATCH --job-name=job_DRYRUN\n#SBATCH --time=0:07:00/);
    const tooBig = await run(['script', 'slurm_ssh', '--resources', 'num_cores=999,max_time=7m'], p.dir, p.env);
    t.is(tooBig.code, 1);
    t.regex(tooBig.stderr, /debug/, 'a request no partition can take names the partitions');
  } finally {
    await ctx.close();
  }
});

test('ls, show, logs and rm on a local project; bad input exits 2 (usage) or 1 (unknown job) with a message, never a trace', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: add, args: [1, 2], ...local, context: ctx });
  const [row] = ctx.store.list();
  await ctx.close();
  const ls = await run(['ls', '--json'], p.dir, p.env);
  t.is(ls.code, 0, ls.stderr);
  t.like(records(ls)[0], { id: row!.id, name: 'add', system: 'local', state: 'succeeded', partition: 'local', numCores: 1 });
  t.true(typeof records(ls)[0]!.durationS === 'number');
  const table = await run(['ls'], p.dir, p.env);
  t.regex(table.stdout.split('\n')[0]!, /^id\s+name\s+system\s+status\s+queue id\s+age\s+duration\s*$/);
  t.regex(table.stdout, new RegExp(`${row!.id}\\s+add\\s+local\\s+succeeded`));
  t.notRegex(table.stdout, /\u001b\[/, 'no colour codes when not on a terminal');
  const long = await run(['ls', '-l'], p.dir, p.env);
  t.regex(long.stdout, /stage dir/);
  t.true(long.stdout.includes(row!.stageDir));
  const show = await run(['show', row!.id], p.dir, p.env);
  t.regex(show.stdout, /history:[\s\S]*created → staged[\s\S]*→ succeeded/);
  t.regex(show.stdout, /job script: .*job\.script\.local\n {2}#!\/bin\/bash/);
  t.regex(show.stdout, /"numCores": 1/, 'the spec is shown');
  const showJson = JSON.parse((await run(['show', row!.id, '--json'], p.dir, p.env)).stdout) as { events: unknown[]; script: string };
  t.true(showJson.events.length >= 4);
  t.regex(showJson.script, /XPR_JOB_ID=/);
  const missing = await run(['show', 'no_such_job'], p.dir, p.env);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no job no_such_job/);
  t.notRegex(missing.stderr, /at .*\.ts:\d+/, 'no stack trace for a user error');
  const badState = await run(['ls', '--state', 'bogus'], p.dir, p.env);
  t.is(badState.code, 2);
  t.regex(badState.stderr, /unknown state "bogus"/);
  const badOption = await run(['ls', '--bogus'], p.dir, p.env);
  t.is(badOption.code, 2);
  t.regex(badOption.stderr, /unknown option '--bogus'/);
  const bare = await run(['rm', '--yes'], p.dir, p.env);
  t.is(bare.code, 2, 'a bare rm is refused');
  t.regex(bare.stderr, /needs a filter/);
  const noYes = await run(['rm', '-s', 'succeeded'], p.dir, p.env);
  t.is(noYes.code, 2, 'rm refuses without --yes when stdin is not a terminal');
  t.regex(noYes.stderr, /--yes/);
  const dry = await run(['rm', '-s', 'succeeded', '-c', '--dry-run'], p.dir, p.env);
  t.regex(dry.stdout, new RegExp(`would remove 1 job[\\s\\S]*${row!.id}`));
  t.is(p.stageDirs().length, 1, 'a dry run removes nothing');
  const rm = await run(['rm', '-s', 'succeeded', '-c', '--yes'], p.dir, p.env);
  t.is(rm.code, 0, rm.stderr);
  t.regex(rm.stdout, /removed 1 job\(s\) and their files/);
  t.is(p.stageDirs().length, 0, 'its files are gone');
  t.is((await run(['ls', '--json'], p.dir, p.env)).stdout.trim(), '');
});

test('rm on jobs of a system no longer in the config: ended ones lose their local files, live ones are refused with the way out', async (t) => {
  const mine = { host: null, scheduler: 'local', partitions: { q: { num_cores: 1, max_time: '1h', max_mem: null } } };
  const p = makeProject({ systems: { mine } });
  const ctx = p.context();
  const opts = { system: 'mine', resources: { num_cores: 1, max_time: 60 }, partialNode: true } as const;
  await runJob({ op: add, args: [5, 5], ...opts, context: ctx });
  const sleeper = await RemoteJob.create({ op: sleepThenReturn, args: [3000, 'x'] }, ctx);
  await sleeper.start(opts);
  const [done] = ctx.store.list({ states: ['succeeded'] });
  await ctx.close();
  writeFileSync(join(p.root, 'config.json'), JSON.stringify({ systems: {} }));
  const refused = await run(['rm', '-S', 'mine', '-s', 'live', '-c', '--yes'], p.dir, p.env);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /not in the config, so it cannot be cancelled.*xpr reset-status cancelled -i /);
  const rm = await run(['rm', '-i', done!.id, '-c', '--yes'], p.dir, p.env);
  t.is(rm.code, 0, rm.stderr);
  t.false(existsSync(done!.stageDir));
  t.deepEqual(ids(await run(['ls', '--json', '--long-output'], p.dir, p.env)), [sleeper.id!]);
});

test('--help works on every command and documents the exit codes', async (t) => {
  const p = makeProject();
  const top = await run(['--help'], p.dir, p.env);
  t.is(top.code, 0);
  t.regex(top.stdout, /Exit codes:[\s\S]*70/);
  for (const cmd of ['ls', 'show', 'logs', 'sync', 'cancel', 'rm', 'gc', 'config', 'script', 'doctor', 'reset-status', 'reset_status', 'db-unlock', 'db_unlock', 'demo']) {
    const h = await run([cmd, '--help'], p.dir, p.env);
    t.is(h.code, 0, `${cmd} --help`);
    t.regex(h.stdout, /Usage: xpr /, `${cmd} --help`);
  }
});

test('colour only on a terminal, and never with NO_COLOR', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: add, args: [2, 2], ...local, context: ctx });
  await ctx.close();
  // `script` gives the command a pseudo-terminal, as an interactive shell would.
  const onTty = (extra: NodeJS.ProcessEnv) => new Promise<string>((resolve, reject) => {
    execFile('script', ['-qec', `${process.execPath} ${xpr} ls`, '/dev/null'], { cwd: p.dir, env: { ...p.env, TERM: 'xterm', ...extra } }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  const env = { ...p.env };
  delete env.NO_COLOR;
  p.env = env;
  t.regex(await onTty({}), /\u001b\[32msucceeded/);
  t.notRegex(await onTty({ NO_COLOR: '1' }), /\u001b\[/);
});

test('rm asks on a terminal: "n" keeps the job (exit 1), "y" removes it', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: add, args: [3, 3], ...local, context: ctx });
  const [row] = ctx.store.list();
  await ctx.close();
  const answer = (reply: string) => new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('script', ['-qec', `${process.execPath} ${xpr} rm -i ${row!.id} -c`, '/dev/null'], { cwd: p.dir, env: { ...p.env, TERM: 'dumb' } });
    let out = '';
    let replied = false;
    // The answer is typed once; the terminal may close before the write lands (EPIPE), which is not the test's concern.
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!replied && out.includes('[y/N]')) {
        replied = true;
        child.stdin.write(`${reply}\n`);
      }
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
  const no = await answer('n');
  t.regex(no.out, /Remove 1 job\(s\), deleting their dirs here and on their systems\? \[y\/N\]/);
  t.is(no.code, 1);
  t.is(p.stageDirs().length, 1);
  const yes = await answer('y');
  t.is(yes.code, 0, yes.out);
  t.is(p.stageDirs().length, 0);
});

test('logs prints the job\'s output (and --tail the end of it); a bad --tail is refused naming the option', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: printsAndReturns, ...local, context: ctx });
  const [row] = ctx.store.list();
  await ctx.close();
  const logs = await run(['logs', row!.id], p.dir, p.env);
  t.regex(logs.stdout, /=== stdout .*\nhello on stdout/);
  t.regex(logs.stdout, /=== stderr .*\nhello on stderr/);
  const tail = await run(['logs', row!.id, '--tail', '8'], p.dir, p.env);
  t.notRegex(tail.stdout, /hello on/);
  const bad = await run(['logs', row!.id, '--tail', '-5'], p.dir, p.env);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--tail/);
});

test('cancel stops a running job; reset-status (and reset_status STATE) forces a state with a recorded event', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const job = await RemoteJob.create({ op: sleepThenReturn, args: [60_000, 'late'] }, ctx);
  await job.start({ ...local, resources: { num_cores: 1, max_time: 120 } });
  const id = job.id!;
  await ctx.close();
  t.is((await run(['cancel', '--yes'], p.dir, p.env)).code, 2, 'cancel needs a filter');
  const cancel = await run(['cancel', '--id', id, '--yes'], p.dir, p.env);
  t.is(cancel.code, 0, cancel.stderr);
  const after = p.context();
  t.is(after.store.get(id)!.state, 'cancelled');
  await after.close();
  const reset = await run(['reset-status', '--id', id, '--to', 'failed', '--yes'], p.dir, p.env);
  t.is(reset.code, 0, reset.stderr);
  const expyre = await run(['reset_status', 'died', '-i', id, '-y'], p.dir, p.env);
  t.is(expyre.code, 0, expyre.stderr);
  const again = p.context();
  t.is(again.store.get(id)!.state, 'died');
  t.deepEqual(again.store.events(id).slice(-2).map((e) => [e.toState, e.detail]), [['failed', 'reset by xpr reset-status'], ['died', 'reset by xpr reset-status']]);
  await again.close();
});

test('an empty filter value (an empty shell variable) is refused naming the option; rm, cancel and reset-status touch nothing', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: add, args: [4, 4], ...local, context: ctx });
  const [row] = ctx.store.list();
  await ctx.close();
  const cases: Array<[string[], RegExp]> = [
    [['rm', '-i', '', '-c', '--yes'], /-i\/--id: empty value ""/],
    [['rm', '-n', '', '-c', '--yes'], /-n\/--name: empty value/],
    [['rm', '-s', '', '-c', '--yes'], /-s\/--status: empty value/],
    [['rm', '-s', ',', '-c', '--yes'], /-s\/--status: empty value ","/],
    [['cancel', '-i', '', '--yes'], /-i\/--id: empty value/],
    [['reset-status', 'failed', '-S', '', '--yes'], /-S\/--system: empty value/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args, p.dir, p.env);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
  }
  const after = p.context();
  t.like(after.store.get(row!.id), { state: 'succeeded' }, 'the job is still there, unchanged');
  await after.close();
  t.is(p.stageDirs().length, 1, 'and so are its files');
});

test("ExPyRe's word orders: `reset_status -i ID started -y` and `reset_status died -i ID`; -i takes one id per flag", async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: add, args: [6, 6], ...local, context: ctx });
  await runJob({ op: add, args: [7, 7], ...local, context: ctx });
  const [a, b] = ctx.store.list();
  await ctx.close();
  const started = await run(['reset_status', '-i', a!.id, 'started', '-y'], p.dir, p.env);
  t.is(started.code, 0, started.stderr);
  t.regex(started.stdout, /1 job\(s\) now running/);
  const died = await run(['reset_status', 'died', '-i', a!.id, '-i', b!.id], p.dir, p.env);
  t.is(died.code, 2, 'no --yes without a terminal');
  const diedYes = await run(['reset_status', 'died', '-i', a!.id, '-i', b!.id, '-y'], p.dir, p.env);
  t.is(diedYes.code, 0, diedYes.stderr);
  const again = p.context();
  t.deepEqual([again.store.get(a!.id)!.state, again.store.get(b!.id)!.state], ['died', 'died']);
  await again.close();
});

test('logs --tail N --follow prints only the last N bytes first; a bad --interval is refused', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: printsAndReturns, ...local, context: ctx });
  const [row] = ctx.store.list();
  await ctx.close();
  const whole = await run(['logs', row!.id, '-f', '--interval', '0.1'], p.dir, p.env);
  t.is(whole.code, 0, whole.stderr);
  t.regex(whole.stdout, /hello on stdout\n$/);
  const tail = await run(['logs', row!.id, '--tail', '7', '-f', '--interval', '0.1'], p.dir, p.env);
  t.is(tail.code, 0, tail.stderr);
  t.is(tail.stdout, whole.stdout.slice(-7));
  t.is(tail.stderr, whole.stderr.slice(-7));
  const bad = await run(['logs', row!.id, '-f', '--interval', 'abc'], p.dir, p.env);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--interval.*positive number of seconds/);
});

test('cancel leaves a job a driver is submitting alone, says so and exits 1; the others are cancelled', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const claim = (id: string) => ctx.store.claim({ id, cacheKey: id, name: 'pending', system: 'local', stageDir: join(p.root, id), runDir: join(p.root, id), outputDir: p.root, envHash: '', details: {} }).row;
  const busy = claim('pending_busy_1');
  const free = claim('pending_free_2');
  const driver = `${hostname()}:${process.pid}:${Date.now()}`; // this test process stands for a driver mid-submission
  t.true(ctx.store.takeOwnership(busy.id, driver, () => false));
  await ctx.close();
  const r = await run(['cancel', '-n', 'pending', '--yes'], p.dir, p.env);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`${busy.id} is being submitted by ${driver}; left alone`));
  t.regex(r.stdout, /cancelled 1 job\(s\)/);
  const after = p.context();
  t.like(after.store.get(busy.id), { state: 'created', owner: driver });
  t.like(after.store.get(free.id), { state: 'cancelled', owner: null });
  await after.close();
});

test('script -r partitions=a,b (or repeated -r partitions=...) picks among the listed partitions', async (t) => {
  const p = makeProject();
  const list = await run(['script', 'local', '-r', 'num_cores=1,max_time=1m,partitions=nomatch,loc.*', '--partial-node', '--json'], p.dir, p.env);
  t.is(list.code, 0, list.stderr);
  t.like(JSON.parse(list.stdout), { fit: { partition: 'local' } });
  const repeated = await run(['script', 'local', '-r', 'partitions=nomatch', '-r', 'partitions=local', '-r', 'num_cores=1,max_time=1m', '--partial-node'], p.dir, p.env);
  t.is(repeated.code, 0, repeated.stderr);
  const none = await run(['script', 'local', '-r', 'num_cores=1,max_time=1m,partitions=nomatch,other', '--partial-node'], p.dir, p.env);
  t.is(none.code, 1);
  t.regex(none.stderr, /"nomatch", "other"|nomatch.*other/);
});

test('db-unlock removes a lock whose holder is gone, and refuses one whose holder is alive unless --force', async (t) => {
  const p = makeProject();
  const lockDir = join(p.root, 'xpr-jobs.sqlite.writelock');
  const none = await run(['db-unlock'], p.dir, p.env);
  t.regex(none.stdout, /no writer lock/);
  mkdirSync(lockDir);
  writeFileSync(join(lockDir, 'owner'), `${hostname()} ${process.pid}\n`);
  const refused = await run(['db_unlock'], p.dir, p.env);
  t.is(refused.code, 1);
  t.regex(refused.stderr, new RegExp(`held by ${hostname()} ${process.pid}.*--force`));
  t.true(existsSync(lockDir));
  const forced = await run(['db-unlock', '--force'], p.dir, p.env);
  t.is(forced.code, 0);
  t.false(existsSync(lockDir));
  mkdirSync(lockDir);
  writeFileSync(join(lockDir, 'owner'), `${hostname()} 2147483646\n`);
  const stale = await run(['db-unlock'], p.dir, p.env);
  t.is(stale.code, 0, stale.stderr);
  t.regex(stale.stdout, /removed the writer lock/);
  t.false(existsSync(lockDir));
});

test('the commands work while a driver script is waiting on a job in the same store', async (t) => {
  const p = makeProject();
  const driver = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), resumeScript, basicOps, 'sleepThenReturn', '15000'], { cwd: p.dir, env: p.env });
  let out = '';
  driver.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => driver.on('exit', resolve));
  try {
    let listed: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100 && !listed.some((r) => r.state === 'running'); i++) {
      await sleep(200);
      const ls = await run(['ls', '--json'], p.dir, p.env);
      t.is(ls.code, 0, ls.stderr);
      listed = records(ls);
    }
    t.is(listed.length, 1);
    const sync = await run(['sync'], p.dir, p.env);
    t.is(sync.code, 0, sync.stderr);
    t.regex(sync.stdout, /local: 1 job\(s\) checked/);
    const show = await run(['show', listed[0]!.id as string], p.dir, p.env);
    t.is(show.code, 0, show.stderr);
    t.is(await exited, 0, 'the driver finished normally');
    t.regex(out, /RESULT "resumed-value"/);
  } finally {
    if (driver.exitCode === null) driver.kill();
  }
});

test('rm -c of a job a driver is waiting for cancels it, and the driver stops with an error naming the job', async (t) => {
  const p = makeProject();
  const driver = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), resumeScript, basicOps, 'sleepThenReturn', '60000'], { cwd: p.dir, env: p.env });
  let err = '';
  driver.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => driver.on('exit', resolve));
  try {
    let listed: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100 && !listed.some((r) => r.state === 'running'); i++) {
      await sleep(200);
      listed = records(await run(['ls', '--json'], p.dir, p.env));
    }
    const id = listed[0]!.id as string;
    const rm = await run(['rm', '-c', '--yes', '-i', id], p.dir, p.env);
    t.is(rm.code, 0, rm.stderr);
    t.not(await exited, 0, 'the driver does not wait forever for a job that is gone');
    t.regex(err, new RegExp(`${id}.*removed from`));
  } finally {
    if (driver.exitCode === null) driver.kill();
  }
});

// ---- on the test cluster: Slurm through sshd ----

async function remoteExists(ctx: XprContext, system: string, path: string): Promise<boolean> {
  const s = await ctx.session(system);
  return (await s.transport.exec(['test', '-e', path])).code === 0;
}

// The scheduler ids squeue still lists as pending or running.
async function inQueue(ctx: XprContext, schedulerIds: string[]): Promise<string[]> {
  const s = await ctx.session('slurm_ssh');
  const res = await s.transport.exec(['squeue', '-h', '-t', 'PENDING,RUNNING', '-o', '%i']);
  const listed = new Set(res.stdout.toString().split('\n').map((l) => l.trim()));
  return schedulerIds.filter((id) => listed.has(id));
}

test('slurm: ls/sync/show/logs/cancel/rm/gc on a store with finished, failed and running jobs; rm -c leaves no job, no dir', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  const opts = { system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true, checkIntervalS: 1, context: ctx } as const;
  try {
    // All four go to the queue at once (other tests share it): the two short ones first, then the two sleepers.
    const start = async (op: Parameters<typeof RemoteJob.create>[0]) => (await RemoteJob.create(op, ctx)).start({ system: 'slurm_ssh', resources: opts.resources, partialNode: true });
    const talkerJob = await start({ op: printsAndReturns, name: 'talker' });
    const boomJob = await start({ op: throwsCustom, args: ['cli boom'], name: 'boom' });
    const sleeper = await start({ op: sleepThenReturn, args: [120_000, 'never'], name: 'sleeper' });
    const doomed = await start({ op: sleepThenReturn, args: [120_000, 'cancelled'], name: 'doomed' });
    t.is(await talkerJob.result({ checkIntervalS: 1 }), 'done');
    await t.throwsAsync(boomJob.result({ checkIntervalS: 1 }), { instanceOf: JobFailedError });
    const [boom, talker] = ctx.store.list({ states: ['succeeded', 'failed'] }).sort((a, b) => a.name.localeCompare(b.name));
    const s = sleeper.row!;
    const d = doomed.row!;
    t.like(boom, { name: 'boom', state: 'failed' });

    // sync brings the sleeper to running (one query per system each time); on a queue busy with other tests'
    // jobs it may still be pending after a while, which is as live as running for everything below
    let synced: Run | undefined;
    for (let i = 0; i < 40 && (i === 0 || ctx.store.get(s.id)!.state !== 'running'); i++) {
      synced = await run(['sync', '-n', 'sleeper', '--json'], p.dir, p.env);
      t.is(synced.code, 0, synced.stderr);
      if (ctx.store.get(s.id)!.state !== 'running') await sleep(500);
    }
    const sState = ctx.store.get(s.id)!.state;
    t.true(sState === 'running' || sState === 'queued', sState);
    t.like(records(synced!)[0], { system: 'slurm_ssh', checked: 1, error: null });

    const all = await run(['ls', '--json'], p.dir, p.env);
    t.deepEqual(ids(all), [boom!.id, d.id, s.id, talker!.id].sort());
    for (const r of records(all)) t.regex(String(r.schedulerId), /^\d+$/, 'every job has its Slurm id');
    t.like(records(all).find((r) => r.id === s.id), { state: sState, system: 'slurm_ssh', name: 'sleeper' });
    t.deepEqual(ids(await run(['ls', '-s', 'ongoing', '--json'], p.dir, p.env)), [d.id, s.id].sort());
    t.deepEqual(ids(await run(['ls', '-s', 'live', '--json'], p.dir, p.env)), [d.id, s.id].sort());
    if (sState === 'running') t.deepEqual(ids(await run(['ls', '-s', 'started', '--json'], p.dir, p.env)), [s.id], 'ExPyRe\'s "started" is running');
    t.deepEqual(ids(await run(['ls', '-s', 'failed,succeeded', '--json'], p.dir, p.env)), [boom!.id, talker!.id].sort());
    t.deepEqual(ids(await run(['ls', '-n', 'sleep.*', '--json'], p.dir, p.env)), [s.id]);
    t.deepEqual(ids(await run(['ls', '-n', 'sleep', '--json'], p.dir, p.env)), [], 'names are full-match regexps, as in ExPyRe');
    t.deepEqual(ids(await run(['ls', '-i', `${s.id.slice(0, 12)}.*`, '--json'], p.dir, p.env)), [s.id]);
    t.deepEqual(ids(await run(['ls', '-S', 'slurm_.*', '--newer-than', '1h', '--json'], p.dir, p.env)).length, 4);
    t.deepEqual(ids(await run(['ls', '--older-than', '1h', '--json'], p.dir, p.env)), []);

    const table = await run(['ls'], p.dir, p.env);
    const sleeperLine = table.stdout.split('\n').find((l) => l.startsWith(s.id))!;
    t.regex(sleeperLine, new RegExp(`^${s.id}\\s+sleeper\\s+slurm_ssh\\s+${sState}\\s+${s.schedulerId}\\s+\\d+(m\\d+)?s\\s+(\\d+(m\\d+)?s|-)`));
    t.regex(table.stdout, new RegExp(`${boom!.id}\\s+boom\\s+slurm_ssh\\s+failed`));
    t.regex(table.stdout, /4 job\(s\) in /);

    const showBoom = await run(['show', boom!.id], p.dir, p.env);
    t.regex(showBoom.stdout, /error:\n {2}Job .* failed: DftConvergenceError: cli boom/);
    t.regex(showBoom.stdout, new RegExp(`#SBATCH --job-name=${boom!.id}`), 'the job script is shown');
    t.regex(showBoom.stdout, /run dir: {4}slurm_ssh:\/.*xpr-test-runs/);

    // a succeeded remote job's logs are read from the system
    const logs = await run(['logs', talker!.id], p.dir, p.env);
    t.is(logs.code, 0, logs.stderr);
    t.regex(logs.stdout, /=== stdout \(slurm_ssh:.*\) ===\nhello on stdout/);

    // cancel: out of the queue, files kept; rm without -c then forgets it and keeps (and lists) its dirs
    const cancel = await run(['cancel', '-i', d.id, '--yes'], p.dir, p.env);
    t.is(cancel.code, 0, cancel.stderr);
    t.is(ctx.store.get(d.id)!.state, 'cancelled');
    const rmKeep = await run(['rm', '-i', d.id, '--yes'], p.dir, p.env);
    t.is(rmKeep.code, 0, rmKeep.stderr);
    t.true(rmKeep.stdout.includes(`slurm_ssh:${d.runDir}`));
    t.true(await remoteExists(ctx, 'slurm_ssh', d.runDir), 'without -c the remote dir stays');
    t.true(existsSync(d.stageDir));

    // rm -c on the running job: cancelled in Slurm, remote and local dirs gone, row gone
    t.true(await remoteExists(ctx, 'slurm_ssh', s.runDir));
    const rm = await run(['rm', '-i', s.id, '-c', '--yes'], p.dir, p.env);
    t.is(rm.code, 0, rm.stderr);
    t.regex(rm.stdout, /removed 1 job\(s\) \(1 cancelled first\) and their files/);
    let left = [s.schedulerId!, d.schedulerId!];
    for (let i = 0; i < 20 && (left = await inQueue(ctx, left)).length; i++) await sleep(500);
    t.deepEqual(left, [], 'no job left pending or running in Slurm');
    t.false(await remoteExists(ctx, 'slurm_ssh', s.runDir), 'the remote job dir is gone');
    t.false(existsSync(s.stageDir), 'the local stage dir is gone');
    t.is(ctx.store.get(s.id), undefined);

    // gc: only old enough failed/processed/cleaned/cancelled jobs, with their files
    t.regex((await run(['gc', '--older-than', '1h', '--yes'], p.dir, p.env)).stdout, /^no .* jobs unchanged/);
    const gcDry = await run(['gc', '--older-than', '0s', '--dry-run'], p.dir, p.env);
    t.regex(gcDry.stdout, new RegExp(`would delete 1 job[\\s\\S]*${boom!.id}  failed`));
    const gc = await run(['gc', '--older-than', '0s', '--yes'], p.dir, p.env);
    t.is(gc.code, 0, gc.stderr);
    t.false(await remoteExists(ctx, 'slurm_ssh', boom!.runDir));
    t.false(existsSync(boom!.stageDir));
    t.deepEqual(ctx.store.list().map((r) => r.id), [talker!.id]);

    // config, reset-status and db-unlock on this same store and config
    const config = await run(['config', '--json'], p.dir, p.env);
    t.is(config.code, 0, config.stderr);
    t.true(JSON.stringify(JSON.parse(config.stdout)).includes('"slurm_ssh"'));
    const reset = await run(['reset_status', '-i', talker!.id, 'died', '-y'], p.dir, p.env);
    t.is(reset.code, 0, reset.stderr);
    t.is(ctx.store.get(talker!.id)!.state, 'died');
    t.is(ctx.store.events(talker!.id).at(-1)!.toState, 'died', 'the forced state is in the history');
    const unlock = await run(['db-unlock'], p.dir, p.env);
    t.is(unlock.code, 0, unlock.stderr);
    t.deepEqual(ctx.store.list().map((r) => r.id), [talker!.id], 'no row lost');
  } finally {
    await ctx.close();
  }
});

test('slurm: logs --follow prints output as the running job writes it and stops when it ends', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const job = await RemoteJob.create({ op: printsSlowly, args: [4, 700], name: 'ticker' }, ctx);
    await job.start({ system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true });
    const follow = await run(['logs', job.id!, '--follow', '--interval', '0.3'], p.dir, p.env);
    t.is(follow.code, 0, follow.stderr);
    t.is(follow.stdout, 'tick 0\ntick 1\ntick 2\ntick 3\n');
  } finally {
    await ctx.close();
  }
});

test('doctor: passes on a working Slurm system, names what to fix on broken ones and exits 1', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const part = { debug: { num_cores: 1, max_time: null, max_mem: '1GB' } };
  const p = clusterProject(c, {
    no_node: { host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', node_cmd: '/nonexistent/node', partitions: part },
    no_path: { host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', pre_submit_cmds: ['PATH=/nonexistent'], partitions: part },
    no_rundir: { host: c.alias, scheduler: 'slurm', rundir: '/proc/xpr-cannot-write', partitions: part },
  });
  const good = await run(['doctor', 'slurm_ssh'], p.dir, p.env);
  t.is(good.code, 0, good.stdout + good.stderr);
  t.regex(good.stdout, /ok +slurm_ssh: scheduler commands: found sbatch, squeue, scancel, sacct/);
  t.regex(good.stdout, /ok +slurm_ssh: node: node is v\d+/);
  t.regex(good.stdout, /ok +slurm_ssh: rundir: .* is writable/);
  const bad = await run(['doctor', 'no_node', 'no_path', 'no_rundir', 'nowhere', '--json'], p.dir, p.env);
  t.is(bad.code, 1);
  const checks = records(bad) as Array<{ system: string; check: string; ok: boolean; detail: string; fix?: string }>;
  const failed = (system: string, check: string) => checks.find((x) => x.system === system && x.check === check && !x.ok);
  t.regex(failed('no_node', 'node')?.fix ?? '', /node_cmd/);
  t.regex(failed('no_path', 'scheduler commands')?.detail ?? '', /sbatch, squeue, scancel/);
  t.regex(failed('no_path', 'scheduler commands')?.fix ?? '', /pre_submit_cmds/);
  t.regex(failed('no_rundir', 'connect')?.detail ?? '', /xpr-cannot-write/);
  t.regex(failed('nowhere', 'config')?.fix ?? '', /slurm_ssh/);
  t.true(checks.every((x) => x.ok || (x.fix ?? '') !== ''), 'every problem comes with a fix');
});

test('config shows the project root, the files read and where each system came from', async (t) => {
  const p = makeProject({ systems: { mine: { host: null, scheduler: 'local', partitions: { q: { num_cores: 1, max_time: '1h', max_mem: null } } } } });
  const text = await run(['config'], p.dir, p.env);
  t.is(text.code, 0, text.stderr);
  t.true(text.stdout.includes(`project root: ${p.root}`));
  t.regex(text.stdout, new RegExp(`mine\\s+local\\s+\\(this machine\\).*${join(p.root, 'config.json').replace(/[.]/g, '\\.')}`));
  t.regex(text.stdout, /local\s+local\s+\(this machine\).*\(built in\)/);
  const json = JSON.parse((await run(['config', '--json'], p.dir, p.env)).stdout) as { systems: Array<{ name: string; sources: string[] }> };
  t.deepEqual(json.systems.find((s) => s.name === 'mine')!.sources, [join(p.root, 'config.json')]);
});

test('a broken config: doctor lists every problem with the file and key to edit, other commands exit 1 with the list', async (t) => {
  const p = makeProject({ systems: { x: { host: 'a', scheduler: 'slurmm', partitions: { q: { num_cores: 0, max_time: '1h', max_mem: null } } } } });
  const doctor = await run(['doctor'], p.dir, p.env);
  t.is(doctor.code, 1);
  t.regex(doctor.stdout, /FAIL {2}\(config\): config: .*config\.json: systems\.x\.scheduler: expected one of .*"slurmm"/);
  t.regex(doctor.stdout, /fix: edit .*config\.json at systems\.x\.partitions\.q\.num_cores/);
  const ls = await run(['ls'], p.dir, p.env);
  t.is(ls.code, 1);
  t.regex(ls.stderr, /2 problems/);
  t.notRegex(ls.stderr, /at .*\.ts:\d+/);
});
