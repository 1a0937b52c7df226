// Binary values (typed arrays, ArrayBuffer, DataView, Buffer) as base64 of their bytes, little-endian everywhere.
// Owns the binary tag names; the writer and reader ask here and know nothing about element types.
import { Buffer } from 'node:buffer';
import { endianness } from 'node:os';
import { types } from 'node:util';

const typedArrays = {
  i8: Int8Array,
  u8: Uint8Array,
  u8c: Uint8ClampedArray,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  f32: Float32Array,
  f64: Float64Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
} as const;

type TypedArrayTag = keyof typeof typedArrays;

/** Every binary tag, in the order a reader lists them; `numbers` is a long plain number[] packed as float64. */
export const binaryTags: readonly string[] = ['numbers', 'buffer', 'arraybuffer', 'dataview', ...Object.keys(typedArrays)];

/** Tag and base64 bytes of a binary value. */
export interface BinaryParts {
  tag: string;
  base64: string;
}

// Tag and base64 of a binary value whose prototype is `proto`, or undefined when it is not one.
export function binaryParts(value: object, proto: object): BinaryParts | undefined {
  const tag = binaryTagOf(value, proto);
  return tag === undefined ? undefined : { tag, base64: littleEndianBytes(value).toString('base64') };
}

// A plain number[] as the `numbers` tag: its float64 bytes, exact and much faster than number text.
export function packedNumbers(items: number[]): BinaryParts {
  return { tag: 'numbers', base64: littleEndianBytes(Float64Array.from(items)).toString('base64') };
}

// True when `tag` names a binary value.
export function isBinaryTag(tag: string): boolean {
  return binaryTags.includes(tag);
}

// The value a binary tag stands for, built from its little-endian bytes; calls `fail` for a bad byte count.
export function binaryValue(tag: string, bytes: Buffer, fail: (problem: string) => never): object {
  if (tag === 'numbers') return toNumberArray(binaryValue('f64', bytes, fail) as Float64Array);
  if (tag === 'buffer') return bytes;
  if (tag === 'arraybuffer') return copyToArrayBuffer(bytes);
  if (tag === 'dataview') return new DataView(copyToArrayBuffer(bytes));
  const Ctor = typedArrays[tag as TypedArrayTag];
  const size = Ctor.BYTES_PER_ELEMENT;
  if (bytes.length % size !== 0) fail(`a ${tag} needs a multiple of ${size} bytes, got ${bytes.length}`);
  const out = new Ctor(bytes.length / size);
  new Uint8Array(out.buffer).set(bytes);
  if (size > 1 && isBigEndianHost()) swapBytes(Buffer.from(out.buffer), size);
  return out;
}

// The tag of a genuine binary value with exactly this prototype (subclasses are not ours).
function binaryTagOf(value: object, proto: object): string | undefined {
  if (proto === Buffer.prototype) return types.isUint8Array(value) ? 'buffer' : undefined;
  if (proto === ArrayBuffer.prototype) return types.isArrayBuffer(value) ? 'arraybuffer' : undefined;
  if (proto === DataView.prototype) return types.isDataView(value) ? 'dataview' : undefined;
  if (!types.isTypedArray(value)) return undefined;
  for (const [tag, Ctor] of Object.entries(typedArrays)) if (proto === Ctor.prototype) return tag;
  return undefined;
}

// The bytes of a binary value, with multi-byte elements in little-endian order (a copy only on big-endian hosts).
function littleEndianBytes(value: object): Buffer {
  if (types.isArrayBuffer(value)) return Buffer.from(value);
  const view = value as ArrayBufferView & { BYTES_PER_ELEMENT?: number };
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  const size = view.BYTES_PER_ELEMENT ?? 1;
  return size > 1 && isBigEndianHost() ? swapBytes(Buffer.from(bytes), size) : bytes;
}

// Array.from is 3x slower than this loop on a million elements.
function toNumberArray(floats: Float64Array): number[] {
  const items = new Array<number>(floats.length);
  for (let i = 0; i < floats.length; i++) items[i] = floats[i]!;
  return items;
}

function copyToArrayBuffer(bytes: Buffer): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

function isBigEndianHost(): boolean {
  return endianness() === 'BE';
}

// Reverses the byte order of each element in place.
function swapBytes(bytes: Buffer, size: number): Buffer {
  return size === 2 ? bytes.swap16() : size === 4 ? bytes.swap32() : bytes.swap64();
}
