import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { canonicalEncode, canonicalHash, hashToId } from '../../../src/codec/index.ts';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const hashesEqual = test.macro({
  exec(t: ExecutionContext, a: () => unknown, b: () => unknown) {
    t.is(canonicalHash(a()), canonicalHash(b()));
    t.is(canonicalEncode(a()), canonicalEncode(b()));
  },
  title: (name = '') => `${name} do not change the hash`,
});

const hashesDiffer = test.macro({
  exec(t: ExecutionContext, values: unknown[]) {
    const hashes = new Set(values.map((value) => canonicalHash(value)));
    t.is(hashes.size, values.length);
  },
  title: (name = '') => `${name} have different hashes`,
});

test('key order', hashesEqual, () => ({ a: 1, b: { c: 2, d: [3] } }), () => ({ b: { d: [3], c: 2 }, a: 1 }));
test('integer-like and other keys in any order', hashesEqual, () => ({ b: 1, 10: 2, 2: 3, B: 4 }), () => ({ B: 4, 2: 3, b: 1, 10: 2 }));
test('Map insertion order', hashesEqual, () => new Map<unknown, unknown>([[1, 'a'], ['1', 'b'], [{ k: 1 }, 'c']]), () => new Map<unknown, unknown>([[{ k: 1 }, 'c'], ['1', 'b'], [1, 'a']]));
test('Set insertion order', hashesEqual, () => new Set([3, 'x', [1], { a: 1 }]), () => new Set([{ a: 1 }, [1], 'x', 3]));
test('insertion order in Sets nested in Maps', hashesEqual, () => new Map([['k', new Set([1, 2])]]), () => new Map([['k', new Set([2, 1])]]));
test('key order inside Error props and Map keys', hashesEqual, () => new Map([[{ x: 1, y: 2 }, Object.assign(new Error('e'), { a: 1, b: 2 })]]), () => new Map([[{ y: 2, x: 1 }, Object.assign(new Error('e'), { b: 2, a: 1 })]]));
test('the place an Error was created (its stack)', hashesEqual, () => new Error('same'), () => [new Error('same')][0]);
test('different ways of making NaN', hashesEqual, () => [NaN], () => [0 / 0, Number('x')].slice(0, 1));

test('0 and -0', hashesDiffer, [0, -0]);
test('0 and -0 inside arrays and typed arrays', hashesDiffer, [[0], [-0], new Float64Array([0]), new Float64Array([-0])]);
test('values that JSON would confuse', hashesDiffer, [null, undefined, NaN, Infinity, -Infinity, 1, 1n, '1', [1], new Set([1]), new Int32Array([1]), new Float64Array([1]), new Date(1), { a: undefined }, {}, [undefined], [null]]);
test('a Buffer, a Uint8Array and an ArrayBuffer with the same bytes', hashesDiffer, [Buffer.from([1]), new Uint8Array([1]), new Uint8Array([1]).buffer]);
test('a long number[], the same numbers as a Float64Array, and a number[] one element shorter', hashesDiffer, [
  Array.from({ length: 2000 }, (_, i) => i),
  Float64Array.from({ length: 2000 }, (_, i) => i),
  Array.from({ length: 1999 }, (_, i) => i),
]);
test('an Error and an object with the same fields', hashesDiffer, [new Error('m'), { name: 'Error', message: 'm' }]);
test('errors differing only by name, cause or a prop', hashesDiffer, [new Error('m'), new TypeError('m'), new Error('m', { cause: 1 }), Object.assign(new Error('m'), { code: 1 })]);

test('canonicalHash of plain data is the sha256 of canonicalEncode, also beyond one streamed chunk', (t) => {
  const small = { b: new Map([[2, 'x']]), a: -0 };
  const large = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `item ${i}`, f: i / 7 }));
  const huge = { list: large, numbers: Array.from({ length: 50_000 }, () => Math.E) };
  for (const value of [small, large, huge]) t.is(canonicalHash(value), sha256(canonicalEncode(value)));
});

