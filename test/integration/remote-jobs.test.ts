// The same job API through a real SSH server into real Slurm and Grid Engine queues, and into Slurm on this
// machine (host null), and through the user's OpenSSH with a remsh_cmd that has arguments (ExPyRe B8).
import test from 'ava';
import { RemoteJob, runJob, JobFailedError, JobDiedError } from '../../src/index.ts';
import { add, throwsCustom, envReport, sleepThenReturn } from '../fixtures/ops/basic.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';

const res = { num_cores: 1, max_time: '10m' };

for (const [system, needs] of [['slurm_ssh', 'slurm'], ['sge_ssh', 'sge'], ['slurm_here', 'slurm'], ['local_ssh', null], ['slurm_remsh', 'slurm']] as const) {
  test(`${system}: a job returns its value, a rerun attaches, errors carry the remote stack`, async (t) => {
    const c = clusterEnv(t, needs ? [needs] : []);
    if (!c) return;
    const p = clusterProject(c);
    const ctx = p.context();
    try {
      const opts = { system, resources: res, partialNode: true, checkIntervalS: 1, context: ctx } as const;
      t.is(await runJob({ op: add, args: [20, 22], ...opts }), 42);
      const again = await RemoteJob.create({ op: add, args: [20, 22] }, ctx);
      t.true(again.attached);
      const env = (await runJob({ op: envReport, envVars: { XPR_TEST_VAR: "quote'd $(x)" }, ...opts })) as Record<string, string>;
      t.is(env.XPR_TEST_VAR, "quote'd $(x)");
      t.is(env.EXPYRE_NUM_CORES, '1');
      const err = await t.throwsAsync(runJob({ op: throwsCustom, args: ['remote boom'], ...opts }), { instanceOf: JobFailedError });
      t.is(err.remoteName, 'DftConvergenceError');
      t.regex(err.remoteStack ?? '', /fixtures\/ops\/basic\.ts/);
      const stats = ctx.transportStats()[system]!;
      if (system !== 'slurm_here') t.is(stats.connectionsOpened, 1, 'one connection for everything');
    } finally {
      await ctx.close();
    }
  });
}

test('slurm_ssh: many jobs are staged in one transfer, submitted in one command, polled one command per interval', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const { prepareJob, startJobs } = await import('../../src/job/index.ts');
    const prepared = await Promise.all(Array.from({ length: 12 }, (_, k) => prepareJob({ op: add, args: [k, 1], cwd: p.dir })));
    const before = ctx.transportStats().slurm_ssh?.commandsRun ?? 0;
    const started = await startJobs(ctx, prepared, { system: 'slurm_ssh', resources: res, partialNode: true });
    const afterStart = ctx.transportStats().slurm_ssh!.commandsRun;
    // base dir (1) + stage (1) + submit (1)
    t.true(afterStart - before <= 3, `commands to start 12 jobs: ${afterStart - before}`);
    const poller = await ctx.poller('slurm_ssh');
    const rows = await poller.wait(started.map((s) => s.row.id), { checkIntervalS: 1 });
    t.true(rows.every((r) => r.state === 'succeeded'));
    const stats = ctx.transportStats().slurm_ssh!;
    // every poll is one status command, plus at most one fetch per poll
    t.true(stats.commandsRun - afterStart <= poller.pollsRun * 2, `${stats.commandsRun - afterStart} commands for ${poller.pollsRun} polls`);
    t.is(stats.connectionsOpened, 1);
  } finally {
    await ctx.close();
  }
});

test('slurm_ssh: walltime kills a job and it comes back as died with the queue reason', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const err = await t.throwsAsync(
      runJob({ op: sleepThenReturn, args: [300_000, 'late'], system: 'slurm_ssh', resources: { num_cores: 1, max_time: 60 }, partialNode: true, checkIntervalS: 2, context: ctx }),
      { instanceOf: JobDiedError },
    );
    t.regex(err.reason, /TIMEOUT/);
  } finally {
    await ctx.close();
  }
});

test('sge_ssh: cancel removes a queued or running job from the queue', async (t) => {
  const c = clusterEnv(t, ['sge']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const job = await RemoteJob.create({ op: sleepThenReturn, args: [120_000, 'never'] }, ctx);
    await job.start({ system: 'sge_ssh', resources: res, partialNode: true });
    await job.cancel();
    t.is(job.state, 'cancelled');
  } finally {
    await ctx.close();
  }
});

test('local_ssh: code files that vanished from the run dir (a scratch purge) are sent again before the next submit', async (t) => {
  const c = clusterEnv(t, []);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  try {
    const opts = { system: 'local_ssh', resources: res, partialNode: true, checkIntervalS: 1, context: ctx } as const;
    t.is(await runJob({ op: add, args: [1, 1], ...opts }), 2);
    const session = await ctx.session('local_ssh');
    const wiped = await session.transport.exec(['rm', '-rf', `${session.base}/_code`]);
    t.is(wiped.code, 0);
    t.is(await runJob({ op: add, args: [1, 2], ...opts }), 3, 'the runner and the bundle were staged again');
  } finally {
    await ctx.close();
  }
});
