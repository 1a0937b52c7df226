// The format-2 container: header, blob length table, JSON text, then 8-byte-aligned raw blobs; laid out as chunks
// (no copy of a big blob) and parsed back with every length, offset and padding byte checked.
import { Buffer } from 'node:buffer';
import { CodecFormatError } from './errors.ts';
import { CONTAINER_VERSION } from './format.ts';

/**
 * Layout (integers little-endian):
 *   0  magic, 8 bytes: 00 'x' 'p' 'r' 0d 0a 1a 0a (a NUL first: never JSON text, so format 1 text is told apart)
 *   8  u32 container version (2)
 *  12  u32 blob count N
 *  16  u64 JSON text length J
 *  24  N x u64 blob byte lengths
 *      J bytes of UTF-8 JSON text `{"xpr":2,"v":...}`, zero bytes up to a multiple of 8
 *      each blob, followed by zero bytes up to a multiple of 8
 * The file ends right after the last padding: its length is fully determined by the header and the table.
 */
export const CONTAINER_MAGIC = Buffer.from([0x00, 0x78, 0x70, 0x72, 0x0d, 0x0a, 0x1a, 0x0a]);
const headerBytes = 24;
const align = 8;
// Chunks smaller than this are joined (one copy of little data) so a value with many small binaries is few writes.
const joinBelow = 1 << 16;

const zeros = Buffer.alloc(align);

/** True when `bytes` is meant as a container: it starts with NUL, as JSON text (format 1) never does; parseContainer
 *  then checks the rest of the magic. */
export function isContainer(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === 0;
}

// The container as chunks, in order: the blobs are the given views themselves, never copied.
export function containerChunks(json: string, blobs: readonly Uint8Array[]): Uint8Array[] {
  const text = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(headerBytes + 8 * blobs.length);
  CONTAINER_MAGIC.copy(head, 0);
  head.writeUInt32LE(CONTAINER_VERSION, 8);
  head.writeUInt32LE(blobs.length, 12);
  head.writeBigUInt64LE(BigInt(text.length), 16);
  blobs.forEach((blob, i) => head.writeBigUInt64LE(BigInt(blob.byteLength), headerBytes + 8 * i));
  const chunks: Uint8Array[] = [head, text];
  const pad = (length: number): void => {
    if (length % align !== 0) chunks.push(zeros.subarray(0, align - (length % align)));
  };
  pad(head.length + text.length);
  for (const blob of blobs) {
    chunks.push(blob);
    pad(blob.byteLength);
  }
  return joinSmall(chunks);
}

// Runs of small chunks joined into one buffer; big chunks stay the views they are.
function joinSmall(chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  const flush = (): void => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) out.push(Buffer.concat(run));
    run = [];
  };
  for (const chunk of chunks) {
    if (chunk.byteLength === 0) continue;
    if (chunk.byteLength < joinBelow) {
      run.push(chunk);
      continue;
    }
    flush();
    out.push(chunk);
  }
  flush();
  return out;
}

/** The JSON text and blobs (views of `bytes`) of a container; CodecFormatError naming what is wrong otherwise. */
export interface ParsedContainer {
  json: string;
  blobs: Buffer[];
}

export function parseContainer(input: Uint8Array): ParsedContainer {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const fail = (problem: string): never => {
    throw new CodecFormatError('', `format 2 container: ${problem}`);
  };
  if (bytes.length < headerBytes) fail(`${bytes.length} bytes is shorter than the ${headerBytes}-byte header (truncated?)`);
  if (!CONTAINER_MAGIC.equals(bytes.subarray(0, CONTAINER_MAGIC.length))) fail('the magic bytes are wrong');
  const version = bytes.readUInt32LE(8);
  if (version !== CONTAINER_VERSION) {
    fail(`unsupported container version ${version}; this xpr reads version ${CONTAINER_VERSION} (was it written by another xpr release?)`);
  }
  const count = bytes.readUInt32LE(12);
  const tableEnd = headerBytes + 8 * count;
  if (tableEnd > bytes.length) fail(`the header lists ${count} blobs, but the ${bytes.length}-byte file cannot hold their length table (truncated?)`);
  const jsonLength = readLength(bytes, 16, 'the JSON text length', fail);
  const lengths = Array.from({ length: count }, (_, i) => readLength(bytes, headerBytes + 8 * i, `the length of blob ${i}`, fail));
  const jsonEnd = tableEnd + jsonLength;
  let expected = aligned(jsonEnd);
  for (const length of lengths) expected += aligned(length);
  if (expected !== bytes.length) {
    fail(expected > bytes.length
      ? `the header and length table need ${expected} bytes, the file has ${bytes.length} (truncated?)`
      : `${bytes.length - expected} unexpected bytes after the last blob (the file should be ${expected} bytes)`);
  }
  checkPadding(bytes, jsonEnd, 'after the JSON text', fail);
  const blobs: Buffer[] = [];
  let at = aligned(jsonEnd);
  lengths.forEach((length, i) => {
    blobs.push(bytes.subarray(at, at + length));
    checkPadding(bytes, at + length, `after blob ${i}`, fail);
    at = aligned(at + length);
  });
  let json = '';
  try {
    json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(tableEnd, jsonEnd));
  } catch {
    fail('the JSON text is not valid UTF-8');
  }
  return { json, blobs };
}

function readLength(bytes: Buffer, offset: number, what: string, fail: (problem: string) => never): number {
  const value = bytes.readBigUInt64LE(offset);
  if (value > BigInt(bytes.length)) fail(`${what} is ${value}, more than the ${bytes.length} bytes of the file (truncated or damaged)`);
  return Number(value);
}

function aligned(offset: number): number {
  return Math.ceil(offset / align) * align;
}

function checkPadding(bytes: Buffer, from: number, where: string, fail: (problem: string) => never): void {
  for (let i = from; i < aligned(from); i++) if (bytes[i] !== 0) fail(`padding byte ${i} ${where} is not zero (damaged?)`);
}
