// config-examples/schema/wfl-expyre-info.schema.json and the WFL_EXPYRE_INFO reader (parseExpyreInfo + normalizeRemoteInfo)
// agree: every example accepted by one is accepted by the other, every refused one refused by both.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { resolveRemoteInfo } from '../../../src/routing/expyre-info.ts';
import { ExpyreInfoError, RemoteInfoError } from '../../../src/routing/errors.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../config-examples');
const schema = JSON.parse(fs.readFileSync(path.join(dir, 'schema/wfl-expyre-info.schema.json'), 'utf8')) as {
  $defs: { remoteInfo: { properties: Record<string, unknown> }; resources: { properties: Record<string, unknown> } };
};
const validate = new Ajv2020({ strict: true, allErrors: true, strictTypes: false }).compile(schema);

// Run WFL_EXPYRE_INFO text through the real reader (every entry is validated on each resolution); problems, empty = accepted.
function readerProblems(value: unknown): string[] {
  try {
    resolveRemoteInfo({ envText: JSON.stringify(value), stack: [], insideJob: false, opName: 'op' });
    return [];
  } catch (err) {
    if (err instanceof RemoteInfoError) return err.problems;
    if (err instanceof ExpyreInfoError) return [err.message];
    throw err;
  }
}

test('the example file is accepted by the schema and the reader', (t) => {
  const value = JSON.parse(fs.readFileSync(path.join(dir, 'WFL_EXPYRE_INFO.example.json'), 'utf8')) as unknown;
  t.deepEqual(readerProblems(value), []);
  t.true(validate(value), JSON.stringify(validate.errors));
});

const info = (over: Record<string, unknown> = {}, res: Record<string, unknown> = {}) => ({
  sys_name: 'archer2', job_name: 'relax', resources: { num_nodes: 1, max_time: '24h', ...res }, ...over,
});
const keyed = (over: Record<string, unknown> = {}, res: Record<string, unknown> = {}) => ({ 'ops.ts::relax': info(over, res) });

const cases: Array<[string, unknown, boolean]> = [
  ['a keyed entry', keyed(), true],
  ['one RemoteInfo for every call (top-level sys_name)', info(), true],
  ['a "$schema" line in the keyed form', { $schema: './wfl-expyre-info.schema.json', ...keyed() }, true],
  ['a "$schema" line in the single form', { $schema: './wfl-expyre-info.schema.json', ...info() }, true],
  ['every optional field', keyed({
    num_inputs_per_queued_job: -2, pre_cmds: ['module load x'], post_cmds: ['echo done'], env_vars: { A: 'pa$word', N: 3 },
    secret_env_vars: ['A'], input_files: ['in/*.xyz'], output_files: ['out.*'], header_extra: ['#SBATCH --qos=short'], exact_fit: false,
    partial_node: true, timeout: null, check_interval: '10s', ignore_failed_jobs: true, resubmit_killed_jobs: true, hash_ignore: ['seed'], job_array: true,
  }, { max_mem_per_core: '2GB', partitions: ['standard', 'highmem'] }), true],
  ['env_vars as a list', keyed({ env_vars: ['OMP_NUM_THREADS=${EXPYRE_NUM_CORES_PER_NODE}'] }), true],
  ['num_cores instead of num_nodes, time in seconds', keyed({}, { num_nodes: undefined, num_cores: 4, max_time: 90 }), true],
  ['a missing sys_name in an entry', { e: { job_name: 'x', resources: { num_cores: 1, max_time: 60 } } }, false],
  ['a missing job_name', keyed({ job_name: undefined }), false],
  ['missing resources', keyed({ resources: undefined }), false],
  ['an unknown field', keyed({ sysname: 'x' }), false],
  ['an entry that is not an object', { e: 'archer2' }, false],
  ['both num_nodes and num_cores', keyed({}, { num_cores: 4 }), false],
  ['neither num_nodes nor num_cores', keyed({}, { num_nodes: undefined }), false],
  ['no max_time', keyed({}, { max_time: undefined }), false],
  ['a time that is not a time', keyed({}, { max_time: 'soon' }), false],
  ['an unknown resources key', keyed({}, { cores: 4 }), false],
  ['both max_mem_tot and max_mem_per_core', keyed({}, { max_mem_tot: '8G', max_mem_per_core: '1G' }), false],
  ['memory without a unit', keyed({}, { max_mem_tot: '100' }), false],
  ['partitions and queues', keyed({}, { partitions: 'a', queues: 'b' }), false],
  ['num_inputs_per_queued_job 0', keyed({ num_inputs_per_queued_job: 0 }), false],
  ['fractional num_inputs_per_queued_job', keyed({ num_inputs_per_queued_job: 1.5 }), false],
  ['env_vars list entry without "="', keyed({ env_vars: ['OMP_NUM_THREADS'] }), false],
  ['env_vars with a bad name', keyed({ env_vars: { 'A-B': '1' } }), false],
  ['env_vars object value that is an object', keyed({ env_vars: { A: { b: 1 } } }), false],
  ['an absolute output file', keyed({ output_files: ['/etc/passwd'] }), false],
  ['exact_fit as text', keyed({ exact_fit: 'yes' }), false],
  ['a negative check_interval', keyed({ check_interval: -1 }), false],
  ['a timeout that is not a time', keyed({ timeout: 'later' }), false],
  ['a list instead of a mapping', [info()], false],
  ['a "$schema" that is not a string', { $schema: 1, ...keyed() }, false],
];

for (const [title, value, ok] of cases) {
  test(`WFL_EXPYRE_INFO schema and reader agree: ${title} is ${ok ? 'accepted' : 'refused'}`, (t) => {
    const problems = readerProblems(value);
    t.is(problems.length === 0, ok, `reader: ${problems.join('; ')}`);
    t.is(validate(value), ok, `schema: ${JSON.stringify(validate.errors)}`);
  });
}

test('the schema knows exactly the RemoteInfo and resources fields the reader knows', (t) => {
  const fields = ['sys_name', 'job_name', 'resources', 'num_inputs_per_queued_job', 'pre_cmds', 'post_cmds', 'env_vars', 'secret_env_vars',
    'input_files', 'output_files', 'header_extra', 'exact_fit', 'partial_node', 'timeout', 'check_interval', 'ignore_failed_jobs',
    'resubmit_killed_jobs', 'hash_ignore', 'job_array'];
  t.deepEqual(Object.keys(schema.$defs.remoteInfo.properties).sort(), [...fields].sort());
  for (const f of fields) t.notRegex(readerProblems(keyed({ [f]: undefined }))[0] ?? '', /unknown field/, f);
  t.regex(readerProblems(keyed({ no_such_field: 1 })).join(), /valid fields: sys_name, job_name, resources, num_inputs_per_queued_job, pre_cmds, post_cmds, env_vars, secret_env_vars, input_files, output_files, header_extra, exact_fit, partial_node, timeout, check_interval, ignore_failed_jobs, resubmit_killed_jobs, hash_ignore, job_array/);
  t.deepEqual(Object.keys(schema.$defs.resources.properties).sort(), ['max_mem_per_core', 'max_mem_tot', 'max_time', 'num_cores', 'num_nodes', 'partitions', 'queues']);
});
