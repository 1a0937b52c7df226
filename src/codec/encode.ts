// Public encoding entry points: the portable payload (format-1 text or its UTF-8 bytes; format-2 container chunks ready
// for a file) and its canonical (hashable) form. All refuse functions, symbols, class instances and cycles.
import { Buffer } from 'node:buffer';
import { base64Into, base64Length, type BinaryBytes } from './binary.ts';
import { containerChunks } from './container.ts';
import { CONTAINER_VERSION } from './format.ts';
import { StringSink, writePayload, type TextSink } from './writer.ts';

// JSON text `{"xpr":1,"v":...}` of a value, keeping insertion order; `rootPath` names the value in errors.
export function encode(value: unknown, rootPath = 'value'): string {
  const sink = new StringSink();
  writePayload(value, sink, false, rootPath);
  return sink.text;
}

// The UTF-8 bytes of encode(value), built in one buffer of the exact size: base64 text goes straight from the
// binary values into it, with no intermediate string or copy (a 100 MB Float64Array costs one 133 MB buffer).
export function encodeBytes(value: unknown, rootPath = 'value'): Buffer {
  const sink = new BytesSink();
  writePayload(value, sink, false, rootPath);
  return sink.bytes();
}

// The format-2 container of a value as chunks to write in order (fs.writev, writeChunksSync): a small header, the JSON
// text with each binary value as a blob index, then the binary values' own bytes, not copied (views of the value's
// memory on little-endian hosts: write them before the value changes).
export function encodeChunks(value: unknown, rootPath = 'value'): Uint8Array[] {
  const blobs: Buffer[] = [];
  const sink = new BlobTextSink(blobs);
  writePayload(value, sink, false, rootPath, CONTAINER_VERSION);
  return containerChunks(sink.text, blobs);
}

// Canonical text: keys, Map entries and Set elements sorted by code unit, Error stacks left out; still decodable.
export function canonicalEncode(value: unknown, rootPath = 'value'): string {
  const sink = new StringSink();
  writePayload(value, sink, true, rootPath);
  return sink.text;
}

// Keeps the text pieces (joined) and references to the binary values, and lays them out once the size is known.
class BytesSink implements TextSink {
  private readonly parts: Array<string | Buffer> = [];
  private pending = '';

  write(text: string): void {
    this.pending += text;
  }

  binary({ tag, bytes }: BinaryBytes): void {
    if (bytes.length < 1024) return this.write(`{"$t":"${tag}","v":"${bytes.toString('base64')}"}`);
    this.parts.push(`${this.pending}{"$t":"${tag}","v":"`, bytes);
    this.pending = '"}';
  }

  fork(): StringSink {
    return new StringSink();
  }

  bytes(): Buffer {
    const parts = [...this.parts, this.pending];
    if (parts.length === 1) return Buffer.from(this.pending, 'utf8');
    let size = 0;
    for (const part of parts) size += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : base64Length(part.length);
    const out = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const part of parts) offset += typeof part === 'string' ? out.write(part, offset, 'utf8') : base64Into(part, out, offset);
    if (offset !== size) throw new Error(`encodeBytes laid out ${offset} bytes for ${size} expected (an xpr bug)`);
    return out;
  }
}

// Format-2 text: each binary value becomes `{"$t":tag,"b":index}` and its bytes the next blob (forks share the list;
// the non-canonical walk never reorders, so blob indexes follow the text).
class BlobTextSink implements TextSink {
  text = '';
  constructor(private readonly blobs: Buffer[]) {}

  write(text: string): void {
    this.text += text;
  }

  binary({ tag, bytes }: BinaryBytes): void {
    this.text += `{"$t":"${tag}","b":${this.blobs.length}}`;
    this.blobs.push(bytes);
  }

  fork(): BlobTextSink {
    return new BlobTextSink(this.blobs);
  }
}
