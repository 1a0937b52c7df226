// The codec's public surface: portable encode/decode, canonical encoding and hashing, and their errors.
// See format.ts for the wire format.
export { encode, canonicalEncode } from './encode.ts';
export { decode } from './decode.ts';
export { canonicalHash, hashToId } from './hash.ts';
export { UncodableValueError, CodecFormatError } from './errors.ts';
export { FORMAT_VERSION } from './format.ts';
