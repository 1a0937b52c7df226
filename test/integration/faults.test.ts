// Fault tests through the real sshd into real Slurm: a driver SIGKILLed at random moments and rerun, a kill between
// sbatch and the recording of its id, an sshd outage mid-run, two drivers at once, a result that shows up late,
// and a job killed by scancel. Slurm's accounting is the judge of duplicate submissions.
// (Walltime kills: remote-jobs.test.ts "walltime kills a job"; SGE qdel: "cancel removes a queued or running job".)
import test, { type ExecutionContext } from 'ava';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, hostname } from 'node:os';
import { prepareJob, startJobs, runJob, autoparallelize, type XprContext, type JobDefinition, type StartOptions } from '../../src/index.ts';
import { outcomeOf } from '../../src/job/remote-job.ts';
import { add } from '../fixtures/ops/basic.ts';
import { sleepsOnce } from '../fixtures/faults/ops.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';
import {
  killAndRerun, startDriver, parseOutput, wrongOrMissing, slurmSubmissions, countSubmissions, newTag, sleep, onCluster,
  OwnSshd, sbatchWrapper, partitions,
} from '../fixtures/faults/harness.ts';

// Realistic grace before "died" (the test projects default to 1 s).
const grace = { XPR_DIED_GRACE_S: '20' };

test('SIGKILL at random moments of a 50-job Slurm run, rerun until done: every result right, each job submitted once', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const tag = newTag();
  const n = 50;
  // One kill while starting up (claim, stage, submit), one later (submitting, polling or collecting).
  const killAt = [1500 + Math.random() * 2500, 3000 + Math.random() * 9000];
  const trial = await killAndRerun(p, ['slurm_ssh', tag, String(n), '0.5'], killAt, grace);
  t.log(`kills at ${trial.killTimesMs.map((ms) => Math.round(ms)).join(', ')} ms`);
  t.true(trial.final.done, trial.finalOut.slice(-2000));
  t.deepEqual(wrongOrMissing(trial.final, n), [], trial.final.notOk.join('\n'));
  await sleep(1000); // let slurmdbd catch up with the last records
  const counts = countSubmissions(slurmSubmissions(c, tag), n);
  t.deepEqual(counts, { submissions: n, duplicates: 0, neverSubmitted: 0 });
});

test('a driver killed between sbatch and the writing of the id file: the rerun finds the jobs by name, no second sbatch', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const hook = sbatchWrapper();
  const p = clusterProject(c, {
    slurm_hook: { host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', partitions, pre_submit_cmds: hook.preSubmit },
  });
  const tag = newTag();
  const n = 10;
  writeFileSync(join(hook.dir, 'hang'), '');
  const first = startDriver(p, ['slurm_hook', tag, String(n), '0.5'], grace);
  // Submissions run 8 at a time: the first 8 are accepted by Slurm and then held before their ids are written.
  const hung = (): string[] => readdirSync(hook.dir).filter((f) => f.startsWith('hung.'));
  for (let i = 0; i < 300 && hung().length < 8; i++) await sleep(100);
  t.is(hung().length, 8, 'eight sbatch calls succeeded and hang before returning');
  first.child.kill('SIGKILL');
  await first.done;
  rmSync(join(hook.dir, 'hang'));
  const accepted = new Map(hung().map((f) => [Number(f.slice(5)), readFileSync(join(hook.dir, f), 'utf8').trim()]));
  for (const pid of accepted.keys()) process.kill(pid, 'SIGKILL'); // the sleeping wrappers (started by this test)
  const inWindow = onCluster(c, `cd xpr-test-runs && for d in */${tag}_*; do [ -e "$d/.xpr_submitting" ] && [ ! -e "$d/_xpr_sched_id" ] && echo "$d"; done; true`);
  t.is(inWindow.trim().split('\n').filter(Boolean).length, 8, 'eight job dirs were left with the submit marker and no id');

  const second = await startDriver(p, ['slurm_hook', tag, String(n), '0.5'], grace).done;
  const out = parseOutput(second.out);
  t.deepEqual(wrongOrMissing(out, n), [], second.out.slice(-2000));
  const ctx = p.context();
  const recorded = new Set(ctx.store.list().map((r) => r.schedulerId));
  await ctx.close();
  for (const id of accepted.values()) t.true(recorded.has(id), `the job Slurm accepted as ${id} was adopted`);
  await sleep(1000);
  t.deepEqual(countSubmissions(slurmSubmissions(c, tag), n), { submissions: n, duplicates: 0, neverSubmitted: 0 });
});

