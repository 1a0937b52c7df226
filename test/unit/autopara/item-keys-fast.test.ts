// Item keys computed with the one-call pair hash are the keys the general canonical hash gives (stored item caches
// stay valid), for every kind of item.
import test from 'ava';
import { canonicalHash } from '../../../src/codec/index.ts';
import { callKeys, pairHash } from '../../../src/autopara/item-keys.ts';

test('pairHash(a, b) is canonicalHash([a, b]) for hex digests', (t) => {
  for (const [a, b] of [[canonicalHash(1), canonicalHash('x')], ['0'.repeat(64), 'f'.repeat(64)], [canonicalHash({ k: [1, 2] }), canonicalHash(null)]] as const) {
    t.is(pairHash(a, b), canonicalHash([a, b]));
  }
});

test('callKeys: each item key is canonicalHash([base, canonicalHash(item)]), as before', (t) => {
  const bundle = { hash: 'h'.repeat(16), exportName: 'op' };
  const inputs = [0, -0, 1.5, 'text "quoted"', null, [1, [2]], { b: 1, a: new Float64Array([1, 2]) }, new Map([[1, 'x']])];
  const { itemKeys, callKey } = callKeys(bundle, [{ s: 1 }], [], inputs);
  const args = canonicalHash([{ s: 1 }], 'args');
  const base = canonicalHash({ v: 2, code: bundle.hash, exportName: bundle.exportName, args, inputFiles: [] });
  t.deepEqual(itemKeys, inputs.map((item) => canonicalHash([base, canonicalHash(item)])));
  t.is(callKey, canonicalHash({ base, items: itemKeys }));
});

test('canonicalHash of a string, number, boolean or null is the sha256 of its canonical text (one-call path)', async (t) => {
  const { createHash } = await import('node:crypto');
  const { canonicalEncode } = await import('../../../src/codec/index.ts');
  for (const v of ['', 'a"b\\c\u2028\ud800', 'x'.repeat(70_000), 0, -0, 1.5e300, -7, NaN, Infinity, -Infinity, true, false, null]) {
    t.is(canonicalHash(v), createHash('sha256').update(canonicalEncode(v), 'utf8').digest('hex'), JSON.stringify(String(v)).slice(0, 40));
  }
  t.is(canonicalHash(undefined), createHash('sha256').update(canonicalEncode(undefined), 'utf8').digest('hex'));
});
