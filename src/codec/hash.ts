// Content hashes: sha256 of the canonical encoding, streamed into the hash, and short base32 ids from a digest.
// The ids use the RFC 4648 alphabet in lower case (a-z, 2-7), no padding: safe as a scheduler job name part.
import { createHash, type Hash } from 'node:crypto';
import { writePayload, type TextSink } from './writer.ts';

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
const hexDigest = /^(?:[0-9a-fA-F]{2})+$/;
const flushChars = 1 << 16;

// Feeds text to a hash in chunks of about 64 K characters instead of building one string.
class HashSink implements TextSink {
  private pending = '';
  constructor(private readonly hash: Hash) {}

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

// sha256 of canonicalEncode(value) as lowercase hex, computed without materialising the whole text.
export function canonicalHash(value: unknown, rootPath = 'value'): string {
  const hash = createHash('sha256');
  const sink = new HashSink(hash);
  writePayload(value, sink, true, rootPath);
  sink.flush();
  return hash.digest('hex');
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