test('sshd stopped and started again while jobs run: the run completes over a new connection', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const sshd = await OwnSshd.create(c);
  const p = clusterProject(c, { slurm_own: { host: sshd.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', partitions } });
  sshd.addTo(p, c);
  const ctx = p.context(grace);
  try {
    const tag = newTag();
    const prepared = await Promise.all(Array.from({ length: 12 }, (_, k) => prepareJob({ op: add, args: [k, 1000], name: `${tag}_${k}`, cwd: p.dir })));
    const started = await startJobs(ctx, prepared, { system: 'slurm_own', resources: { num_cores: 1, max_time: '10m' }, partialNode: true });
    const poller = await ctx.poller('slurm_own');
    const waiting = poller.wait(started.map((s) => s.row.id), { checkIntervalS: 1 });
    await sleep(1500);
    await sshd.stop();
    await sleep(5000);
    await sshd.start();
    const t0 = Date.now();
    const rows = await waiting;
    t.log(`all ended ${Date.now() - t0} ms after sshd came back (${poller.pollsRun} polls)`);
    t.deepEqual(rows.map((r) => outcomeOf(r)), Array.from({ length: 12 }, (_, k) => k + 1000));
    t.true(ctx.transportStats().slurm_own!.connectionsOpened >= 2, 'reconnected after the outage');
    await sleep(1000);
    t.deepEqual(countSubmissions(slurmSubmissions(c, tag), 12), { submissions: 12, duplicates: 0, neverSubmitted: 0 });
  } finally {
    await ctx.close();
    await sshd.stop();
  }
});

test('sshd dies while sbatch calls are in flight: the submit command is repeated after reconnecting and adopts them by name', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const sshd = await OwnSshd.create(c);
  const hook = sbatchWrapper();
  const p = clusterProject(c, {
    slurm_own: { host: sshd.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', partitions, pre_submit_cmds: hook.preSubmit },
  });
  sshd.addTo(p, c);
  const ctx = p.context(grace);
  try {
    const tag = newTag();
    const n = 10;
    const prepared = await Promise.all(Array.from({ length: n }, (_, k) => prepareJob({ op: add, args: [k, 1000], name: `${tag}_${k}`, cwd: p.dir })));
    writeFileSync(join(hook.dir, 'hang'), '');
    const starting = startJobs(ctx, prepared, { system: 'slurm_own', resources: { num_cores: 1, max_time: '10m' }, partialNode: true });
    const hung = (): string[] => readdirSync(hook.dir).filter((f) => f.startsWith('hung.'));
    for (let i = 0; i < 300 && hung().length < 8; i++) await sleep(100);
    t.is(hung().length, 8, 'eight sbatch calls were accepted and hang before their ids are written');
    const accepted = hung().map((f) => readFileSync(join(hook.dir, f), 'utf8').trim());
    rmSync(join(hook.dir, 'hang'));
    await sshd.stop(); // kills the session and everything it ran, the hung sbatch wrappers included
    await sshd.start();
    const started = await starting;
    const recorded = new Set(started.map((s) => s.row.schedulerId));
    for (const id of accepted) t.true(recorded.has(id), `the job Slurm accepted as ${id} was adopted`);
    const poller = await ctx.poller('slurm_own');
    const rows = await poller.wait(started.map((s) => s.row.id), { checkIntervalS: 1 });
    t.deepEqual(rows.map((r) => outcomeOf(r)), Array.from({ length: n }, (_, k) => k + 1000));
    await sleep(1000);
    t.deepEqual(countSubmissions(slurmSubmissions(c, tag), n), { submissions: n, duplicates: 0, neverSubmitted: 0 });
  } finally {
    await ctx.close();
    await sshd.stop();
  }
});

test('two drivers on the same script at once: both get every result, each job is submitted once', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const tag = newTag();
  const n = 20;
  const [a, b] = await Promise.all([0, 1].map(() => startDriver(p, ['slurm_ssh', tag, String(n), '0.5'], grace).done));
  for (const run of [a!, b!]) {
    t.is(run.code, 0, run.out.slice(-2000));
    t.deepEqual(wrongOrMissing(parseOutput(run.out), n), [], run.out.slice(-2000));
  }
  await sleep(1000);
  t.deepEqual(countSubmissions(slurmSubmissions(c, tag), n), { submissions: n, duplicates: 0, neverSubmitted: 0 });
});

// Driver A (context `a`) claims the job, then its staging fails (the run dir is read-only for a moment), so the job
// stays `created`; then it is leased as if A were still alive and staging. Returns the row and a way to "kill" A.
async function claimedNeverStaged(t: ExecutionContext, a: XprContext, def: JobDefinition, opts: StartOptions) {
  const session = await a.session(opts.system);
  await session.transport.exec(['chmod', '0500', session.base]);
  try {
    await t.throwsAsync(startJobs(a, [await prepareJob(def)], opts));
  } finally {
    await session.transport.exec(['chmod', '0700', session.base]);
  }
  const [row] = a.store.list();
  t.is(row!.state, 'created');
  t.true(a.store.takeOwnership(row!.id, `${hostname()}:${process.pid}:${Date.now()}`, () => true));
  return { row: row!, killDriver: () => t.true(a.store.takeOwnership(row!.id, `${hostname()}:2147483646:${Date.now()}`, () => true)) };
}

test('jobs a driver claimed but never staged are taken over by another driver waiting for them, once their lease is gone', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const opts = { system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true } as const;
  const tag = newTag();
  const a = p.context();
  const b = p.context();
  try {
    // A's lease holds, so B only attaches and waits.
    const { row, killDriver } = await claimedNeverStaged(t, a, { op: add, args: [20, 22], name: `${tag}_0`, cwd: p.dir }, opts);
    const waiting = runJob<number>({ op: add, args: [20, 22], name: `${tag}_0`, ...opts, checkIntervalS: 1, context: b });
    await sleep(2500);
    t.is(b.store.get(row.id)!.state, 'created', 'a live lease is respected');
    // A dies: its lease is stale, and B's poller stages and submits the job.
    killDriver();
    t.is(await waiting, 42);
    t.true(p.logLines.some((l) => /claimed but never staged/.test(l)), p.logLines.join(''));
    await sleep(1000);
    t.deepEqual(countSubmissions(slurmSubmissions(c, tag), 1), { submissions: 1, duplicates: 0, neverSubmitted: 0 });
  } finally {
    await a.close();
    await b.close();
  }
});

