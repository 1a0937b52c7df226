// Binary values (typed arrays, ArrayBuffer, DataView, Buffer): their little-endian bytes and base64 text, streamed in chunks.
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

/** Tag and little-endian bytes of a binary value (a view of the value's own memory on little-endian hosts). */
export interface BinaryBytes {
  tag: string;
  bytes: Buffer;
}

// Tag and bytes of a binary value whose prototype is `proto`, or undefined when it is not one.
export function binaryBytes(value: object, proto: object): BinaryBytes | undefined {
  const tag = binaryTagOf(value, proto);
  return tag === undefined ? undefined : { tag, bytes: littleEndianBytes(value) };
}

// A plain number[] as the `numbers` tag: its float64 bytes, exact and much faster than number text.
export function packedNumbers(items: number[]): BinaryBytes {
  return { tag: 'numbers', bytes: littleEndianBytes(Float64Array.from(items)) };
}

/** Length of the padded base64 text of `byteLength` bytes. */
export function base64Length(byteLength: number): number {
  return Math.ceil(byteLength / 3) * 4;
}

// Input bytes per base64 chunk: a multiple of 3 (so chunks join without padding) small enough that the chunk's text
// and its copy stay in the CPU cache; 48 KiB is about 2x faster than one base64 string for 100 MB.
const chunkBytes = 3 << 14;

/** A reusable output buffer for base64Chunks (one per sink; not shared between concurrent walks). */
export function base64Scratch(): Buffer {
  return Buffer.allocUnsafe(base64Length(chunkBytes));
}

// Calls `emit` with the base64 text of `bytes` as ASCII bytes, chunk by chunk (views of `scratch`, valid only during
// the call), never building the whole text: exactly the bytes of `bytes.toString('base64')`, in order.
export function base64Chunks(bytes: Buffer, scratch: Buffer, emit: (chunk: Buffer) => void): void {
  for (let start = 0; start < bytes.length; start += chunkBytes) {
    const end = Math.min(bytes.length, start + chunkBytes);
    const written = scratch.write(bytes.toString('base64', start, end), 0, 'latin1');
    emit(scratch.subarray(0, written));
  }
}

// Writes the base64 text of `bytes` into `out` at `offset`, chunk by chunk with no whole-text string; returns its length.
export function base64Into(bytes: Buffer, out: Buffer, offset: number): number {
  let at = offset;
  for (let start = 0; start < bytes.length; start += chunkBytes) {
    at += out.write(bytes.toString('base64', start, Math.min(bytes.length, start + chunkBytes)), at, 'latin1');
  }
  return at - offset;
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
