// Fits and command jobs through the job path on the built-in `local` system (no cluster): the caller's RemoteInfo and
// parameter objects are deep-frozen and stay untouched, every runCommand option reaches the run, skipIfPresent skips.
import test from 'ava';
import { readFileSync, writeFileSync, mkdirSync, rmSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gapSimpleFit, gapCommitteeFit, gapMultistageFit, aceFit, runCommand, FitOptionError } from '../../../src/fit/index.ts';
import { splitCommandOptions } from '../../../src/fit/command.ts';
import { BIN, deepFreeze, fitProject as project } from '../../fixtures/fit/project.ts';
import { GAP_PARAMS, ACE_PARAMS, CORE_XML } from '../../fixtures/fit/data.ts';

const BROKEN = { WFL_GAP_FIT_COMMAND: '/nonexistent/gap_fit', WFL_JULIA_COMMAND: '/nonexistent/julia', WFL_ACE_FIT_COMMAND: '/nonexistent/ace_fit' };

const localInfo = (jobName: string, extra: Record<string, unknown> = {}) => ({
  sys_name: 'local', job_name: jobName, resources: { num_cores: 1, max_time: '5m' }, partial_node: true, check_interval: 1,
  env_vars: ['WFL_GAP_FIT_OMP_NUM_THREADS=1'], ...extra,
});

test('remote path: deep-frozen remoteInfo and params are left as they were; the fits run as jobs', async (t) => {
  const p = project();
  const ctx = p.context();
  try {
    // the core potential file reaches the run dir through input_files
    writeFileSync(join(p.dir, 'glue.xml'), CORE_XML);
    const info = deepFreeze(localInfo('gap_frozen', { input_files: ['glue.xml'] }));
    const before = structuredClone(info);
    const params = deepFreeze({ ...structuredClone(GAP_PARAMS), gap_file: 'pots/Si.xml', core_ip_args: 'IP GAP label=X', core_param_file: 'glue.xml', e0: { Si: -158.5 } });
    const paramsBefore = structuredClone(params);
    const xml = await gapSimpleFit('train.xyz', params, { context: ctx, remoteInfo: info, gapFitCommand: [join(BIN, 'gap_fit')] });
    t.is(xml, join(p.dir, 'pots/Si.xml'));
    t.regex(readFileSync(xml, 'utf8'), / core_ip_args="IP GAP label=X" core_param_file=glue\.xml e0=\{Si:-158\.5\} /);
    t.regex(readFileSync(xml, 'utf8'), /do_core="T"/);
    const files = await gapCommitteeFit('train.xyz', params, { context: ctx, remoteInfo: info, gapFitCommand: [join(BIN, 'gap_fit')], committeeSeeds: [5, 6] });
    t.regex(readFileSync(files[1]!, 'utf8'), /rnd_seed="6"/);
    const aceInfo = deepFreeze(localInfo('ace_frozen', { env_vars: { WFL_ACE_FIT_BLAS_THREADS: '1' } }));
    const aceBefore = structuredClone(aceInfo);
    const aceParams = deepFreeze(structuredClone(ACE_PARAMS));
    const aceParamsBefore = structuredClone(aceParams);
    t.deepEqual(await aceFit('train.xyz', aceParams, { context: ctx, remoteInfo: aceInfo, aceFile: 'ace/Si.json', dryRun: true, aceFitCommand: [join(BIN, 'julia'), '/opt/fake-julia/packages/ACE1pack/Xyz12/scripts/ace_fit.jl'] }), [23, 34]);
    t.deepEqual(info, before);
    t.deepEqual(params, paramsBefore);
    t.deepEqual(aceInfo, aceBefore);
    t.deepEqual(aceParams, aceParamsBefore);
    t.is(ctx.store.list().length, 4, 'one job per fit, two for the committee');
    t.true(ctx.store.list().every((j) => j.system === 'local'));
  } finally {
    await ctx.close();
  }
});

test('runCommand passes every run option through and refuses an unknown one', async (t) => {
  const onPoll = () => undefined;
  const { def, options } = splitCommandOptions({
    argv: ['true'], name: 'n', outputs: [], system: 'cluster', resources: { num_cores: 1, max_time: '1m' }, arrays: true, exactFit: false, headerExtra: ['#X'],
    partialNode: true, timeoutS: 5, checkIntervalS: 2, onPoll, resubmitDied: true,
  });
  t.deepEqual(def, { argv: ['true'], name: 'n', outputs: [] });
  t.deepEqual(options, { system: 'cluster', resources: { num_cores: 1, max_time: '1m' }, arrays: true, exactFit: false, headerExtra: ['#X'], partialNode: true, timeoutS: 5, checkIntervalS: 2, onPoll, resubmitDied: true });
  const p = project();
  const ctx = p.context();
  try {
    const err = await t.throwsAsync(runCommand({ argv: ['true'], system: 'local', resources: { num_cores: 1, max_time: '1m' }, context: ctx, arrayz: true } as never), { instanceOf: FitOptionError });
    t.is(err!.option, 'arrayz');
    t.regex(err!.message, /unknown runCommand option; expected one of .*arrays/);
    t.is(ctx.store.list().length, 0, 'no job made');
  } finally {
    await ctx.close();
  }
});

