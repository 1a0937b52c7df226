import test from 'ava';
import { formatPath, mergeLeaves, OriginMap, type JsonObject } from '../../../src/config/merge.ts';

function merge(...layers: JsonObject[]): { merged: JsonObject; origins: OriginMap } {
  const merged: JsonObject = {};
  const origins = new OriginMap();
  layers.forEach((layer, i) => mergeLeaves(merged, layer, `f${i}`, origins));
  return { merged, origins };
}

test('mergeLeaves overwrites leaves and keeps the rest (update_dict_leaves)', (t) => {
  t.deepEqual(merge({ a: 1, b: 2 }, { b: 3, c: 4 }).merged, { a: 1, b: 3, c: 4 });
});

test('mergeLeaves merges nested dicts leaf by leaf', (t) => {
  const { merged } = merge({ s: { p: { x: 1, y: 2 }, q: 1 } }, { s: { p: { y: 3 } } });
  t.deepEqual(merged, { s: { p: { x: 1, y: 3 }, q: 1 } });
});

test('mergeLeaves replaces lists wholesale', (t) => {
  t.deepEqual(merge({ l: [1, 2, 3] }, { l: [4] }).merged, { l: [4] });
});

test('"_DELETE_" removes an existing key, nested or not', (t) => {
  t.deepEqual(merge({ a: 1, s: { p: 1, q: 2 } }, { a: '_DELETE_', s: { q: '_DELETE_' } }).merged, { s: { p: 1 } });
});

test('"_DELETE_" for a missing key adds nothing (ExPyRe bug B16 fixed), also inside a new dict', (t) => {
  t.deepEqual(merge({ a: 1 }, { b: '_DELETE_', c: { d: '_DELETE_', e: 1 } }).merged, { a: 1, c: { e: 1 } });
});

test('null overwrites a dict, and a dict replaces null or a scalar', (t) => {
  t.deepEqual(merge({ s: { a: 1 }, t: null, u: 'x' }, { s: null, t: { b: 1 }, u: { c: 1 } }).merged, { s: null, t: { b: 1 }, u: { c: 1 } });
});

test('mergeLeaves does not share structure with its inputs', (t) => {
  const layer = { l: [1], s: { a: 1 } };
  const { merged } = merge(layer);
  (merged.l as number[]).push(2);
  (merged.s as JsonObject).a = 2;
  t.deepEqual(layer, { l: [1], s: { a: 1 } });
});

test('a "__proto__" key is stored as data, never as a prototype', (t) => {
  const { merged } = merge(JSON.parse('{"__proto__": {"polluted": true}}') as JsonObject);
  t.true(Object.hasOwn(merged, '__proto__'));
  t.is(({} as JsonObject).polluted, undefined);
  t.is(Object.getPrototypeOf(merged), Object.prototype);
});

test('origins say which file set each leaf, and the latest file under a path', (t) => {
  const { origins } = merge({ s: { p: { x: 1, y: 2 }, q: 1 } }, { s: { p: { y: 3 } } }, { s: { q: 2 } });
  t.is(origins.fileOf(['s', 'p', 'x']), 'f0');
  t.is(origins.fileOf(['s', 'p', 'y']), 'f1');
  t.is(origins.fileOf(['s', 'q']), 'f2');
  t.is(origins.fileOf(['s', 'p', 'missing']), 'f0');
  t.is(origins.lastFileUnder(['s']), 'f2');
  t.is(origins.lastFileUnder(['s', 'p']), 'f1');
  t.is(origins.fileOf(['nothing']), null);
});

test('a replaced subtree forgets the origins of what it replaced', (t) => {
  const { origins } = merge({ s: { p: { x: 1 } } }, { s: { p: [1] } });
  t.is(origins.fileOf(['s', 'p', 'x']), 'f1');
  t.is(origins.lastFileUnder(['s', 'p']), 'f1');
});

test('formatPath writes dotted paths, with brackets for odd names', (t) => {
  t.is(formatPath(['systems', 'cluster', 'partitions', 'std', 'max_time']), 'systems.cluster.partitions.std.max_time');
  t.is(formatPath(['systems', 'node16_1,node16_2']), 'systems["node16_1,node16_2"]');
  t.is(formatPath(['systems', 'gpu-a100']), 'systems.gpu-a100');
});