test('a binary value is hashed as tag, element type, byte length and its raw bytes', (t) => {
  const f = new Float64Array(50_000).fill(Math.E);
  const raw = Buffer.from(f.buffer);
  const expected = createHash('sha256')
    .update(`{"xpr":1,"v":{"a":1,"f":{"$t":"raw","type":"f64","length":${raw.length},"bytes":`)
    .update(raw)
    .update('}}}')
    .digest('hex');
  t.is(canonicalHash({ f, a: 1 }), expected);
  // The same bytes as another element type, or one byte shorter, are another key.
  t.not(canonicalHash({ f: new Uint8Array(raw), a: 1 }), expected);
  t.not(canonicalHash({ f: new Uint8Array(raw.subarray(1)), a: 1 }), canonicalHash({ f: new Uint8Array(raw), a: 1 }));
});

test('canonicalHash returns 64 lowercase hex digits', (t) => {
  t.regex(canonicalHash({ a: 1 }), /^[0-9a-f]{64}$/);
});

test('the canonical hash of a fixed value is pinned (a change here invalidates every cached job)', (t) => {
  const value = {
    n: [1, -0, NaN, 1.5e300, 2n ** 70n],
    s: new Set(['b', 'a']),
    m: new Map<unknown, unknown>([[2, new Date(0)], [1, undefined]]),
    f: new Float32Array([1, 2]),
    e: new RangeError('r', { cause: 'c' }),
    x: { 'z': null, 'é': true, $t: 'esc' },
  };
  t.is(
    canonicalEncode(value),
    '{"xpr":1,"v":{"e":{"$t":"error","v":{"cause":"c","message":"r","name":"RangeError"}},"f":{"$t":"f32","v":"AACAPwAAAEA="},' +
      '"m":{"$t":"map","v":[[1,{"$t":"undefined"}],[2,{"$t":"date","v":0}]]},"n":[1,{"$t":"number","v":"-0"},{"$t":"number","v":"NaN"},1.5e+300,{"$t":"bigint","v":"1180591620717411303424"}],' +
      '"s":{"$t":"set","v":["a","b"]},"x":{"$t":"object","v":{"$t":"esc","z":null,"é":true}}}}',
  );
  // Format 1 hashed `f` as its base64 text (d9357a91...); format 2 hashes its raw bytes.
  t.is(canonicalHash(value), '5d39a27630e9c65ba47e14353b3a1c6dccc90ad3fa5c3866473c89b8e7493cc9');
  t.is(canonicalHash({ ...value, f: [1, 2] }), sha256(canonicalEncode({ ...value, f: [1, 2] })));
});

test('hashToId matches the RFC 4648 base32 test vectors in lower case', (t) => {
  const hex = (text: string): string => Buffer.from(text).toString('hex');
  t.is(hashToId(hex('f'), 2), 'my');
  t.is(hashToId(hex('fo'), 4), 'mzxq');
  t.is(hashToId(hex('foo'), 5), 'mzxw6');
  t.is(hashToId(hex('foob'), 7), 'mzxw6yq');
  t.is(hashToId(hex('fooba'), 8), 'mzxw6ytb');
  t.is(hashToId(hex('foobar'), 10), 'mzxw6ytboi');
});

test('hashToId gives a prefix of the full id, using only a-z and 2-7', (t) => {
  const digest = canonicalHash({ job: 1 });
  const full = hashToId(digest, 52);
  t.regex(full, /^[a-z2-7]{52}$/);
  t.is(hashToId(digest, 12), full.slice(0, 12));
  t.is(hashToId(digest.toUpperCase(), 12), full.slice(0, 12));
});

test('hashToId refuses a length outside the digest and text that is not hex', (t) => {
  const digest = canonicalHash(1);
  t.throws(() => hashToId(digest, 0), { instanceOf: RangeError, message: /from 1 to 52/ });
  t.throws(() => hashToId(digest, 53), { instanceOf: RangeError });
  t.throws(() => hashToId('xyz', 2), { instanceOf: RangeError, message: /hex digest/ });
});
