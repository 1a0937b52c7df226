import test, { type ExecutionContext } from 'ava';
import { canonicalEncode, decode, encode } from '../../../src/codec/index.ts';

const roundTrip = (value: unknown): unknown => decode(encode(value));

// ava's deepEqual compares constructors and contents; Object.is catches -0 and NaN at the top level.
const survivesRoundTrip = test.macro({
  exec(t: ExecutionContext, value: unknown) {
    const back = roundTrip(value);
    t.deepEqual(back, value);
    if (typeof value === 'number') t.true(Object.is(back, value));
    if (typeof value === 'object' && value !== null) t.is(Object.getPrototypeOf(back), Object.getPrototypeOf(value));
  },
  title: (name = '') => `${name} survives encode then decode`,
});

const values: Array<[string, unknown]> = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['zero', 0],
  ['negative zero', -0],
  ['a fraction', -1.5],
  ['the largest double', Number.MAX_VALUE],
  ['the smallest subnormal', 5e-324],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['an empty string', ''],
  ['a string with unicode, NUL and a lone surrogate', 'h\u00e9llo \u2603 \u0000 \ud800 "quoted"\n'],
  ['undefined', undefined],
  ['a bigint', 0n],
  ['a negative bigint beyond 64 bits', -(2n ** 100n)],
  ['an array with undefined, -0 and NaN', [undefined, -0, NaN, 1]],
  ['an object with an undefined value', { a: undefined, b: 1 }],
  ['a Date', new Date('2024-02-29T12:34:56.789Z')],
  ['an invalid Date', new Date(NaN)],
  ['the latest Date', new Date(8.64e15)],
  ['an empty Map', new Map()],
  ['a Map with object, number and undefined keys', new Map<unknown, unknown>([[{ k: 1 }, 'o'], [1, [2]], [undefined, null]])],
  ['a Set', new Set([3, 'a', { b: 1 }, undefined])],
  ['a Map of Sets', new Map([['s', new Set([new Map([[1, 2]])])]])],
  ['an Int8Array', new Int8Array([-128, 0, 127])],
  ['a Uint8Array', new Uint8Array([0, 255])],
  ['a Uint8ClampedArray', new Uint8ClampedArray([0, 128, 255])],
  ['an Int16Array', new Int16Array([-32768, 1, 32767])],
  ['a Uint16Array', new Uint16Array([0, 65535])],
  ['an Int32Array', new Int32Array([-(2 ** 31), 2 ** 31 - 1])],
  ['a Uint32Array', new Uint32Array([0, 2 ** 32 - 1])],
  ['a Float32Array', new Float32Array([1.5, -0, NaN, Infinity])],
  ['a Float64Array', new Float64Array([Math.PI, -0, NaN, -Infinity, 5e-324])],
  ['a BigInt64Array', new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])],
  ['a BigUint64Array', new BigUint64Array([0n, 2n ** 64n - 1n])],
  ['an empty Float64Array', new Float64Array(0)],
  ['an ArrayBuffer', new Uint8Array([1, 2, 3]).buffer],
  ['a DataView', new DataView(new Uint8Array([9, 8, 7]).buffer)],
  ['a RegExp', /a+(b|c)\/[^\n]*/giu],
  ['an object with a null prototype', Object.assign(Object.create(null) as object, { a: 1, b: [2] })],
  ['a plain object that has its own "$t" key', { $t: 'undefined', v: 1 }],
  ['an object with keys that are not identifiers', { 'we ird': 1, '': 2, '0': 3, constructor: 4 }],
  [
    'a nested structure',
    { id: 7, pos: [1.5, -2, 3e-9], tags: new Set(['x']), meta: { when: new Date(0), big: 10n, list: [{ a: [[]] }, {}] } },
  ],
];

for (const [name, value] of values) test(name, survivesRoundTrip, value);

test('a Buffer decodes to a Buffer with the same bytes', (t) => {
  const back = roundTrip(Buffer.from('héllo'));
  t.true(Buffer.isBuffer(back));
  t.is((back as Buffer).toString(), 'héllo');
});

test('a typed array view on part of a buffer encodes only its own elements', (t) => {
  const whole = new Float64Array([1, 2, 3, 4]);
  const view = whole.subarray(1, 3);
  t.deepEqual(roundTrip(view), new Float64Array([2, 3]));
  t.is(encode(view), encode(new Float64Array([2, 3])));
});

test('typed arrays are written as base64 of their little-endian bytes', (t) => {
  t.is(encode(new Uint16Array([1, 258])), '{"xpr":1,"v":{"$t":"u16","v":"AQACAQ=="}}');
});

test('a large Float64Array round-trips exactly', (t) => {
  const big = Float64Array.from({ length: 100_000 }, (_, i) => Math.sin(i) * 1e10);
  t.deepEqual(roundTrip(big), big);
});

