// The codec's public surface: portable encode/decode (format-1 text, format-2 container chunks and files), canonical
// encoding and hashing, and their errors. See format.ts for the wire formats.
export { encode, encodeBytes, encodeChunks, canonicalEncode } from './encode.ts';
export { decode, decodeBytes } from './decode.ts';
export { writeChunks, writeChunksSync } from './file.ts';
export { canonicalHash, hashToId } from './hash.ts';
export { UncodableValueError, CodecFormatError } from './errors.ts';
export { FORMAT_VERSION, CONTAINER_VERSION } from './format.ts';