test('skipIfPresent: an ACE JSON (or, for a dry run, its .size) that parses is returned without running anything', async (t) => {
  const p = project(BROKEN);
  mkdirSync(join(p.dir, 'ace'));
  const ctx = p.context();
  writeFileSync(join(p.dir, 'ace/Si.size'), JSON.stringify({ lsq_matrix_shape: [7, 9] }));
  t.deepEqual(await aceFit('train.xyz', ACE_PARAMS, { context: ctx, aceFile: 'ace/Si.json', dryRun: true, skipIfPresent: true }), [7, 9]);
  writeFileSync(join(p.dir, 'ace/Si.json'), '{"IP": {}}');
  t.is(await aceFit('train.xyz', ACE_PARAMS, { context: ctx, aceFile: 'ace/Si.json', skipIfPresent: true }), join(p.dir, 'ace/Si.json'));
  // a file that does not parse is not a finished fit: the (broken) command runs and fails
  writeFileSync(join(p.dir, 'ace/Si.json'), '{"IP": ');
  await t.throwsAsync(aceFit('train.xyz', ACE_PARAMS, { context: ctx, aceFile: 'ace/Si.json', skipIfPresent: true }));
  writeFileSync(join(p.dir, 'ace/Si.size'), JSON.stringify({ lsq_matrix_shape: [7] }));
  await t.throwsAsync(aceFit('train.xyz', ACE_PARAMS, { context: ctx, aceFile: 'ace/Si.json', dryRun: true, skipIfPresent: true }));
});

test('skipIfPresent: multistage and committee fits whose potentials all exist run nothing; one missing file reruns', async (t) => {
  const made = project({ WFL_GAP_FIT_COMMAND: join(BIN, 'gap_fit') });
  const stages = [GAP_PARAMS, { ...GAP_PARAMS, core_param_file: 'GAP.stage_0.xml', core_ip_args: 'IP GAP' }];
  const r = await gapMultistageFit('train.xyz', stages, { context: made.context(), numCommittee: 2 });
  const members = await gapCommitteeFit('train.xyz', { ...GAP_PARAMS, gap_file: 'C.xml' }, { context: made.context(), numCommittee: 2 });
  const broken = made.context(BROKEN);
  t.deepEqual(await gapMultistageFit('train.xyz', stages, { context: broken, numCommittee: 2, skipIfPresent: true }), r);
  t.deepEqual(await gapCommitteeFit('train.xyz', { ...GAP_PARAMS, gap_file: 'C.xml' }, { context: broken, numCommittee: 2, skipIfPresent: true }), members);
  // a committee member's sparse file is gone: both fits run again (and fail here, with the broken command)
  const sparse = /sparseX_filename="([^"]+)"/.exec(readFileSync(r.committeeFiles[1]!, 'utf8'))![1]!;
  rmSync(join(made.dir, sparse));
  await t.throwsAsync(gapMultistageFit('train.xyz', stages, { context: broken, numCommittee: 2, skipIfPresent: true }));
  rmSync(members[0]!);
  await t.throwsAsync(gapCommitteeFit('train.xyz', { ...GAP_PARAMS, gap_file: 'C.xml' }, { context: broken, numCommittee: 2, skipIfPresent: true }));
});

test('remote path: a routing entry\'s secret_env_vars are kept out of the store and stage dirs (only their names are recorded)', async (t) => {
  const p = project();
  const ctx = p.context();
  const secret = `licence-${process.pid}-${Date.now()}`;
  try {
    const info = localInfo('gap_secret', { env_vars: { WFL_GAP_FIT_OMP_NUM_THREADS: '1', LICENCE_KEY: secret }, secret_env_vars: ['LICENCE_KEY'] });
    await gapSimpleFit('train.xyz', { ...structuredClone(GAP_PARAMS), gap_file: 'Si.xml' }, { context: ctx, remoteInfo: info, gapFitCommand: [join(BIN, 'gap_fit')] });
    const [row] = ctx.store.list();
    t.deepEqual(row!.details.secretEnvVars, ['LICENCE_KEY'], 'only the name is recorded');
    const leaks = readdirSync(p.root, { recursive: true }).map(String).map((f) => join(p.root, f))
      .filter((f) => statSync(f).isFile() && readFileSync(f).includes(secret));
    t.deepEqual(leaks, []);
  } finally {
    await ctx.close();
  }
});
