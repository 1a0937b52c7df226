import test from 'ava';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gapSimpleFit, gapMultistageFit, aceFit, runCommandLocally, FitOptionError, CommandStepError, FitRoutingError } from '../../../src/fit/index.ts';
import { BIN, deepFreeze, fitProject as project } from '../../fixtures/fit/project.ts';
import { GAP_PARAMS, ACE_PARAMS } from '../../fixtures/fit/data.ts';


test('a local GAP fit brings back the XML and its sparse files under the requested name, leaving the params alone', async (t) => {
  const p = project({ WFL_GAP_FIT_COMMAND: join(BIN, 'gap_fit'), WFL_GAP_FIT_OMP_NUM_THREADS: '3' });
  const ctx = p.context();
  const params = deepFreeze({ ...GAP_PARAMS, gap_file: 'pots/Si.xml' });
  const path = await gapSimpleFit('train.xyz', params, { context: ctx });
  t.is(path, join(p.dir, 'pots/Si.xml'));
  const files = readdirSync(join(p.dir, 'pots')).sort();
  t.is(files.filter((f) => f.startsWith('Si.xml.sparseX.')).length, 2, files.join(' '));
  t.regex(readFileSync(join(p.dir, 'pots/Si.xml.stdout'), 'utf8'), /OMP_NUM_THREADS=3/);
  t.is(params.gap_file, 'pots/Si.xml');
  t.deepEqual(readdirSync(p.dir).sort(), ['_expyre', 'pots', 'train.xyz'], 'nothing else lands in the cwd');
  // skipIfPresent: no command runs (a broken command would fail)
  const again = await gapSimpleFit('train.xyz', params, { context: p.context({ WFL_GAP_FIT_COMMAND: '/nonexistent/gap_fit' }), skipIfPresent: true });
  t.is(again, path);
});

test('a gap_fit that fails (malformed parameters) is a named error carrying its output', async (t) => {
  const p = project();
  const err = await t.throwsAsync(gapSimpleFit('train.xyz', { ...GAP_PARAMS, sparse_separate_file: 'yes' }, { context: p.context(), gapFitCommand: [join(BIN, 'gap_fit')] }), { instanceOf: CommandStepError });
  t.regex(err!.message, /sparse_separate_file: expected T or F/);
  await t.throwsAsync(gapSimpleFit('train.xyz', { ...GAP_PARAMS, at_file: 'x.xyz' }, { context: p.context() }), { instanceOf: FitOptionError, message: /params\.at_file/ });
});

test('a local multistage fit runs stages in order; a later stage can use an earlier potential', async (t) => {
  const p = project({ WFL_GAP_FIT_COMMAND: join(BIN, 'gap_fit') });
  const r = await gapMultistageFit('train.xyz', [GAP_PARAMS, { ...GAP_PARAMS, core_param_file: 'GAP.stage_0.xml', core_ip_args: 'IP GAP' }], { context: p.context(), numCommittee: 2 });
  t.deepEqual(r.stageFiles, [join(p.dir, 'GAP.stage_0.xml'), join(p.dir, 'GAP.xml')]);
  t.regex(readFileSync(r.gapFile, 'utf8'), /do_core="T"/);
  t.deepEqual(r.committeeFiles, [join(p.dir, 'GAP.committee_0.xml'), join(p.dir, 'GAP.committee_1.xml')]);
  t.regex(readFileSync(r.committeeFiles[1]!, 'utf8'), /rnd_seed="2"/);
});

test('a local ACE fit finds ace_fit.jl through WFL_JULIA_COMMAND, passes the thread settings, and dry-runs to a shape', async (t) => {
  const p = project({ WFL_JULIA_COMMAND: join(BIN, 'julia'), WFL_ACE_FIT_BLAS_THREADS: '2', WFL_ACE_FIT_JULIA_THREADS: '4' });
  const params = deepFreeze(structuredClone(ACE_PARAMS));
  const shape = await aceFit('train.xyz', params, { context: p.context(), aceFile: 'ace/Si.json', dryRun: true });
  t.deepEqual(shape, [1 + 6 + 6 + 1 + 3 + 6, 34]);
  const path = await aceFit('train.xyz', params, { context: p.context(), aceFile: 'ace/Si.json' });
  t.is(path, join(p.dir, 'ace/Si.json'));
  t.is(JSON.parse(readFileSync(path, 'utf8')).IP.components[0].__id__, 'ACE1_PIPotential');
  t.regex(readFileSync(join(p.dir, 'ace/Si.stdout'), 'utf8'), /JULIA_NUM_THREADS=4 blas_threads=2/);
  const written = JSON.parse(readFileSync(join(p.dir, 'ace/fit_params_Si.yaml'), 'utf8'));
  t.is(written.data.fname, 'fitting_database.extxyz');
  t.is(written.ACE_fname, 'Si.json');
  t.false('fname' in params.data, 'caller params untouched');
});

test('command jobs take argv, map inputs and outputs, and refuse paths outside the run dir', async (t) => {
  const p = project();
  mkdirSync(join(p.dir, 'in'));
  writeFileSync(join(p.dir, 'in', 'a.txt'), 'hello $HOME `x`');
  const r = await runCommandLocally({
    argv: ['cp', 'staged.txt', 'out file.txt'],
    inputs: [{ local: 'in/a.txt', remote: 'staged.txt' }],
    outputs: [{ remote: 'out file.txt', local: 'results/b.txt' }],
  }, { cwd: p.dir });
  t.deepEqual(r.files, [join(p.dir, 'results/b.txt')]);
  t.is(readFileSync(join(p.dir, 'results/b.txt'), 'utf8'), 'hello $HOME `x`');
  await t.throwsAsync(runCommandLocally({ argv: ['true'], outputs: [{ remote: '../x', local: 'x' }] }, { cwd: p.dir }), { instanceOf: FitOptionError, message: /outputs\[0\]\.remote/ });
  await t.throwsAsync(runCommandLocally({ argv: ['true'], outputs: [{ remote: 'never.txt', local: 'x' }] }, { cwd: p.dir }), { instanceOf: CommandStepError, message: /never\.txt/ });
  t.false(existsSync(join(p.dir, 'x')));
});

test('legacy *_REMOTEINFO and WFL_EXPYRE_INFO problems are errors naming the variable', async (t) => {
  const p = project({ WFL_GAP_SIMPLE_FIT_REMOTEINFO: '{"sys_name": "x", "job_name": "j"}' });
  const err = await t.throwsAsync(gapSimpleFit('train.xyz', GAP_PARAMS, { context: p.context() }));
  t.regex(err!.message, /WFL_GAP_SIMPLE_FIT_REMOTEINFO\.resources: missing/);
  const p2 = project({ WFL_ACE_FIT_REMOTEINFO: 'nonexistent-file.json' });
  const err2 = await t.throwsAsync(aceFit('train.xyz', ACE_PARAMS, { context: p2.context() }), { instanceOf: FitRoutingError });
  t.regex(err2!.message, /^WFL_ACE_FIT_REMOTEINFO: .*nonexistent-file\.json/);
});
