import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gapFitCommandLine, gapFitArgs } from '../../../src/fit/gap-params.ts';
import { FitOptionError } from '../../../src/fit/errors.ts';
import { GAP_PARAMS, TRAINING_XYZ } from '../../fixtures/fit/data.ts';

const FAKE_GAP_FIT = fileURLToPath(new URL('../../fixtures/fit/bin/gap_fit', import.meta.url));

test('gap_fit line: key=value, T/F, {a b c} lists, quoted strings with spaces, mappings, gap={desc : desc} with {{ }} lists', (t) => {
  const line = gapFitCommandLine({ at_file: 'train.xyz', ...GAP_PARAMS, gap_file: 'my pot.xml'.replace(' ', '_'), rnd_seed: 3 });
  t.is(
    line,
    'at_file=train.xyz default_sigma={0.01 0.1 0.1 0} sparse_separate_file=T energy_parameter_name=REF_energy force_parameter_name=REF_forces ' +
      'core_ip_args="IP Glue" config_type_sigma={isolated_atom:0.0001:0:0:0} gap_file=my_pot.xml rnd_seed=3 ' +
      'gap={distance_2b=T cutoff=5 covariance_type=ard_se delta=1 theta_uniform=1 n_sparse=10 sparse_method=uniform : ' +
      'soap=T l_max=4 n_max=6 atom_sigma=0.5 cutoff=5 covariance_type=dot_product zeta=4 delta=0.2 n_sparse=20 sparse_method=cur_points species_Z={{14}} n_species=1}',
  );
});

test('argv: one element per key=value and one for the gap={...} block, exactly as the line shows them', (t) => {
  const params = { at_file: 't.xyz', default_sigma: [1, 2, 3, 4], core_ip_args: 'IP Glue', do_copy_at_file: false, _gap: [{ soap: true, species_Z: [8, 1, 6], cutoff: 3 }] };
  const argv = gapFitArgs(params);
  t.deepEqual(argv, ['at_file=t.xyz', 'default_sigma={1 2 3 4}', 'core_ip_args="IP Glue"', 'do_copy_at_file=F', 'gap={soap=T species_Z={{8 1 6}} cutoff=3}']);
  t.is(argv.join(' '), gapFitCommandLine(params));
});

test('top-level strings: spaces with = or balanced braces, commas and the empty string are sent quoted', (t) => {
  const base = { default_sigma: [1, 2, 3, 4], _gap: [{ soap: true }] };
  const argv = gapFitArgs({ ...base, core_ip_args: 'IP GAP label=X', verbosity: '', energy_parameter_name: 'a,b', force_parameter_name: 'f{1}', config_type_parameter_name: 'x=y' });
  t.deepEqual(argv.slice(1, -1), ['core_ip_args="IP GAP label=X"', 'verbosity=""', 'energy_parameter_name="a,b"', 'force_parameter_name="f{1}"', 'config_type_parameter_name="x=y"']);
  t.is(gapFitArgs({ ...base, core_ip_args: 'IP {a b} c' })[1], 'core_ip_args="IP {a b} c"');
});

test('values gap_fit cannot read are refused, naming the parameter', (t) => {
  const base = { default_sigma: [1, 2, 3, 4], _gap: [{ soap: true }] };
  const refused = (params: Record<string, unknown>) => t.throws(() => gapFitCommandLine(params as never), { instanceOf: FitOptionError })!;
  t.is(refused({ ...base, e0: Number.NaN }).option, 'params.e0');
  t.is(refused({ ...base, core_ip_args: 'say "hi" there' }).option, 'params.core_ip_args');
  t.is(refused({ ...base, core_ip_args: "it's" }).option, 'params.core_ip_args');
  t.is(refused({ ...base, core_ip_args: 'IP {Glue' }).option, 'params.core_ip_args');
  t.is(refused({ ...base, core_ip_args: 'IP\tGlue' }).option, 'params.core_ip_args');
  t.is(refused({ ...base, 'bad key': 1 }).option, 'params.bad key');
  t.is(refused({ default_sigma: [1, 2, 3, 4] }).option, 'params._gap');
  t.is(refused({ ...base, _gap: [{ soap: true, species_Z: [] }] }).option, 'params._gap[0].species_Z');
  t.is(refused({ ...base, _gap: [{ soap: true, names: ['a b'] }] }).option, 'params._gap[0].names[0]');
  t.is(refused({ ...base, config_type_sigma: { 'a:b': [1, 2, 3, 4] } }).option, 'params.config_type_sigma.a:b');
});

