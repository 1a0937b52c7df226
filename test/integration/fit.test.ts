// Fits as jobs through the real sshd into real Slurm, with stand-in gap_fit and julia executables
// (test/fixtures/fit/bin) that check their command lines strictly and write plausible potentials. Routing comes
// from WFL_EXPYRE_INFO keys and the legacy *_REMOTEINFO variables, as a user's unchanged fit script would see it.
import test from 'ava';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gapSimpleFit, gapMultistageFit, gapCommitteeFit, aceFit, runCommand, CommandJobError } from '../../src/fit/index.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';
import { GAP_PARAMS, ACE_PARAMS, TRAINING_XYZ, CORE_XML } from '../fixtures/fit/data.ts';

const BIN = fileURLToPath(new URL('../fixtures/fit/bin/', import.meta.url));

// A RemoteInfo for one fit job on Slurm: the stand-ins are staged from bin/ and put first on PATH.
const slurmInfo = (jobName: string, extra: Record<string, unknown> = {}) => ({
  sys_name: 'slurm_ssh', job_name: jobName, resources: { num_cores: 1, max_time: '10m' }, partial_node: true, check_interval: 1,
  input_files: ['bin/*'], pre_cmds: ['export PATH="$PWD/bin:$PATH"'], ...extra,
});

function fitProject(t: Parameters<typeof clusterEnv>[0]) {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return null;
  const p = clusterProject(c);
  mkdirSync(join(p.dir, 'bin'));
  for (const f of ['gap_fit', 'julia']) {
    copyFileSync(join(BIN, f), join(p.dir, 'bin', f));
    chmodSync(join(p.dir, 'bin', f), 0o755);
  }
  writeFileSync(join(p.dir, 'train.xyz'), TRAINING_XYZ);
  return p;
}

const stamps = (log: string) => ({
  start: Number(/fake gap_fit start (\d+)/.exec(log)![1]),
  end: Number(/fake gap_fit end (\d+)/.exec(log)![1]),
});

test('GAP simple fit routed by a WFL_EXPYRE_INFO key runs in Slurm, brings back XML + sparse files, and a rerun reuses the job', async (t) => {
  const p = fitProject(t);
  if (!p) return;
  // a core potential: core_ip_args with its core_param_file, staged into the run dir by input_files
  writeFileSync(join(p.dir, 'glue.xml'), CORE_XML);
  const info = { 'fit/gap.ts::gapSimpleFit': slurmInfo('gap_simple', { input_files: ['bin/*', 'glue.xml'] }) };
  const ctx = p.context({ WFL_EXPYRE_INFO: JSON.stringify(info) });
  try {
    const params = Object.freeze({ ...GAP_PARAMS, core_ip_args: 'IP Glue', core_param_file: 'glue.xml', gap_file: 'pots/Si.xml', e0: Object.freeze({ Si: -158.5 }) });
    const xml = await gapSimpleFit('train.xyz', params, { context: ctx });
    t.is(xml, join(p.dir, 'pots/Si.xml'));
    const sparse = readdirSync(join(p.dir, 'pots')).filter((f) => f.startsWith('Si.xml.sparseX.'));
    t.is(sparse.length, 2);
    const log = readFileSync(join(p.dir, 'pots/Si.xml.stdout'), 'utf8');
    t.regex(log, /OMP_NUM_THREADS=1\n/, 'OMP_NUM_THREADS defaults to ${EXPYRE_NUM_CORES_PER_NODE} in the job');
    t.regex(log, / core_ip_args="IP Glue" /);
    t.regex(readFileSync(xml, 'utf8'), /e0="\{Si:-158\.5\}"/, 'e0 per species, as gap_fit --help writes it');
    t.regex(readFileSync(xml, 'utf8'), /do_core="T"/);
    const jobs = ctx.store.list();
    t.is(jobs.length, 1);
    t.is(jobs[0]!.system, 'slurm_ssh');
    t.deepEqual(readdirSync(p.dir).sort(), ['.ssh', '_expyre', 'bin', 'glue.xml', 'pots', 'train.xyz'], 'nothing copied into the cwd');
    t.deepEqual(readdirSync(join(p.root, 'xpr-stage', '_command-out')), [], 'the exchange dir is emptied once outputs are delivered');

    // The potential is lost locally: rerunning the same fit reattaches to the finished job, no new submission.
    rmSync(join(p.dir, 'pots'), { recursive: true });
    const before = ctx.transportStats().slurm_ssh!.commandsRun;
    t.is(await gapSimpleFit('train.xyz', params, { context: ctx }), xml);
    t.is(ctx.store.list().length, 1, 'no new job');
    t.is(ctx.transportStats().slurm_ssh!.commandsRun, before, 'nothing sent to the cluster');
    t.is(readdirSync(join(p.dir, 'pots')).filter((f) => f.startsWith('Si.xml.sparseX.')).length, 2);
    t.true(p.logLines.some((l) => /reusing the existing job/.test(l)));
  } finally {
    await ctx.close();
  }
});

