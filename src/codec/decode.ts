// Public decoding entry points: format-1 text, or file bytes of either format, back to a value, checking version,
// every tag and (format 2) every length, offset and blob index. Uses JSON.parse and a fixed table of constructors
// only; nothing in the payload can run code.
import { Buffer } from 'node:buffer';
import { isContainer, parseContainer } from './container.ts';
import { CodecFormatError } from './errors.ts';
import { CONTAINER_VERSION, FORMAT_VERSION } from './format.ts';
import { ValueReader } from './reader.ts';

// The value held by an `encode` (or `canonicalEncode`) payload; CodecFormatError for anything else.
export function decode(text: string): unknown {
  return decodePayload(text, FORMAT_VERSION);
}

// The value held by the bytes of a payload file of either format: an `encodeChunks` container (format 2) or the UTF-8
// text of `encode` (format 1, written by older xpr releases and runners). CodecFormatError for anything else.
export function decodeBytes(bytes: Uint8Array): unknown {
  if (!isContainer(bytes)) return decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  const { json, blobs } = parseContainer(bytes);
  return decodePayload(json, CONTAINER_VERSION, blobs);
}

function decodePayload(text: string, version: number, blobs?: Buffer[]): unknown {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new CodecFormatError('', `the text is not JSON (${(error as Error).message})`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || !Object.hasOwn(payload, 'xpr')) {
    throw new CodecFormatError('', `expected an object {"xpr":${version},"v":...}, got ${String(text).slice(0, 40)}`);
  }
  const { xpr, v, ...extra } = payload as Record<string, unknown>;
  if (xpr !== version) {
    const hint = xpr === CONTAINER_VERSION ? ' (format 2 is only read from a container: decode the file bytes with decodeBytes)'
      : version === CONTAINER_VERSION ? ' inside a format 2 container' : ' (was it written by another xpr release?)';
    throw new CodecFormatError('xpr', `unsupported format version ${JSON.stringify(xpr)}; expected ${version}${hint}`);
  }
  if (!Object.hasOwn(payload, 'v')) throw new CodecFormatError('', 'the payload has no "v" field');
  const extraKeys = Object.keys(extra);
  if (extraKeys.length > 0) throw new CodecFormatError('', `unexpected top-level field(s) ${extraKeys.join(', ')}`);
  try {
    const reader = new ValueReader('v', blobs);
    const value = reader.read(v);
    reader.checkAllBlobsUsed();
    return value;
  } catch (error) {
    // JSON.parse copes with any depth; rebuilding recurses, so a hostile "[[[[...]]]]" must end as a format error.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new CodecFormatError('', 'the value is nested too deeply to decode (maximum call stack size exceeded)');
    }
    throw error;
  }
}