test('an unstaged job another driver cannot take over (its secret values died with the first driver) fails its waiter with the fix named', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const opts = { system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true } as const;
  const def = { op: add, args: [1, 1] as [number, number], name: `${newTag()}_0`, envVars: { TOKEN: 's3cret' }, secretEnvVars: ['TOKEN'] };
  const a = p.context();
  const b = p.context();
  try {
    const { row, killDriver } = await claimedNeverStaged(t, a, { ...def, cwd: p.dir }, opts);
    const waiting = runJob({ ...def, ...opts, checkIntervalS: 1, context: b, envVars: { TOKEN: 'other' } });
    await sleep(1500);
    // The first driver is gone: nobody can stage the job with its secret, so the waiter is told instead of hanging.
    killDriver();
    const err = await t.throwsAsync(waiting);
    t.is(err.name, 'JobAbandonedError');
    t.regex(err.message, new RegExp(`${row.id}.*secret env var values.*xpr rm -i ${row.id}`));
  } finally {
    await a.close();
    await b.close();
  }
});

test('a job whose result file shows up seconds after it ended is not declared died', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context({ XPR_DIED_GRACE_S: '15' });
  try {
    // What a slow shared filesystem looks like from the login node: the exit file is there, the result not yet.
    const postCmds = ["mv _xpr_result .late_result && { setsid sh -c 'sleep 6; mv .late_result _xpr_result' </dev/null >/dev/null 2>&1 & }"];
    const job = runJob({ op: add, args: [40, 2], name: newTag(), postCmds, system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true, checkIntervalS: 1, context: ctx });
    t.is(await job, 42);
    const row = ctx.store.list()[0]!;
    t.false(ctx.store.events(row.id).some((e) => e.toState === 'died'), 'never recorded as died');
  } finally {
    await ctx.close();
  }
});

test('a job killed with scancel dies with the queue reason, and resubmit_killed_jobs runs it again', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context({ XPR_DIED_GRACE_S: '2' });
  const marks = mkdtempSync(join(tmpdir(), 'xpr-fault-marks-'));
  chmodSync(marks, 0o777); // the job runs as the cluster user
  const marker = join(marks, 'm1');
  try {
    const remoteInfo = {
      sys_name: 'slurm_ssh', job_name: newTag(), resources: { num_cores: 1, max_time: '10m' }, partial_node: true,
      num_inputs_per_queued_job: 1, check_interval: 1, resubmit_killed_jobs: true,
    };
    const running = autoparallelize(sleepsOnce, [marker], { context: ctx, remoteInfo, progress: 'silent' });
    let victim: string | null = null;
    for (let i = 0; i < 300 && !victim; i++) {
      await sleep(200);
      if (existsSync(marker)) victim = ctx.store.list().find((r) => r.schedulerId && r.state !== 'succeeded')?.schedulerId ?? null;
    }
    t.truthy(victim, 'the job started');
    onCluster(c, `scancel ${victim}`);
    t.deepEqual([...(await running)], [`ok:${marker}`]);
    const died = ctx.store.list().find((r) => r.schedulerId === victim)!;
    t.is(died.state === 'processed' || died.state === 'died' ? 'died-or-processed' : died.state, 'died-or-processed');
    t.regex(died.reason ?? '', /CANCELLED/);
    t.true(p.logLines.some((l) => /resubmitting 1 item/.test(l)), p.logLines.join(''));
    t.is(ctx.store.list().length, 2, 'one resubmitted job');
  } finally {
    await ctx.close();
  }
});