test('a long number[] is packed as float64 bytes and decodes to a plain array', (t) => {
  const long = Array.from({ length: 1024 }, (_, i) => i / 3 - 100);
  t.regex(encode(long), /^\{"xpr":1,"v":\{"\$t":"numbers","v":"[A-Za-z0-9+/=]+"\}\}$/);
  const back = roundTrip(long);
  t.true(Array.isArray(back));
  t.is(Object.getPrototypeOf(back), Array.prototype);
  t.deepEqual(back, long);
});

test('a number[] shorter than 1024, or holding NaN or -0, stays JSON text', (t) => {
  const short = Array.from({ length: 1023 }, (_, i) => i);
  t.is(encode(short), `{"xpr":1,"v":${JSON.stringify(short)}}`);
  const withNaN = [...short, 1, NaN];
  t.false(encode(withNaN).includes('"numbers"'));
  t.deepEqual(roundTrip(withNaN), withNaN);
  t.deepEqual(roundTrip([...short, 1, -0]), [...short, 1, -0]);
});

test('plain JSON is written as itself inside the payload', (t) => {
  t.is(encode({ a: [1, 'x', null, true], b: {} }), '{"xpr":1,"v":{"a":[1,"x",null,true],"b":{}}}');
});

test('holes in a sparse array come back as undefined', (t) => {
  // eslint-disable-next-line no-sparse-arrays
  t.deepEqual(roundTrip([1, , 3]), [1, undefined, 3]);
});

test('a shared reference is encoded twice and decodes to two equal copies', (t) => {
  const shared = { x: 1 };
  const back = roundTrip({ a: shared, b: [shared] }) as { a: object; b: object[] };
  t.deepEqual(back, { a: { x: 1 }, b: [{ x: 1 }] });
  t.not(back.a, back.b[0]);
});

test('a "__proto__" key round-trips as an own key without changing the prototype', (t) => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
  const back = roundTrip(value) as Record<string, unknown>;
  t.is(Object.getPrototypeOf(back), Object.prototype);
  t.true(Object.hasOwn(back, '__proto__'));
  t.deepEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, { polluted: true });
  t.is(({} as Record<string, unknown>).polluted, undefined);
  t.is(back.polluted, undefined);
});

test('an Error keeps its class, message, stack, code and cause chain', (t) => {
  const root = new RangeError('too far');
  const middle = new Error('middle', { cause: root });
  const error = Object.assign(new TypeError('outer', { cause: middle }), { code: 'E_OUTER', detail: { n: 1n } });
  const back = roundTrip(error) as TypeError & { code: string; detail: unknown };
  t.true(back instanceof TypeError);
  t.is(back.message, 'outer');
  t.is(back.stack, error.stack);
  t.is(back.code, 'E_OUTER');
  t.deepEqual(back.detail, { n: 1n });
  const backMiddle = back.cause as Error;
  t.is(backMiddle.message, 'middle');
  t.true(backMiddle.cause instanceof RangeError);
  t.is((backMiddle.cause as Error).stack, root.stack);
  t.false(Object.keys(back).includes('cause'));
});

test('a custom Error subclass decodes to an Error with its name, without the class', (t) => {
  class QuotaError extends Error {
    override name = 'QuotaError';
    readonly limit = 3;
  }
  const back = roundTrip(new QuotaError('over quota')) as Error & { limit: number };
  t.true(back instanceof Error);
  t.is(back.name, 'QuotaError');
  t.is(back.message, 'over quota');
  t.is(back.limit, 3);
  t.true(String(back.stack).startsWith('QuotaError: over quota'));
});

test('an Error with a cause of undefined keeps the cause key; one without keeps none', (t) => {
  const withUndefined = roundTrip(new Error('a', { cause: undefined })) as Error;
  t.true(Object.hasOwn(withUndefined, 'cause'));
  t.false(Object.hasOwn(roundTrip(new Error('b')) as Error, 'cause'));
});

test('an AggregateError keeps its errors', (t) => {
  const back = roundTrip(new AggregateError([new Error('one'), 'two'], 'both')) as AggregateError;
  t.true(back instanceof AggregateError);
  t.is(back.message, 'both');
  t.is((back.errors[0] as Error).message, 'one');
  t.is(back.errors[1], 'two');
});

test('an Error without a stack decodes without a stack', (t) => {
  const error = new Error('no stack');
  delete error.stack;
  t.is((roundTrip(error) as Error).stack, undefined);
});

test('the canonical text decodes to the same value, with Map and Set in sorted order', (t) => {
  const value = { b: new Map([[2, 'b'], [1, 'a']]), a: new Set([2, 1]), n: -0 };
  t.deepEqual(decode(canonicalEncode(value)), { a: new Set([1, 2]), b: new Map([[1, 'a'], [2, 'b']]), n: -0 });
});