test('GAP committee members are submitted together and run concurrently in Slurm', async (t) => {
  const p = fitProject(t);
  if (!p) return;
  const info = { 'gap.ts::gapSimpleFit': slurmInfo('gap_committee', { env_vars: ['FAKE_GAP_FIT_SLEEP_MS=4000'] }) };
  const ctx = p.context({ WFL_EXPYRE_INFO: JSON.stringify(info) });
  try {
    const files = await gapCommitteeFit('train.xyz', { ...GAP_PARAMS, gap_file: 'Si.xml' }, { context: ctx, committeeSeeds: [11, 12] });
    t.deepEqual(files, [join(p.dir, 'Si.committee_0.xml'), join(p.dir, 'Si.committee_1.xml')]);
    t.regex(readFileSync(files[0]!, 'utf8'), /rnd_seed="11"/);
    t.regex(readFileSync(files[1]!, 'utf8'), /rnd_seed="12"/);
    const [a, b] = files.map((f) => stamps(readFileSync(`${f}.stdout`, 'utf8')));
    t.true(Math.max(a!.start, b!.start) < Math.min(a!.end, b!.end), `members overlap in time: ${JSON.stringify([a, b])}`);
    const jobs = ctx.store.list();
    t.is(jobs.length, 2);
    t.true(jobs.every((j) => j.name.startsWith('gap_committee_')));
  } finally {
    await ctx.close();
  }
});

test('GAP multistage: one job for all stages under its own key, one job per stage under the simple-fit key', async (t) => {
  const p = fitProject(t);
  if (!p) return;
  const stages = [GAP_PARAMS, { ...GAP_PARAMS, core_param_file: 'Si.stage_0.xml', core_ip_args: 'IP GAP' }];
  const whole = p.context({ WFL_EXPYRE_INFO: JSON.stringify({ 'gap.ts::gapMultistageFit': slurmInfo('gap_ms') }) });
  try {
    const r = await gapMultistageFit('train.xyz', stages, { context: whole, gapFile: 'one/Si.xml' });
    t.deepEqual(r.stageFiles, [join(p.dir, 'one/Si.stage_0.xml'), join(p.dir, 'one/Si.xml')]);
    t.regex(readFileSync(r.gapFile, 'utf8'), /do_core="T"/);
    t.is(whole.store.list().length, 1, 'all stages in one job');
  } finally {
    await whole.close();
  }
  // The simple-fit key also matches the stages of a multistage fit (wfl's WFL_GAP_SIMPLE_FIT_REMOTEINFO behaviour).
  const perStage = p.context({ WFL_EXPYRE_INFO: JSON.stringify({ 'gapMultistageFit,gap.ts::gapSimpleFit': slurmInfo('gap_stage') }) });
  try {
    const r = await gapMultistageFit('train.xyz', stages, { context: perStage, gapFile: 'two/Si.xml' });
    t.regex(readFileSync(r.gapFile, 'utf8'), /do_core="T"/);
    const names = perStage.store.list().map((j) => j.name).filter((n) => n.startsWith('gap_stage'));
    t.is(names.length, 2, 'one job per stage');
  } finally {
    await perStage.close();
  }
});

