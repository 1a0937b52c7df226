import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gapFitCommandLine, gapFitArgs } from '../../../src/fit/gap-params.ts';
import { FitOptionError } from '../../../src/fit/errors.ts';
import { GAP_PARAMS, TRAINING_XYZ, CORE_XML } from '../../fixtures/fit/data.ts';

const FAKE_GAP_FIT = fileURLToPath(new URL('../../fixtures/fit/bin/gap_fit', import.meta.url));

test('gap_fit line: key=value, T/F, {a b c} lists, quoted strings with spaces, mappings, gap={desc : desc} with {{ }} lists', (t) => {
  const line = gapFitCommandLine({ at_file: 'train.xyz', ...GAP_PARAMS, core_ip_args: 'IP Glue', gap_file: 'my pot.xml'.replace(' ', '_'), rnd_seed: 3 });
  t.is(
    line,
    'at_file=train.xyz default_sigma={0.01 0.1 0.1 0} sparse_separate_file=T energy_parameter_name=REF_energy force_parameter_name=REF_forces ' +
      'config_type_sigma={isolated_atom:0.0001:0:0:0} core_ip_args="IP Glue" gap_file=my_pot.xml rnd_seed=3 ' +
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

// The stand-in gap_fit used by the integration tests accepts what we render and rejects malformed lines. It runs in a
// fresh dir holding train.xyz, glue.xml (a core potential file) and `files`.
function runFake(args: string[], files: Record<string, string> = {}): { code: number | null; out: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-fakegap-'));
  for (const [name, text] of Object.entries({ 'train.xyz': TRAINING_XYZ, 'glue.xml': CORE_XML, ...files })) writeFileSync(join(dir, name), text);
  const r = spawnSync(FAKE_GAP_FIT, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } });
  return { code: r.status, out: r.stdout + r.stderr, dir };
}

const lineSeen = (out: string) => /^command line: (.*)$/m.exec(out)?.[1];

test('the stand-in gap_fit accepts the rendered argv and rejects malformed command lines', (t) => {
  const good = gapFitArgs({ at_file: 'train.xyz', ...GAP_PARAMS, core_ip_args: 'IP Glue', core_param_file: 'glue.xml', gap_file: 'g.xml' });
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
    at_file: 'train.xyz', ...GAP_PARAMS, gap_file: 'g.xml', core_ip_args: 'IP GAP label=X {a b}', core_param_file: 'glue.xml', verbosity: '', e0: { Si: -158.5 },
    config_type_parameter_name: 'a,b',
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

test('a mapping inside a descriptor is written {{k:v:...}}, as gap_fit reads config_type_n_sparse there', (t) => {
  const base = { default_sigma: [1, 2, 3, 4] };
  const desc = { soap: true, config_type_n_sparse: { bulk: 3, rattled: 4, isolated_atom: 0 }, weights: { a: [1, 2], b: 3 } };
  t.is(gapFitArgs({ ...base, _gap: [desc] }).at(-1), 'gap={soap=T config_type_n_sparse={{bulk:3:rattled:4:isolated_atom:0}} weights={{a:1:2:b:3}}}');
  const refused = (d: Record<string, unknown>) => t.throws(() => gapFitArgs({ ...base, _gap: [d] } as never), { instanceOf: FitOptionError })!;
  t.is(refused({ soap: true, config_type_n_sparse: {} }).option, 'params._gap[0].config_type_n_sparse');
  t.is(refused({ soap: true, config_type_n_sparse: { 'a b': 1 } }).option, 'params._gap[0].config_type_n_sparse.a b');
  t.is(refused({ soap: true, config_type_n_sparse: { bulk: 'x:y' } }).option, 'params._gap[0].config_type_n_sparse.bulk');
});

test('n_sparse with config_type_n_sparse in one descriptor is refused, as gap_fit refuses the pair', (t) => {
  const base = { default_sigma: [1, 2, 3, 4] };
  const err = t.throws(() => gapFitArgs({ ...base, _gap: [{ distance_2b: true }, { soap: true, n_sparse: 7, config_type_n_sparse: { bulk: 3 } }] }), { instanceOf: FitOptionError })!;
  t.is(err.option, 'params._gap[1].n_sparse');
  t.regex(err.message, /n_sparse and config_type_n_sparse cannot both be set in one descriptor .*leave n_sparse out/);
  // what gap_fit accepts: n_sparse=0 (its default), or sparse points from sparse_file
  t.notThrows(() => gapFitArgs({ ...base, _gap: [{ soap: true, n_sparse: 0, config_type_n_sparse: { bulk: 3 } }] }));
  t.notThrows(() => gapFitArgs({ ...base, _gap: [{ soap: true, n_sparse: 7, config_type_n_sparse: { bulk: 3 }, sparse_file: 's.dat' }] }));
});

test('an empty core_ip_args is refused (gap_fit would turn its core potential on), naming the key', (t) => {
  const base = { default_sigma: [1, 2, 3, 4], _gap: [{ soap: true }] };
  for (const [key, value] of [['core_ip_args', ''], ['core_ip_args', '  '], ['baseline_ip_args', '']] as const) {
    const err = t.throws(() => gapFitArgs({ ...base, [key]: value }), { instanceOf: FitOptionError })!;
    t.is(err.option, `params.${key}`);
    t.regex(err.message, new RegExp(`leave ${key} out to fit without a core potential`));
  }
  t.notThrows(() => gapFitArgs({ ...base, core_ip_args: undefined }), 'left out (undefined) is fine');
});

// gap_fit's own rules, as the stand-in checks them on a line xpr renders (one descriptor changed from GAP_PARAMS).
const SOAP = GAP_PARAMS._gap[1]!;
const withSoap = (soap: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  gapFitArgs({ at_file: 'train.xyz', ...GAP_PARAMS, ...extra, _gap: [GAP_PARAMS._gap[0]!, soap as never] });
function aborts(t: import('ava').ExecutionContext, r: { code: number | null; out: string }, message: RegExp, what: string) {
  t.is(r.code, 1, `${what} should be rejected: ${r.out}`);
  t.regex(r.out, /SYSTEM ABORT/, what);
  t.regex(r.out, message, what);
}

test('the stand-in takes a mapping inside a descriptor and counts config_type_n_sparse; n_sparse with it aborts', (t) => {
  const { n_sparse: _n, ...soap } = SOAP;
  const ok = runFake(withSoap({ ...soap, config_type_n_sparse: { bulk: 3, rattled: 4, isolated_atom: 0 } }, { gap_file: 'g.xml' }));
  t.is(ok.code, 0, ok.out);
  t.regex(ok.out, / config_type_n_sparse=\{\{bulk:3:rattled:4:isolated_atom:0\}\}[ }]/);
  t.regex(readFileSync(join(ok.dir, 'g.xml'), 'utf8'), /n_sparseX="7"/, 'as the real gap_fit: 3 + 4 + 0');
  const line = withSoap({ ...soap, config_type_n_sparse: { bulk: 3 } });
  aborts(t, runFake(line.map((a) => a.replace('config_type_n_sparse={{bulk:3}}', 'n_sparse=5 config_type_n_sparse={{bulk:3}}'))), /cannot specify both n_sparse and config_type_n_sparse/, 'both');
  aborts(t, runFake(withSoap(soap)), /either n_sparse or config_type_n_sparse has to be specified/, 'neither');
  aborts(t, runFake(line.map((a) => a.replace('{{bulk:3}}', '{{bulk:x}}'))), /config_type_n_sparse: expected/, 'a count that is not a number');
});

test('the stand-in enforces soap\'s mandatory atom_sigma, and n_species with species_Z, as gap_fit does', (t) => {
  const { atom_sigma: _a, ...noSigma } = SOAP;
  aborts(t, runFake(withSoap(noSigma)), /missing mandatory parameter atom_sigma/, 'no atom_sigma');
  t.is(runFake(withSoap({ ...noSigma, atom_gaussian_width: 0.5 })).code, 0, 'atom_gaussian_width is its other name');
  const { n_species: _s, ...noSpecies } = SOAP;
  aborts(t, runFake(withSoap(noSpecies)), /if species_Z is present, n_species must be present, too/, 'species_Z without n_species');
  const { species_Z: _z, ...neither } = noSpecies;
  t.is(runFake(withSoap(neither)).code, 0, 'neither species_Z nor n_species: one species');
  aborts(t, runFake(withSoap({ ...SOAP, n_species: 2 })), /species_Z: expected n_species=2 atomic numbers, got 1/, 'species_Z shorter than n_species');
  aborts(t, runFake(withSoap({ ...neither, n_species: 2 })), /missing mandatory parameter species_Z/, 'n_species 2 without species_Z');
});

test('the stand-in aborts as gap_fit does when core_ip_args has no core potential file, or is empty', (t) => {
  aborts(t, runFake(withSoap(SOAP, { core_ip_args: 'IP Glue' })), /IO error opening quip_params\.xml/, 'core_ip_args without core_param_file');
  t.is(runFake(withSoap(SOAP, { core_ip_args: 'IP Glue' }), { 'quip_params.xml': CORE_XML }).code, 0, 'quip_params.xml in the cwd is the default');
  t.is(runFake(withSoap(SOAP, { core_ip_args: 'IP Glue', core_param_file: 'glue.xml' })).code, 0);
  aborts(t, runFake(withSoap(SOAP, { core_ip_args: 'IP Glue', core_param_file: 'none.xml' })), /core_param_file: no such file none\.xml/, 'missing core_param_file');
  const good = withSoap(SOAP, { core_ip_args: 'IP Glue', core_param_file: 'glue.xml' });
  for (const empty of ['core_ip_args=""', 'core_ip_args= ']) {
    aborts(t, runFake(good.map((a) => (a.startsWith('core_ip_args=') ? empty : a))), /Potential_read_params_xml/, empty);
  }
});