test('a string inside gap={...} cannot hold spaces (nor anything gap_fit splits there): an error naming the key', (t) => {
  const base = { default_sigma: [1, 2, 3, 4] };
  for (const bad of ['a b', 'a"b', 'a,b', 'a:b', 'a;b', 'a}b', 'a=b']) {
    const err = t.throws(() => gapFitArgs({ ...base, _gap: [{ soap: true }, { distance_2b: true, name: bad }] }), { instanceOf: FitOptionError })!;
    t.is(err.option, 'params._gap[1].name', bad);
    t.regex(err.message, /^params\._gap\[1\]\.name: a value inside gap=\{\.\.\.\} cannot hold spaces/, bad);
  }
  t.is(gapFitArgs({ ...base, _gap: [{ soap: true, name: '' }] }).at(-1), 'gap={soap=T name=""}');
});

// The stand-in gap_fit used by the integration tests accepts what we render and rejects malformed lines.
function runFake(args: string[]): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-fakegap-'));
  writeFileSync(join(dir, 'train.xyz'), TRAINING_XYZ);
  const r = spawnSync(FAKE_GAP_FIT, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } });
  return { code: r.status, out: r.stdout + r.stderr };
}

const lineSeen = (out: string) => /^command line: (.*)$/m.exec(out)?.[1];

test('the stand-in gap_fit accepts the rendered argv and rejects malformed command lines', (t) => {
  const good = gapFitArgs({ at_file: 'train.xyz', ...GAP_PARAMS, gap_file: 'g.xml' });
  const ok = runFake(good);
  t.is(ok.code, 0, ok.out);
  const swap = (from: string, to: string) => good.map((a) => a.replace(from, to));
  const bad: Array<[string, string[]]> = [
    ['boolean spelled True', swap('sparse_separate_file=T', 'sparse_separate_file=True')],
    ['single-brace list inside gap', swap('species_Z={{14}}', 'species_Z={14}')],
    ['unknown key', [...good, 'no_such_key=1']],
    ['unbalanced quote in a string', swap('core_ip_args="IP Glue"', 'core_ip_args=IP "Glue')],
    ['a comma splits a bare value', swap('energy_parameter_name=REF_energy', 'energy_parameter_name=REF,energy')],
    ['default_sigma with 3 numbers', swap('default_sigma={0.01 0.1 0.1 0}', 'default_sigma={0.01 0.1 0}')],
    ['descriptor without a type', swap('gap={distance_2b=T', 'gap={cutoff=5')],
    ['missing at_file', good.filter((a) => !a.startsWith('at_file='))],
    ['unbalanced brace', swap('n_species=1}', 'n_species=1')],
    ['descriptors not separated by " : "', swap(' : ', ' ')],
  ];
  for (const [what, argv] of bad) {
    t.notDeepEqual(argv, good, what);
    const r = runFake(argv);
    t.is(r.code, 1, `${what} should be rejected: ${r.out}`);
    t.regex(r.out, /SYSTEM ABORT/, what);
  }
});

test('what gap_fit reads is the line xpr shows, for quoted strings, the empty string and an e0 per species', (t) => {
  const params = {
    at_file: 'train.xyz', ...GAP_PARAMS, gap_file: 'g.xml', core_ip_args: 'IP GAP label=X {a b}', verbosity: '', e0: { Si: -158.5 }, config_type_parameter_name: 'a,b',
  };
  t.regex(gapFitCommandLine(params), / e0=\{Si:-158\.5\} /);
  const r = runFake(gapFitArgs(params));
  t.is(r.code, 0, r.out);
  t.is(lineSeen(r.out), gapFitCommandLine(params));
  // an argument holding a space without quotes gets them from gap_fit's parser: the same line
  const bare = runFake(gapFitArgs(params).map((a) => a.replace(/^core_ip_args="(.*)"$/, 'core_ip_args=$1')));
  t.is(bare.code, 0, bare.out);
  t.is(lineSeen(bare.out), gapFitCommandLine(params));
});

test('the stand-in takes e0 as one number or symbol:number pairs, nothing else', (t) => {
  const withE0 = (e0: string) => runFake([...gapFitArgs({ at_file: 'train.xyz', ...GAP_PARAMS }), `e0=${e0}`]);
  for (const e0 of ['-158.5', '{Si:-158.5}', '{Ti:-150.0:O:-320}', 'Si:-1e2']) t.is(withE0(e0).code, 0, e0);
  for (const e0 of ['{Si:-158.5:O}', '{Si:abc}', '{si:-1}', '{14:-158.5}', '{}', 'abc', '"{Si:-1} x"']) {
    const r = withE0(e0);
    t.is(r.code, 1, `${e0} should be rejected: ${r.out}`);
    t.regex(r.out, /parameter e0: expected a number or symbol:number pairs/, e0);
  }
});