test('ACE fit routed by WFL_ACE_FIT_REMOTEINFO finds ace_fit.jl through julia on the node; dry run returns the shape', async (t) => {
  const p = fitProject(t);
  if (!p) return;
  writeFileSync(join(p.dir, 'ace-info.json'), JSON.stringify(slurmInfo('ace_fit', { env_vars: { WFL_ACE_FIT_JULIA_THREADS: '${EXPYRE_NUM_CORES_PER_NODE}', WFL_ACE_FIT_BLAS_THREADS: '1' } })));
  const ctx = p.context({ WFL_ACE_FIT_REMOTEINFO: 'ace-info.json' });
  try {
    const shape = await aceFit('train.xyz', ACE_PARAMS, { context: ctx, aceFile: 'ace/Si.json', dryRun: true });
    t.deepEqual(shape, [23, 34]);
    const path = await aceFit('train.xyz', ACE_PARAMS, { context: ctx, aceFile: 'ace/Si.json' });
    t.is(JSON.parse(readFileSync(path, 'utf8')).IP.components[0].__id__, 'ACE1_PIPotential');
    t.regex(readFileSync(join(p.dir, 'ace/Si.stdout'), 'utf8'), /JULIA_NUM_THREADS=1 blas_threads=1/);
    t.is(ctx.store.list().length, 2);
  } finally {
    await ctx.close();
  }
});

test('a malformed gap_fit line fails the job with gap_fit\'s message; a generic command job maps files both ways', async (t) => {
  const p = fitProject(t);
  if (!p) return;
  const ctx = p.context({ WFL_EXPYRE_INFO: JSON.stringify({ gapSimpleFit: slurmInfo('gap_bad') }) });
  try {
    const err = await t.throwsAsync(gapSimpleFit('train.xyz', { ...GAP_PARAMS, _gap: [{ soap: true, cutoff: 5 }] }, { context: ctx }), { instanceOf: CommandJobError });
    t.regex(err!.message, /delta is required/);
    writeFileSync(join(p.dir, 'in.txt'), "a 'quoted' $(not run) line\n");
    const r = await runCommand({
      argv: ['sort', '-r', 'staged in.txt', '-o', 'sorted out.txt'],
      inputs: [{ local: 'in.txt', remote: 'staged in.txt' }],
      outputs: [{ remote: 'sorted out.txt', local: 'res/out.txt' }],
      system: 'slurm_ssh', resources: { num_cores: 1, max_time: '5m' }, partialNode: true, checkIntervalS: 1, context: ctx,
    });
    t.deepEqual(r.files, [join(p.dir, 'res/out.txt')]);
    t.is(readFileSync(join(p.dir, 'res/out.txt'), 'utf8'), "a 'quoted' $(not run) line\n");
  } finally {
    await ctx.close();
  }
});

test('a fit job that died is reported with the fix; with resubmit_killed_jobs the rerun runs it again with the new settings', async (t) => {
  const p = fitProject(t);
  if (!p) return;
  const env = (extra: Record<string, unknown>) => ({ WFL_EXPYRE_INFO: JSON.stringify({ 'gap.ts::gapSimpleFit': slurmInfo('gap_died', extra) }) });
  const dying = p.context(env({ env_vars: ['FAKE_GAP_FIT_KILL_PARENT=1'] }));
  try {
    const err = await t.throwsAsync(gapSimpleFit('train.xyz', GAP_PARAMS, { context: dying }), { instanceOf: CommandJobError });
    t.regex(err!.message, /JobDied|died|exited with code 137/i);
    t.regex(err!.message, /resubmit_killed_jobs: true/);
  } finally {
    await dying.close();
  }
  // env_vars are not in the cache key: without resubmit_killed_jobs the rerun attaches to the died job again.
  const stuck = p.context(env({}));
  try {
    await t.throwsAsync(gapSimpleFit('train.xyz', GAP_PARAMS, { context: stuck }), { instanceOf: CommandJobError });
    t.is(stuck.store.list().length, 1);
  } finally {
    await stuck.close();
  }
  const fixed = p.context(env({ resubmit_killed_jobs: true }));
  try {
    const xml = await gapSimpleFit('train.xyz', GAP_PARAMS, { context: fixed });
    t.is(xml, join(p.dir, 'GAP.xml'));
    t.deepEqual(fixed.store.list().map((j) => j.state).sort(), ['processed', 'succeeded']);
  } finally {
    await fixed.close();
  }
});
