import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { loadConfig } from '../../../src/config/load.ts';
import type { PartitionSpec, XprConfig } from '../../../src/config/types.ts';
import { NoPartitionFitsError } from '../../../src/resources/errors.ts';
import { findPartition, normalizeResources, type FitOptions } from '../../../src/resources/resources.ts';
import type { ResourcesInput } from '../../../src/resources/types.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../config/fixtures');

// ExPyRe's tests/assets/expyre_dummy_config.json, loaded the way a user's config is.
function dummyConfig(): XprConfig {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-partitions-'));
  fs.mkdirSync(path.join(root, '_expyre'));
  fs.copyFileSync(path.join(fixtures, 'expyre-dummy.config.json'), path.join(root, '_expyre', 'config.json'));
  try {
    return loadConfig({ cwd: root, env: { EXPYRE_ROOT: path.join(root, '_expyre') }, homeDir: root });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const config = dummyConfig();
const exact: FitOptions = { exactFit: true, partialNode: false };
const inexact: FitOptions = { exactFit: false, partialNode: false };
const partial: FitOptions = { exactFit: true, partialNode: true };

function pick(system: string, input: Omit<ResourcesInput, 'max_time'> & { max_time?: ResourcesInput['max_time'] }, opts: FitOptions = exact) {
  const sys = config.systems.get(system)!;
  const fit = findPartition(normalizeResources({ max_time: '1h', ...input }), sys.partitions, opts, system);
  return { partition: fit.partition.name, numNodes: fit.numNodes, numCores: fit.numCores, numCoresPerNode: fit.numCoresPerNode };
}

function partition(name: string, numCores: number, extra: Partial<PartitionSpec> = {}): PartitionSpec {
  return { name, schedulerName: name, numCores, maxTimeS: null, maxMemKb: null, header: [], ...extra };
}

const node16 = 'node16_1,node16_2';
const expyreSelections: Array<[string, string, Parameters<typeof pick>[1], FitOptions, ReturnType<typeof pick>]> = [
  ['16 cores', '_sys_default', { num_cores: 16 }, exact, { partition: node16, numNodes: 1, numCores: 16, numCoresPerNode: 16 }],
  ['32 cores', '_sys_default', { num_cores: 32 }, exact, { partition: node16, numNodes: 2, numCores: 32, numCoresPerNode: 16 }],
  ['36 cores', '_sys_default', { num_cores: 36 }, exact, { partition: 'node36', numNodes: 1, numCores: 36, numCoresPerNode: 36 }],
  ['1 node (first eligible partition in config order)', '_sys_default', { num_nodes: 1 }, exact, { partition: node16, numNodes: 1, numCores: 16, numCoresPerNode: 16 }],
  ['17 cores without exact_fit', '_sys_default', { num_cores: 17 }, inexact, { partition: node16, numNodes: 2, numCores: 32, numCoresPerNode: 16 }],
  ['71 cores without exact_fit (first of the least-waste partitions)', '_sys_default', { num_cores: 71 }, inexact, { partition: 'node36', numNodes: 2, numCores: 72, numCoresPerNode: 36 }],
  ['17gb per core on 1 node', '_sys_default', { num_nodes: 1, max_mem_per_core: '17gb' }, exact, { partition: 'node_bigmem', numNodes: 1, numCores: 56, numCoresPerNode: 56 }],
  ['1tb in total on 1 node', '_sys_default', { num_nodes: 1, max_mem_tot: '1tb' }, exact, { partition: 'node_bigmem', numNodes: 1, numCores: 56, numCoresPerNode: 56 }],
  ['3 cores with partial_node', '_sys_default', { num_cores: 3 }, partial, { partition: node16, numNodes: 1, numCores: 3, numCoresPerNode: 3 }],
  ['30m', '_sys_timelimited', { num_nodes: 1, max_time: '30m' }, exact, { partition: 'debug', numNodes: 1, numCores: 40, numCoresPerNode: 40 }],
  ['00:30', '_sys_timelimited', { num_nodes: 1, max_time: '00:30' }, exact, { partition: 'debug', numNodes: 1, numCores: 40, numCoresPerNode: 40 }],
  ['1h', '_sys_timelimited', { num_nodes: 1, max_time: '1h' }, exact, { partition: 'debug', numNodes: 1, numCores: 40, numCoresPerNode: 40 }],
  ['1:05:00', '_sys_timelimited', { num_nodes: 1, max_time: '1:05:00' }, exact, { partition: 'standard', numNodes: 1, numCores: 40, numCoresPerNode: 40 }],
  ['2-1:10:05', '_sys_timelimited', { num_nodes: 1, max_time: '2-1:10:05' }, exact, { partition: 'standard', numNodes: 1, numCores: 40, numCoresPerNode: 40 }],
  ['30m on the system configured with "queues"', '_sys_queues', { num_nodes: 1, max_time: '30m' }, exact, { partition: 'debug', numNodes: 1, numCores: 40, numCoresPerNode: 40 }],
  ['30m restricted by partitions to standard', '_sys_timelimited', { num_nodes: 1, max_time: '30m', partitions: 'standard' }, exact, { partition: 'standard', numNodes: 1, numCores: 40, numCoresPerNode: 40 }],
  ['30m restricted by queues to standard (B7 fixed)', '_sys_queues', { num_nodes: 1, max_time: '30m', queues: 'standard' }, exact, { partition: 'standard', numNodes: 1, numCores: 40, numCoresPerNode: 40 }],
  ['a regexp that must match the whole name', '_sys_default', { num_nodes: 1, partitions: 'node_big.*' }, exact, { partition: 'node_bigmem', numNodes: 1, numCores: 56, numCoresPerNode: 56 }],
];

for (const [what, system, input, opts, expected] of expyreSelections) {
  test(`findPartition picks as ExPyRe does for ${what}`, (t) => {
    t.deepEqual(pick(system, input, opts), expected);
  });
}

test('findPartition refuses 17 cores with exact_fit and says why for every partition', (t) => {
  const error = t.throws(() => pick('_sys_default', { num_cores: 17 }), { instanceOf: NoPartitionFitsError });
  t.deepEqual(error!.rejections.map((r) => r.partition), [node16, 'node36', 'node32', 'node_bigmem', 'node_bigmem_72']);
  t.is(error!.rejections[0]!.reason, 'needs 17 cores, exact_fit requires a multiple of 16 cores per node');
  t.is(error!.systemName, '_sys_default');
  t.regex(error!.message, /^No partition of system "_sys_default" fits the request \(num_cores=17, max_time=1:00:00, exact_fit\):\n {2}node16_1,node16_2: needs 17 cores/);
  t.regex(error!.message, /\n {2}node36: needs 17 cores, exact_fit requires a multiple of 36 cores per node \(partial_node would allow part of one node\)/);
});

test('findPartition lists max_time and name rejections', (t) => {
  const error = t.throws(() => pick('_sys_timelimited', { num_nodes: 1, max_time: '2h', partitions: ['debug', 'gpu'] }), { instanceOf: NoPartitionFitsError });
  t.deepEqual(error!.rejections, [
    { partition: 'debug', reason: 'max_time 1:00:00 < requested 2:00:00' },
    { partition: 'standard', reason: 'name does not match requested partitions "debug", "gpu"' },
  ]);
  t.regex(error!.message, /partitions=debug\|gpu/);
});

test('findPartition lists memory rejections with the amounts', (t) => {
  const error = t.throws(() => pick('_sys_timelimited', { num_nodes: 2, max_mem_tot: '300GB', max_time: '200h' }), { instanceOf: NoPartitionFitsError });
  t.is(error!.rejections[0]!.reason, 'max_time 1:00:00 < requested 200:00:00; max_mem 120 GiB per node < needed 150 GiB (max_mem_tot over 2 node(s))');
  t.is(error!.rejections[1]!.reason, 'max_time 168:00:00 < requested 200:00:00; max_mem 120 GiB per node < needed 150 GiB (max_mem_tot over 2 node(s))');
});

test('findPartition with partial_node uses a partition where the cores fit on one node, not the least-waste one that cannot (B14 fixed)', (t) => {
  const parts = [partition('p16', 16), partition('p36', 36)];
  const resources = normalizeResources({ max_time: '1h', num_cores: 20 });
  for (const opts of [partial, { exactFit: false, partialNode: true }]) {
    const fit = findPartition(resources, parts, opts, 'sys');
    t.like(fit, { numNodes: 1, numCores: 20, numCoresPerNode: 20 });
    t.is(fit.partition.name, 'p36');
  }
});

test('findPartition with partial_node and several nodes allocates whole nodes instead of failing', (t) => {
  const fit = findPartition(normalizeResources({ max_time: '1h', num_nodes: 2 }), [partition('p16', 16)], partial, 'sys');
  t.like(fit, { numNodes: 2, numCores: 32, numCoresPerNode: 16 });
});

test('findPartition with partial_node still needs whole nodes above one node', (t) => {
  const parts = [partition('p16', 16), partition('p36', 36)];
  t.throws(() => findPartition(normalizeResources({ max_time: '1h', num_cores: 40 }), parts, partial, 'sys'), { instanceOf: NoPartitionFitsError });
  const fit = findPartition(normalizeResources({ max_time: '1h', num_cores: 40 }), parts, { exactFit: false, partialNode: true }, 'sys');
  t.like(fit, { numNodes: 3, numCores: 48, numCoresPerNode: 16 });
  t.is(fit.partition.name, 'p16');
});

test('findPartition checks per-core memory against the cores actually used on a partial node', (t) => {
  const parts = [partition('small', 16, { maxMemKb: 8 * 1024 ** 2 }), partition('big', 16, { maxMemKb: 64 * 1024 ** 2 })];
  const fit = findPartition(normalizeResources({ max_time: '1h', num_cores: 4, max_mem_per_core: '2g' }), parts, partial, 'sys');
  t.is(fit.partition.name, 'small');
  const whole = findPartition(normalizeResources({ max_time: '1h', num_cores: 16, max_mem_per_core: '2g' }), parts, partial, 'sys');
  t.is(whole.partition.name, 'big');
});

test('findPartition breaks ties by config order and treats null limits as unlimited', (t) => {
  const parts = [partition('b', 8), partition('a', 8, { maxTimeS: 10 ** 9, maxMemKb: 10 ** 9 })];
  const fit = findPartition(normalizeResources({ max_time: '30d', num_cores: 16, max_mem_tot: '1t' }), parts, exact, 'sys');
  t.is(fit.partition.name, 'b');
  t.is(fit.maxTimeS, 30 * 86400);
});

test('findPartition on a system without partitions says so', (t) => {
  const error = t.throws(() => findPartition(normalizeResources({ max_time: '1h', num_nodes: 1 }), [], exact, 'empty'), { instanceOf: NoPartitionFitsError });
  t.deepEqual(error!.rejections, []);
  t.regex(error!.message, /the system has no partitions/);
});
