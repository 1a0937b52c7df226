// Format 2: the container written for job inputs and results (header, JSON text, raw 8-byte-aligned blobs). Values
// round-trip, big binaries are not copied, format 1 files still decode, and damaged or hostile files are refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { CodecFormatError, decodeBytes, encode, encodeChunks, writeChunks, writeChunksSync } from '../../../src/codec/index.ts';

const bytesOf = (value: unknown): Buffer => Buffer.concat(encodeChunks(value));

function lcgBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function sample(): Record<string, unknown> {
  const backing = lcgBytes(300_000, 7);
  return {
    text: 'é☃😀',
    f64: new Float64Array(lcgBytes(8 * 20_001, 1).buffer),
    buffer: lcgBytes(100_001, 2),
    view: backing.subarray(5, 70_005),
    f32: new Float32Array(backing.buffer, backing.byteOffset + 12, 3_000),
    dv: new DataView(backing.buffer, backing.byteOffset + 7, 6_001),
    ab: lcgBytes(7, 3).buffer,
    big: [new BigInt64Array([-1n, 2n ** 62n]), new Uint8ClampedArray([0, 255])],
    empty: new Uint16Array(0),
    map: new Map<unknown, unknown>([[new Int8Array([1, -1]), new Set([new Uint32Array([7])])]]),
    numbers: Array.from({ length: 5000 }, (_, i) => i * 0.25 - 3),
    error: Object.assign(new RangeError('r'), { data: new Int32Array([1, 2]) }),
  };
}

test('values with every kind of binary round-trip through the container', (t) => {
  const value = sample();
  t.deepEqual(decodeBytes(bytesOf(value)), value);
  t.deepEqual(decodeBytes(bytesOf([])), []);
  t.deepEqual(decodeBytes(bytesOf({ a: 1, s: 'plain' })), { a: 1, s: 'plain' });
});

test('decodeBytes also reads format 1 text (old job dirs and results of older runners)', (t) => {
  const value = sample();
  t.deepEqual(decodeBytes(Buffer.from(encode(value), 'utf8')), value);
});

test('a big binary is one of the chunks itself (not copied), 8-byte aligned in the file, as raw bytes', (t) => {
  const big = new Float64Array(200_000).map((_, i) => i);
  const chunks = encodeChunks({ a: 'x', big });
  const own = chunks.find((c) => c.buffer === big.buffer);
  t.truthy(own, 'the Float64Array memory is written as it is');
  const file = Buffer.concat(chunks);
  const at = file.indexOf(Buffer.from(big.buffer));
  t.true(at > 0 && at % 8 === 0);
  t.is(file.length, at + big.byteLength, 'the file is the header, the text and the raw bytes: no base64');
});

test('decoded binaries own their memory (not a view of the file)', (t) => {
  const file = bytesOf({ b: Buffer.from('abc'), u: new Uint8Array([1, 2, 3]) });
  const value = decodeBytes(file) as { b: Buffer; u: Uint8Array };
  file.fill(0);
  t.is(value.b.toString(), 'abc');
  t.deepEqual([...value.u], [1, 2, 3]);
});

