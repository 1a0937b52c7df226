// The streaming paths for binary values (canonicalHash feeding their raw bytes to the hash, encodeBytes laying base64
// out in one buffer) give exactly the hashes of the documented canonical stream and the bytes of the whole-string path,
// for every kind of view and offset.
import { createHash } from 'node:crypto';
import test from 'ava';
import { canonicalEncode, canonicalHash, decode, encode, encodeBytes } from '../../../src/codec/index.ts';

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

// The hash input written out by hand from the canonical format-1 text: every binary value (but a long number[],
// and those inside Maps and Sets, which the callers here avoid unless said) goes in as
// `{"$t":"raw","type":<tag>,"length":<n>,"bytes":` + its raw bytes + `}`.
const binaryTag = /\{"\$t":"(buffer|arraybuffer|dataview|i8|u8|u8c|i16|u16|i32|u32|f32|f64|i64|u64)","v":"([A-Za-z0-9+/=]*)"\}/g;
function rawStreamHash(canonicalText: string): string {
  const hash = createHash('sha256');
  let at = 0;
  for (const m of canonicalText.matchAll(binaryTag)) {
    const bytes = Buffer.from(m[2]!, 'base64');
    hash.update(canonicalText.slice(at, m.index)).update(`{"$t":"raw","type":"${m[1]}","length":${bytes.length},"bytes":`).update(bytes).update('}');
    at = m.index! + m[0].length;
  }
  return hash.update(canonicalText.slice(at)).digest('hex');
}

// Deterministic bytes (an LCG): the same on every platform.
function lcgBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// Values larger than one streamed chunk (48 KiB), with byte counts that are and are not multiples of 3, and views that
// start inside their ArrayBuffer.
function binaryValues(): Record<string, unknown> {
  const backing = lcgBytes(300_000, 7);
  return {
    f64: new Float64Array(lcgBytes(8 * 200_001, 1).buffer),
    buffer: lcgBytes(100_000, 2),
    view: backing.subarray(5, 70_005),
    f32: new Float32Array(backing.buffer, backing.byteOffset + 12, 30_000),
    dv: new DataView(backing.buffer, backing.byteOffset + 7, 60_000),
    ab: lcgBytes(70_000, 3).buffer,
    nested: { z: [lcgBytes(49_153, 4)], a: new Map([['k', new Int16Array(lcgBytes(50_000, 5).buffer)]]) },
    numbers: Array.from({ length: 50_000 }, (_, i) => i * 0.25 - 3),
  };
}

// Digests of codec format 2 (binary values hashed as raw bytes): a change here changes the cache key of every job
// that has a binary argument. Format 1 (base64 text) gave f64 7f87b31c..., buffer 17b445ce..., all fd59bfdf...;
// `numbers` (a long plain number[]) is plain data and keeps its format-1 digest.
const pinned: Record<string, string> = {
  f64: 'a5ff9b280e0c11b05f254f8e41352d386ae02be16574f84eac61f60fc7859919',
  buffer: 'a431478b7914f5cf3da1b27727153e20c49453307ae26044cbf543ef91135e0e',
  view: '81b336080439f505257a3366bdcaf56565d17aa97a4b676280c6575c3400e609',
  f32: '73974bf7bae12a9d94006fbc32373b129519d82f8e605b2e807fc23f25a75cf6',
  dv: '60477e41fb81192f20f922011a3772183e4118e2dd740eb22b96714c83cf0baf',
  ab: 'c9dd2614b31c095776078f39c0e8f8624d87a14d200914d700c58da6240681b8',
  nested: 'c3ea3561db3a8f27598de8f4917294064c02102c97b25b952c1fe2fb3fa948a9',
  numbers: 'b3b2fd9a5f3417af7aaea67206b6a5e5a3b50ee4b784800c417836e499c1ed7d',
  all: '324dcd22730f895fd9a7be45f5989bfeec3f1bb2ad886c0f915ca3f3ca20f18c',
};

for (const [name, value] of Object.entries(binaryValues())) {
  test(`${name}: canonicalHash streams the raw bytes as documented, pinned`, (t) => {
    if (name !== 'nested') t.is(canonicalHash(value), rawStreamHash(canonicalEncode(value)));
    t.is(canonicalHash(value), pinned[name]!);
  });

  test(`${name}: encodeBytes gives the UTF-8 bytes of encode, and they decode to the value`, (t) => {
    const bytes = encodeBytes(value);
    t.true(bytes.equals(Buffer.from(encode(value), 'utf8')));
    t.deepEqual(decode(bytes.toString('utf8')), value);
  });
}

test('a binary inside a Map or Set is hashed as its format-1 text (entries are sorted by their text)', (t) => {
  const bytes = lcgBytes(49_153, 4);
  for (const value of [new Map([['k', bytes]]), new Set([bytes, new Float32Array(3)])]) {
    t.is(canonicalHash(value), sha256(canonicalEncode(value)));
  }
});

test('all of them in one object hash as pinned', (t) => {
  t.is(canonicalHash(binaryValues()), pinned.all!);
});

test('a view is encoded from its own bytes (byteOffset and byteLength), not from its whole ArrayBuffer', (t) => {
  const backing = lcgBytes(200_000, 9);
  for (const view of [
    backing.subarray(3, 150_003),
    new Uint8Array(backing.buffer, backing.byteOffset + 1, 99_999),
    new Float64Array(backing.buffer, backing.byteOffset + 8 * 3, 10_000),
    new DataView(backing.buffer, backing.byteOffset + 11, 150_000),
  ]) {
    const own = Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
    t.true(canonicalEncode(view).includes(`"v":"${own}"`));
    t.true(encodeBytes(view).includes(`"v":"${own}"`));
    t.is(canonicalHash(view), rawStreamHash(canonicalEncode(view)));
    t.not(canonicalHash(view), canonicalHash(new Uint8Array(backing.buffer)));
  }
});

test('sizes around the streaming threshold and the chunk size give the same bytes and hashes', (t) => {
  for (const size of [0, 1, 2, 3, 1022, 1023, 1024, 1025, 49_151, 49_152, 49_153, 98_304, 98_305]) {
    const value = { before: 'é☃\ud800', bytes: lcgBytes(size, size), after: [size] };
    t.is(canonicalHash(value), rawStreamHash(canonicalEncode(value)), `canonicalHash, ${size} bytes`);
    t.true(encodeBytes(value).equals(Buffer.from(encode(value), 'utf8')), `encodeBytes, ${size} bytes`);
  }
});

test('encodeBytes counts multi-byte characters in the text around binary values', (t) => {
  const value = ['ünïcödé ☃ 😀', lcgBytes(5000, 1), { 'ключ': 'значение' }, lcgBytes(4000, 2), '末尾'];
  const bytes = encodeBytes(value);
  t.true(bytes.equals(Buffer.from(encode(value), 'utf8')));
  t.deepEqual(decode(bytes.toString('utf8')), value);
});
