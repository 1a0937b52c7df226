// Content hashes: sha256 of the canonical encoding streamed into the hash, binary values as their raw bytes (never a
// string or a copy), and short base32 ids from a digest.
import type { Buffer } from 'node:buffer';
import { createHash, hash as oneShotHash, type Hash } from 'node:crypto';
import { base64Chunks, base64Scratch, type BinaryBytes } from './binary.ts';
import { numberText, StringSink, writePayload, type TextSink } from './writer.ts';
import { FORMAT_VERSION } from './format.ts';

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
const hexDigest = /^(?:[0-9a-fA-F]{2})+$/;
const flushChars = 1 << 16;

// Feeds text to a hash in chunks of about 64 K characters instead of building one string. A binary value goes in as
// `{"$t":"raw","type":<tag>,"length":<n>,"bytes":` + its n raw bytes + `}` (the length makes the stream unambiguous),
// so hashing 100 MB of bytes costs one pass of sha256 over them. A long number[] (`numbers`) is plain data and keeps
// its format-1 text (base64 chunks made in a small reused buffer), so its hash is unchanged.
class HashSink implements TextSink {
  private pending = '';
  private scratch: Buffer | undefined;
  private readonly update = (chunk: Buffer): void => void this.hash.update(chunk);
  constructor(private readonly hash: Hash) {}

  binary({ tag, bytes }: BinaryBytes): void {
    if (tag !== 'numbers') {
      this.write(`{"$t":"raw","type":"${tag}","length":${bytes.length},"bytes":`);
      this.flush();
      this.hash.update(bytes);
      this.write('}');
      return;
    }
    this.write(`{"$t":"${tag}","v":"`);
    this.flush();
    this.scratch ??= base64Scratch();
    base64Chunks(bytes, this.scratch, this.update);
    this.write('"}');
  }

  // Map entries and Set elements are sorted by their text, so they are written (and hashed) as format-1 text.
  fork(): StringSink {
    return new StringSink();
  }

  write(text: string): void {
    if (text.length >= flushChars) {
      this.flush();
      this.hash.update(text, 'utf8');
      return;
    }
    this.pending += text;
    if (this.pending.length >= flushChars) this.flush();
  }

  flush(): void {
    if (this.pending.length > 0) this.hash.update(this.pending, 'utf8');
    this.pending = '';
  }
}

// sha256 of the canonical form as lowercase hex: that of canonicalEncode(value) for plain data; binary values go in as
// raw bytes (see HashSink). Computed without materialising the whole text.
export function canonicalHash(value: unknown, rootPath = 'value'): string {
  // A string, number, boolean or null: its whole canonical text hashed in one call (the text the writer gives), as
  // for each item of a call of 10^6 numbers.
  const primitive = primitiveText(value);
  if (primitive !== undefined) return oneShotHash('sha256', `{"xpr":${FORMAT_VERSION},"v":${primitive}}`);
  const hash = createHash('sha256');
  const sink = new HashSink(hash);
  writePayload(value, sink, true, rootPath);
  sink.flush();
  return hash.digest('hex');
}

// The canonical text of a string, number, boolean or null (undefined for anything else).
function primitiveText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value === null ? 'null' : undefined;
  }
}

// The first `length` base32 characters (lowercase RFC 4648, no padding) of the digest given in hex.
export function hashToId(hex: string, length: number): string {
  if (!hexDigest.test(hex)) throw new RangeError(`hashToId expects a hex digest (even number of hex digits), got ${JSON.stringify(hex.slice(0, 80))}`);
  const maxLength = Math.ceil((hex.length * 4) / 5);
  if (!Number.isInteger(length) || length < 1 || length > maxLength) {
    throw new RangeError(`hashToId length must be an integer from 1 to ${maxLength} for this digest, got ${length}`);
  }
  let id = '';
  let bits = 0;
  let buffered = 0;
  for (let i = 0; i < hex.length && id.length < length; i += 2) {
    buffered = (buffered << 8) | Number.parseInt(hex.slice(i, i + 2), 16);
    bits += 8;
    while (bits >= 5 && id.length < length) {
      bits -= 5;
      id += base32Alphabet[(buffered >>> bits) & 31];
    }
    buffered &= (1 << bits) - 1;
  }
  if (id.length < length) id += base32Alphabet[(buffered << (5 - bits)) & 31];
  return id;
}