test('writeChunksSync and writeChunks write exactly the concatenated chunks', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-container-'));
  try {
    const chunks = encodeChunks(sample());
    writeChunksSync(join(dir, 'a'), chunks);
    await writeChunks(join(dir, 'b'), chunks);
    // More chunks than one writev takes (IOV_MAX), big and small.
    const many = Array.from({ length: 3000 }, (_, i) => lcgBytes(i % 7 === 0 ? 70_000 : 3, i));
    writeChunksSync(join(dir, 'c'), many);
    await writeChunks(join(dir, 'd'), many);
    t.true(readFileSync(join(dir, 'a')).equals(Buffer.concat(chunks)));
    t.true(readFileSync(join(dir, 'b')).equals(Buffer.concat(chunks)));
    t.true(readFileSync(join(dir, 'c')).equals(Buffer.concat(many)));
    t.true(readFileSync(join(dir, 'd')).equals(Buffer.concat(many)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A small container to tamper with: { a: u8 [1,2,3], b: "x" }, one blob.
function small(): { file: Buffer; jsonStart: number; jsonEnd: number } {
  const file = bytesOf({ a: new Uint8Array([1, 2, 3]), b: 'x' });
  const jsonLength = Number(file.readBigUInt64LE(16));
  return { file, jsonStart: 32, jsonEnd: 32 + jsonLength };
}

// A container with the given JSON text and blobs, laid out as the writer does.
function container(json: string, blobs: Buffer[]): Buffer {
  const head = Buffer.alloc(24 + 8 * blobs.length);
  head.set([0x00, 0x78, 0x70, 0x72, 0x0d, 0x0a, 0x1a, 0x0a]);
  head.writeUInt32LE(2, 8);
  head.writeUInt32LE(blobs.length, 12);
  const text = Buffer.from(json);
  head.writeBigUInt64LE(BigInt(text.length), 16);
  blobs.forEach((b, i) => head.writeBigUInt64LE(BigInt(b.length), 24 + 8 * i));
  const pad = (n: number): Buffer => Buffer.alloc((8 - (n % 8)) % 8);
  return Buffer.concat([head, text, pad(head.length + text.length), ...blobs.flatMap((b) => [b, pad(b.length)])]);
}

const rejects = (t: import('ava').ExecutionContext, bytes: Buffer, problem: RegExp): void => {
  const err = t.throws(() => decodeBytes(bytes), { instanceOf: CodecFormatError });
  t.regex(err!.message, problem);
};

test('the helper builds what the writer writes', (t) => {
  t.true(container('{"xpr":2,"v":{"a":{"$t":"u8","b":0},"b":"x"}}', [Buffer.from([1, 2, 3])]).equals(small().file));
});

test('a container truncated anywhere is refused, naming the problem', (t) => {
  const { file } = small();
  for (let length = 1; length < file.length; length++) {
    const err = t.throws(() => decodeBytes(file.subarray(0, length)), { instanceOf: CodecFormatError }, `length ${length}`);
    t.regex(err!.message, /truncated|shorter|magic/, `length ${length}`);
  }
});

test('bytes after the last blob are refused', (t) => {
  rejects(t, Buffer.concat([small().file, Buffer.alloc(8)]), /8 unexpected bytes after the last blob/);
});

test('a wrong magic or container version is refused', (t) => {
  const { file } = small();
  const magic = Buffer.from(file);
  magic[3] = 0x51;
  rejects(t, magic, /magic bytes are wrong/);
  const version = Buffer.from(file);
  version.writeUInt32LE(3, 8);
  rejects(t, version, /unsupported container version 3/);
});

test('lengths in the header that do not fit the file are refused', (t) => {
  const { file } = small();
  const count = Buffer.from(file);
  count.writeUInt32LE(0xffffffff, 12);
  rejects(t, count, /cannot hold their length table/);
  const json = Buffer.from(file);
  json.writeBigUInt64LE(2n ** 63n, 16);
  rejects(t, json, /JSON text length is 9223372036854775808, more than/);
  const blob = Buffer.from(file);
  blob.writeBigUInt64LE(9n, 24);
  rejects(t, blob, /need \d+ bytes, the file has/);
});

test('non-zero padding is refused', (t) => {
  const { file, jsonEnd } = small();
  const damaged = Buffer.from(file);
  damaged[jsonEnd] = 1;
  rejects(t, damaged, /padding byte \d+ after the JSON text is not zero/);
  const tail = Buffer.from(file);
  tail[tail.length - 1] = 1;
  rejects(t, tail, /padding byte \d+ after blob 0 is not zero/);
});

test('blob references are checked: range, type, each blob exactly once', (t) => {
  const blob = [Buffer.from([1, 2, 3])];
  rejects(t, container('{"xpr":2,"v":{"$t":"u8","b":1}}', blob), /at v: a u8 tag holds a blob index from 0 to 0, got 1/);
  rejects(t, container('{"xpr":2,"v":{"$t":"u8","b":-1}}', blob), /blob index/);
  rejects(t, container('{"xpr":2,"v":{"$t":"u8","b":"0"}}', blob), /blob index/);
  rejects(t, container('{"xpr":2,"v":{"$t":"u8","b":0.5}}', blob), /blob index/);
  rejects(t, container('{"xpr":2,"v":[{"$t":"u8","b":0},{"$t":"u8","b":0}]}', blob), /at v\[1\]: blob 0 is referred to twice/);
  rejects(t, container('{"xpr":2,"v":1}', blob), /blob 0 is not referred to by any value/);
  rejects(t, container('{"xpr":2,"v":{"$t":"f64","b":0}}', blob), /a f64 needs a multiple of 8 bytes, got 3/);
  rejects(t, container('{"xpr":2,"v":{"$t":"u8","v":"AQID"}}', []), /a u8 tag has unexpected field\(s\) v/);
});

test('the text inside a container is format 2 JSON in UTF-8, and nothing else', (t) => {
  rejects(t, container('{"xpr":1,"v":1}', []), /unsupported format version 1; expected 2 inside a format 2 container/);
  rejects(t, container('{"xpr":2,"v":1', []), /not JSON/);
  rejects(t, container('{"xpr":2,"v":"\udc00"}', []).fill(0xff, 37, 38), /not valid UTF-8/);
  rejects(t, container('{"xpr":2,"v":1,"code":"process.exit()"}', []), /unexpected top-level field\(s\) code/);
  rejects(t, container('{"xpr":2,"v":{"$t":"function","v":"() => 1"}}', []), /unknown tag "function"/);
});

test('format 1 text must not carry blob references', (t) => {
  const err = t.throws(() => decodeBytes(Buffer.from('{"xpr":1,"v":{"$t":"u8","b":0}}')), { instanceOf: CodecFormatError });
  t.regex(err!.message, /unexpected field\(s\) b/);
});
