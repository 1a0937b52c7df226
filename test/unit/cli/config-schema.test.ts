// config-examples/: every example loads through the real loader and validates against the JSON Schema editors use,
// and the schema and the loader agree on keys and on what they reject.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadConfig, TOP_LEVEL_KEYS } from '../../../src/config/load.ts';
import { SYSTEM_KEYS, PARTITION_KEYS } from '../../../src/config/validate.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { parseExpyreInfo } from '../../../src/routing/expyre-info.ts';
import { normalizeRemoteInfo } from '../../../src/routing/remote-info.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../config-examples');
const schema = JSON.parse(fs.readFileSync(path.join(dir, 'schema/config.schema.json'), 'utf8')) as {
  properties: Record<string, unknown>;
  $defs: { system: { properties: Record<string, unknown> }; partition: { properties: Record<string, unknown> } };
};
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

// Load one config.json text through the real loader; returns the problems (empty = loads).
function loaderProblems(config: unknown): string[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-schema-'));
  try {
    fs.writeFileSync(path.join(root, 'config.json'), JSON.stringify(config));
    loadConfig({ cwd: root, env: { EXPYRE_ROOT: root }, homeDir: path.join(root, 'home') });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const examples = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('WFL_'));

test('there is a config.json example per scheduler', (t) => {
  const schedulers = new Set(examples.flatMap((f) => Object.values((JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { systems: Record<string, { scheduler: string }> }).systems).map((s) => s.scheduler)));
  t.deepEqual([...schedulers].sort(), ['local', 'pbs', 'sge', 'slurm']);
});

for (const name of examples) {
  test(`config-examples/${name} loads through the loader and validates against the schema`, (t) => {
    const config = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as unknown;
    t.deepEqual(loaderProblems(config), []);
    t.true(validate(config), JSON.stringify(validate.errors));
  });
}

test('the WFL_EXPYRE_INFO example loads through the real WFL_EXPYRE_INFO reader', (t) => {
  const file = path.join(dir, 'WFL_EXPYRE_INFO.example.json');
  const info = parseExpyreInfo(fs.readFileSync(file, 'utf8'), file);
  for (const [key, value] of Object.entries(info)) t.notThrows(() => normalizeRemoteInfo(value, key));
});

test('the schema knows exactly the keys the loader knows', (t) => {
  t.deepEqual(Object.keys(schema.properties).sort(), [...TOP_LEVEL_KEYS, '$schema'].sort());
  t.deepEqual(Object.keys(schema.$defs.system.properties).sort(), [...SYSTEM_KEYS].sort());
  t.deepEqual(Object.keys(schema.$defs.partition.properties).sort(), [...PARTITION_KEYS].sort());
});

const sys = (over: Record<string, unknown>, part: Record<string, unknown> = {}) => ({
  systems: { c: { host: 'me@c', scheduler: 'slurm', partitions: { std: { num_cores: 8, max_time: '1h', max_mem: '8GB', ...part } }, ...over } },
});

const cases: Array<[string, unknown, boolean]> = [
  ['a full system', sys({}), true],
  ['max_time as Slurm D-HH and memory in GiB', sys({}, { max_time: '2-5', max_mem: '180GiB' }), true],
  ['_none_ limits', sys({}, { max_time: '_none_', max_mem: '_NONE_' }), true],
  ['seconds as a number, kB as an integer', sys({}, { max_time: 90, max_mem: 1024 }), true],
  ['remsh_cmd as a list of words', sys({ remsh_cmd: ['ssh', '-p', '2222'] }), true],
  ['a local system on this machine without partitions', { systems: { here: { host: null, scheduler: 'local' } } }, true],
  ['a system removed with null', { systems: { gone: null } }, true],
  ['an inherited partition removed with _DELETE_', sys({ partitions: { std: { num_cores: 8, max_time: null, max_mem: null }, big: '_DELETE_' } }), true],
  ['an unknown top-level key', { ...sys({}), sytems: {} }, false],
  ['an unknown system key', sys({ hots: 'x' }), false],
  ['an unknown partition key', sys({}, { cores: 8 }), false],
  ['an unknown scheduler', sys({ scheduler: 'lsf' }), false],
  ['zero cores', sys({}, { num_cores: 0 }), false],
  ['fractional cores', sys({}, { num_cores: 1.5 }), false],
  ['a time that is not a time', sys({}, { max_time: 'soon' }), false],
  ['a memory size without a unit', sys({}, { max_mem: '100' }), false],
  ['a header line with a line break', sys({ header: ['#SBATCH -A x\nrm -rf ~'] }), false],
  ['no_default_header as text', sys({ no_default_header: 'yes' }), false],
  ['remsh_cmd as a number', sys({ remsh_cmd: 22 }), false],
  ['an empty node_cmd', sys({ node_cmd: ' ' }), false],
  ['a partition name with a space', sys({}, { partition: 'std --qos=high' }), false],
  ['max_queued_jobs of zero', sys({ max_queued_jobs: 0 }), false],
  ['a "$schema" line for editors', { $schema: './config.schema.json', ...sys({}) }, true],
  ['a top-level "_comment" (ignored, as by ExPyRe)', { _comment: ['shared cluster settings'], ...sys({}) }, true],
  ['"$schema" that is not a string', { $schema: 1, ...sys({}) }, false],
  ['"_comment" inside a system', sys({ _comment: 'x' }), false],
  ['a top-level "__proto__" key', { ['__proto__']: { polluted: 1 }, ...sys({}) }, false],
  ['partitions together with queues', sys({ queues: { q: { num_cores: 1, max_time: null, max_mem: null } } }), false],
  ['an unknown {placeholder} in a system header', sys({ header: ['#SBATCH --nodes={nodes}'] }), false],
  ['an unknown {placeholder} in a partition header', sys({}, { header: ['#SBATCH --qos={qos}'] }), false],
  ['a single brace in a header', sys({ header: ['#SBATCH --comment={'] }), false],
  ['a closing brace alone in a header', sys({ header: ['#SBATCH --comment=}'] }), false],
  ['every placeholder, format specs and literal braces in headers', sys({ header: [
    '#SBATCH -N {num_nodes} -n {num_cores:d} --ntasks-per-node={num_cores_per_node} -t {max_time} -p {partition} -q {queue} -J {id}',
    '#SBATCH --comment={{literal}} {max_time_HMS}', '{{{num_cores}}}',
  ] }, { header: ['#SBATCH --mem=0 # {{}}'] }), true],
  ['a placeholder name that only starts like a known one', sys({ header: ['#SBATCH -n {num_cores_x}'] }), false],
];

for (const [title, config, ok] of cases) {
  test(`loader and schema agree: ${title} is ${ok ? 'accepted' : 'rejected'}`, (t) => {
    t.is(loaderProblems(config).length === 0, ok, `loader: ${loaderProblems(config).join('; ')}`);
    t.is(validate(config), ok, `schema: ${JSON.stringify(validate.errors)}`);
  });
}
