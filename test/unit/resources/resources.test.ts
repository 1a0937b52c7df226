import test from 'ava';
import { ResourceSpecError } from '../../../src/resources/errors.ts';
import { describeRequest, normalizeResources } from '../../../src/resources/resources.ts';

test('normalizeResources converts units and keeps a cores request', (t) => {
  t.deepEqual(normalizeResources({ max_time: '1h', num_cores: 4, max_mem_per_core: '2GB', partitions: 'std' }), {
    maxTimeS: 3600,
    request: { kind: 'cores', count: 4 },
    mem: { kind: 'per_core', kb: 2 * 1024 ** 2 },
    partitions: ['std'],
  });
});

test('normalizeResources keeps a nodes request with a total memory and a list of partitions', (t) => {
  t.deepEqual(normalizeResources({ max_time: 7200, num_nodes: 2, max_mem_tot: 1024, partitions: ['a', 'b.*'] }), {
    maxTimeS: 7200,
    request: { kind: 'nodes', count: 2 },
    mem: { kind: 'total', kb: 1024 },
    partitions: ['a', 'b.*'],
  });
});

test('normalizeResources honours queues as another name for partitions (ExPyRe bug B7 fixed)', (t) => {
  t.deepEqual(normalizeResources({ max_time: '1h', num_nodes: 1, queues: 'debug' }).partitions, ['debug']);
});

test('normalizeResources accepts 1.0 as an integer count and treats null keys as absent', (t) => {
  const r = normalizeResources({ max_time: '1h', num_nodes: 1.0, num_cores: null, max_mem_tot: null, partitions: null });
  t.deepEqual(r.request, { kind: 'nodes', count: 1 });
  t.is(r.mem, null);
  t.is(r.partitions, null);
});

const invalid: Array<[string, unknown, RegExp]> = [
  ['neither num_nodes nor num_cores', { max_time: '1h' }, /resources: exactly one of num_nodes and num_cores is required; found neither/],
  ['both num_nodes and num_cores', { max_time: '1h', num_nodes: 1, num_cores: 4 }, /exactly one of num_nodes and num_cores is required; found both/],
  ['a fractional num_cores', { max_time: '1h', num_cores: 2.5 }, /resources\.num_cores: expected a positive integer; found 2\.5/],
  ['a zero num_nodes', { max_time: '1h', num_nodes: 0 }, /resources\.num_nodes: expected a positive integer; found 0/],
  ['a string num_cores', { max_time: '1h', num_cores: '4' }, /resources\.num_cores: expected a positive integer; found "4"/],
  ['a missing max_time', { num_nodes: 1 }, /resources\.max_time: required/],
  ['a zero max_time', { max_time: 0, num_nodes: 1 }, /resources\.max_time: must be more than 0 seconds/],
  ['an unreadable max_time', { max_time: '1:2:3:4', num_nodes: 1 }, /resources\.max_time: cannot read "1:2:3:4" as a time/],
  ['both memory keys', { max_time: '1h', num_nodes: 1, max_mem_tot: '1g', max_mem_per_core: '1g' }, /at most one of max_mem_tot and max_mem_per_core/],
  ['a bare-number memory string', { max_time: '1h', num_nodes: 1, max_mem_tot: '100' }, /resources\.max_mem_tot: cannot read "100" as a memory size/],
  ['both partitions and queues', { max_time: '1h', num_nodes: 1, partitions: 'a', queues: 'b' }, /at most one of partitions and queues/],
  ['an invalid regexp', { max_time: '1h', num_nodes: 1, partitions: ['ok', 'bad('] }, /resources\.partitions: "bad\(" is not a valid regexp/],
  ['an empty partitions list', { max_time: '1h', num_nodes: 1, partitions: [] }, /resources\.partitions: expected a regexp string or a non-empty list/],
  ['an unknown key with a close match', { max_time: '1h', num_nodes: 1, max_mem: '1g' }, /resources\.max_mem: unknown key "max_mem" \(did you mean "max_mem_tot"\?\)/],
  ['an unknown key without a close match', { max_time: '1h', num_nodes: 1, walltime: '1h' }, /resources\.walltime: unknown key "walltime"; valid keys: max_time, num_nodes/],
  ['a non-object', 'lots', /resources: expected an object/],
];
for (const [what, input, expected] of invalid) {
  test(`normalizeResources rejects ${what}`, (t) => {
    const error = t.throws(() => normalizeResources(input), { instanceOf: ResourceSpecError });
    t.regex(error!.message, expected);
  });
}

test('normalizeResources lists every problem in one error', (t) => {
  const error = t.throws(() => normalizeResources({ max_time: 'soon', num_cores: -1, max_mem_tot: '5x', queue: 'a' }, 'remote_info.resources'), { instanceOf: ResourceSpecError });
  t.deepEqual(error!.problems.map((p) => p.where), [
    'remote_info.resources.queue', 'remote_info.resources.max_time', 'remote_info.resources.num_cores', 'remote_info.resources.max_mem_tot',
  ]);
  t.regex(error!.message, /^Invalid resources \(4 problems\):\n {2}remote_info\.resources\.queue: unknown key "queue" \(did you mean "queues"\?\)/);
});

test('describeRequest summarises a request for messages', (t) => {
  const r = normalizeResources({ max_time: '2h', num_cores: 17, max_mem_per_core: '2g', partitions: ['std', 'big.*'] });
  t.is(describeRequest(r, { exactFit: true, partialNode: false }), '(num_cores=17, max_time=2:00:00, max_mem_per_core=2 GiB, partitions=std|big.*, exact_fit)');
});
