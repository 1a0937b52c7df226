// The whole job path on the built-in `local` system: bundle, codec, store, local queue, runner, collect.
import test from 'ava';
import { readFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteJob, runJob, JobFailedError, JobDiedError, JobCancelledError, JobStateError, WaitStoppedError } from '../../src/index.ts';
import { add, sleepThenReturn, throwsCustom, envReport, printsAndReturns, readInputWriteOutput, richValues, exitsHard, returnsUncodable, leavesTimerOpen } from '../fixtures/ops/basic.ts';
import { makeProject } from '../helpers/project.ts';
import { cancelJobs } from '../../src/job/index.ts';

// A process that exited but was not reaped (PID 1 of some containers never reaps) counts as gone.
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const oneCore = { system: 'local', resources: { num_cores: 1, max_time: '5m' }, partialNode: true } as const;

test('a job on the local system returns the op value, and a rerun attaches to it without a new job', async (t) => {
  const p = makeProject();
  const ctx1 = p.context();
  t.is(await runJob({ op: add, args: [2, 3], ...oneCore, context: ctx1 }), 5);
  await ctx1.close();
  const ctx2 = p.context();
  const job = await RemoteJob.create<number>({ op: add, args: [2, 3] }, ctx2);
  t.true(job.attached, 'found by cache key before start');
  await job.start(oneCore);
  t.is(await job.result(), 5);
  t.is(ctx2.store.list().length, 1);
  t.is(p.queueRecords().length, 1);
  t.deepEqual(ctx2.store.events(job.id!).map((e) => e.toState).slice(0, 3), ['created', 'staged', 'submitted']);
  await ctx2.close();
});

test('different arguments give different jobs', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const [a, b] = await Promise.all([runJob({ op: add, args: [1, 1], ...oneCore, context: ctx }), runJob({ op: add, args: [1, 2], ...oneCore, context: ctx })]);
  t.deepEqual([a, b], [2, 3]);
  t.is(ctx.store.list().length, 2);
  await ctx.close();
});

test('rich values round-trip through a job', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const v = (await runJob({ op: richValues, ...oneCore, context: ctx })) as Record<string, unknown>;
  t.is(v.big, 2n ** 70n);
  t.deepEqual(v.when, new Date(0));
  t.deepEqual(v.m, new Map([[1, 'a']]));
  t.true(v.f instanceof Float64Array);
  t.true('u' in v);
  await ctx.close();
});

test('a thrown error comes back as JobFailedError with the remote name, message, cause and the user file in the stack', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const err = await t.throwsAsync(runJob({ op: throwsCustom, args: ['no convergence'], ...oneCore, context: ctx }), { instanceOf: JobFailedError });
  t.is(err.remoteName, 'DftConvergenceError');
  t.is(err.remoteMessage, 'no convergence');
  t.regex(err.remoteStack ?? '', /test\/fixtures\/ops\/basic\.ts/);
  t.is((err.remoteError.cause as Error).message, 'SCF did not converge in 100 steps');
  t.is(ctx.store.get(err.jobId)!.state, 'failed');
  await ctx.close();
});

test('a failed job is not reused: a rerun creates a new job', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await t.throwsAsync(runJob({ op: throwsCustom, args: ['x'], ...oneCore, context: ctx }), { instanceOf: JobFailedError });
  await t.throwsAsync(runJob({ op: throwsCustom, args: ['x'], ...oneCore, context: ctx }), { instanceOf: JobFailedError });
  t.is(ctx.store.list().length, 2);
  await ctx.close();
});

test('stdout and stderr are captured; a hard exit comes back as JobDiedError with the exit code', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const job = await RemoteJob.create({ op: printsAndReturns }, ctx);
  await job.start(oneCore);
  t.is(await job.result(), 'done');
  t.is(readFileSync(join(job.row!.stageDir, '_xpr_stdout'), 'utf8'), 'hello on stdout\n');
  t.is(readFileSync(join(job.row!.stageDir, '_xpr_stderr'), 'utf8'), 'hello on stderr\n');
  const died = await t.throwsAsync(runJob({ op: exitsHard, ...oneCore, context: ctx }), { instanceOf: JobDiedError });
  t.regex(died.reason, /code 3/);
  await ctx.close();
});

test('env vars (with ${EXPYRE_*} references), pre_cmds and EXPYRE_NUM_* reach the op', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const env = (await runJob({
    op: envReport,
    envVars: { XPR_TEST_VAR: "it's $(not run)", XPR_TEST_EXPANDED: 'cores=${EXPYRE_NUM_CORES_PER_NODE}' },
    preCmds: ['export XPR_PRE_CMD=from-pre'],
    ...oneCore,
    context: ctx,
  })) as Record<string, string>;
  t.is(env.XPR_TEST_VAR, "it's $(not run)");
  t.is(env.EXPYRE_NUM_CORES, '1');
  t.is(env.EXPYRE_NUM_NODES, '1');
  t.regex(env.XPR_TEST_EXPANDED!, /^cores=\d+$/);
  t.is(env.XPR_PRE_CMD, 'from-pre');
  await ctx.close();
});

test('changing only env vars attaches to the old job and reports that the environment differs', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: envReport, envVars: { XPR_TEST_VAR: 'one' }, ...oneCore, context: ctx });
  const job = await RemoteJob.create({ op: envReport, envVars: { XPR_TEST_VAR: 'two' } }, ctx);
  await job.start(oneCore);
  t.true(job.attached);
  t.deepEqual(job.differences, ['env_vars']);
  t.true(p.logLines.some((l) => /attached to existing job .*env_vars/.test(l)));
  t.is(((await job.result()) as Record<string, string>).XPR_TEST_VAR, 'one');
  t.is(ctx.store.list().length, 1);
  await ctx.close();
});

