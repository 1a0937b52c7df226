// Public decoding entry point: payload text back to a value, checking version and every tag.
// Uses JSON.parse and a fixed table of constructors only; nothing in the payload can run code.
import { CodecFormatError } from './errors.ts';
import { FORMAT_VERSION } from './format.ts';
import { ValueReader } from './reader.ts';

// The value held by an `encode` (or `canonicalEncode`) payload; CodecFormatError for anything else.
export function decode(text: string): unknown {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new CodecFormatError('', `the text is not JSON (${(error as Error).message})`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || !Object.hasOwn(payload, 'xpr')) {
    throw new CodecFormatError('', `expected an object {"xpr":${FORMAT_VERSION},"v":...}, got ${String(text).slice(0, 40)}`);
  }
  const { xpr, v, ...extra } = payload as Record<string, unknown>;
  if (xpr !== FORMAT_VERSION) {
    throw new CodecFormatError('xpr', `unsupported format version ${JSON.stringify(xpr)}; this xpr reads version ${FORMAT_VERSION} only (was it written by another xpr release?)`);
  }
  if (!Object.hasOwn(payload, 'v')) throw new CodecFormatError('', 'the payload has no "v" field');
  const extraKeys = Object.keys(extra);
  if (extraKeys.length > 0) throw new CodecFormatError('', `unexpected top-level field(s) ${extraKeys.join(', ')}`);
  return new ValueReader('v').read(v);
}