test('input files are staged into the job and hashed; output files come back to the cwd', async (t) => {
  const p = makeProject();
  mkdirSync(join(p.dir, 'data'));
  writeFileSync(join(p.dir, 'data', 'in.txt'), 'hello\n');
  const ctx = p.context();
  const run = () => runJob({ op: readInputWriteOutput, inputFiles: ['data/*.txt'], outputFiles: ['out.txt'], ...oneCore, context: ctx });
  t.is(await run(), 'hello');
  t.is(readFileSync(join(p.dir, 'out.txt'), 'utf8'), 'HELLO\n');
  writeFileSync(join(p.dir, 'data', 'in.txt'), 'changed\n');
  t.is(await run(), 'changed', 'a changed input file gives a new job');
  t.is(ctx.store.list().length, 2);
  await ctx.close();
});

test('the job ends when the op returns, even with a timer left open, and outputs of slow post_cmds come back complete', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const started = Date.now();
  const value = await runJob({
    op: leavesTimerOpen, args: [7], postCmds: ['sleep 2', 'echo done > post.txt'], outputFiles: ['post.txt'], ...oneCore, context: ctx,
  });
  t.is(value, 7);
  t.is(readFileSync(join(p.dir, 'post.txt'), 'utf8'), 'done\n', 'the result waited for post_cmds');
  t.true(Date.now() - started < 60_000, 'the open timer did not hold the job');
  await ctx.close();
});

test('max_time is enforced: an op that runs too long dies with reason TIMEOUT', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const err = await t.throwsAsync(
    runJob({ op: sleepThenReturn, args: [60_000, 'late'], system: 'local', resources: { num_cores: 1, max_time: 2 }, partialNode: true, context: ctx }),
    { instanceOf: JobDiedError },
  );
  t.regex(err.reason, /TIMEOUT/);
  await ctx.close();
});

test('cancel kills the running job and its result is JobCancelledError', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const job = await RemoteJob.create({ op: sleepThenReturn, args: [60_000, 'never'] }, ctx);
  await job.start(oneCore);
  const waiting = job.result();
  await new Promise((r) => setTimeout(r, 1500));
  await job.cancel();
  await t.throwsAsync(waiting, { instanceOf: JobCancelledError });
  t.is(job.state, 'cancelled');
  const pidFile = join(p.root, 'xpr-local-queue', 'jobs', job.row!.schedulerId!, 'pid');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  await new Promise((r) => setTimeout(r, 500));
  t.false(isRunning(pid), 'the job process group is gone');
  await ctx.close();
});

test('cancel still stops a job whose queue process was killed, and cleaning a live job is refused', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const job = await RemoteJob.create({ op: sleepThenReturn, args: [60_000, 'never'] }, ctx);
  await job.start(oneCore);
  const d = join(p.root, 'xpr-local-queue', 'jobs', job.row!.schedulerId!);
  for (let i = 0; i < 100 && !existsSync(join(d, 'child')); i++) await new Promise((r) => setTimeout(r, 100));
  const child = Number(readFileSync(join(d, 'child'), 'utf8'));
  await t.throwsAsync(job.clean(), { instanceOf: JobStateError, message: /cancel them first/ });
  process.kill(Number(readFileSync(join(d, 'pid'), 'utf8')), 'SIGKILL'); // the queue's run process dies, the job runs on
  t.true(isRunning(child));
  await job.cancel();
  await new Promise((r) => setTimeout(r, 500));
  t.false(isRunning(child), 'the job itself is gone');
  await job.clean();
  t.is(job.state, 'cleaned');
  await ctx.close();
});

test('closing the context ends a pending wait with WaitStoppedError and leaves the job running', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const job = await RemoteJob.create({ op: sleepThenReturn, args: [60_000, 'never'] }, ctx);
  await job.start(oneCore);
  const waiting = job.result();
  await new Promise((r) => setTimeout(r, 300));
  await ctx.close();
  await t.throwsAsync(waiting, { instanceOf: WaitStoppedError });
  const again = p.context();
  t.true(['submitted', 'queued', 'running'].includes(again.store.get(job.id!)!.state), 'the job was left alone');
  await cancelJobs(again, [again.store.get(job.id!)!]);
  await again.close();
});

test('the local queue never runs more jobs than the system has cores', async (t) => {
  const p = makeProject({ systems: { two: { host: null, scheduler: 'local', partitions: { node: { num_cores: 2, max_time: null, max_mem: null } } } } });
  const ctx = p.context();
  const jobs = await Promise.all([0, 1, 2, 3, 4].map((k) => RemoteJob.create({ op: sleepThenReturn, args: [1500, k] }, ctx)));
  for (const j of jobs) await j.start({ system: 'two', resources: { num_cores: 1, max_time: '1m' }, partialNode: true });
  t.deepEqual(await Promise.all(jobs.map((j) => j.result())), [0, 1, 2, 3, 4]);
  const spans = jobs.map((j) => {
    const d = join(p.root, 'xpr-local-queue', 'jobs', j.row!.schedulerId!);
    return Number(readFileSync(join(d, 'started'), 'utf8'));
  });
  const maxAtOnce = Math.max(...spans.map((s) => spans.filter((o) => o === s).length));
  t.true(maxAtOnce <= 2, `started seconds: ${spans.join(',')}`);
  await ctx.close();
});

test('a result that cannot be encoded is a failure naming the path inside the result', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const err = await t.throwsAsync(runJob({ op: returnsUncodable, ...oneCore, context: ctx }), { instanceOf: JobFailedError });
  t.is(err.remoteName, 'UncodableValueError');
  t.regex(err.remoteMessage, /result\.value\.fn/);
  await ctx.close();
});
