// The wire formats: versions, tag key, and the tag of every non-JSON value. Shared by writer and reader.
// Format 1 is the text `{"xpr":1,"v":<value>}`; format 2 is a container (container.ts) of `{"xpr":2,"v":<value>}` + blobs.

/** Format 1: JSON text, binary values as base64 (`encode`, and what canonicalEncode writes). */
export const FORMAT_VERSION = 1;

/** Format 2: a binary container holding the JSON text, binary values as raw blobs it refers to by index. */
export const CONTAINER_VERSION = 2;

/** Key that marks a tagged object. Plain objects that have this key themselves are wrapped in an `object` tag. */
export const TAG_KEY = '$t';

/**
 * A plain array of at least this many finite numbers (none -0) is written as float64 bytes (`numbers` tag),
 * shorter ones as JSON. Part of the canonical form: changing it changes hashes.
 */
export const PACKED_NUMBERS_MIN_LENGTH = 1024;

/**
 * Tags and their fields (all other fields are refused):
 * - `undefined` (no fields)
 * - `number`  v: "NaN"|"Infinity"|"-Infinity"|"-0"
 * - `bigint`  v: decimal digits string
 * - `date`    v: epoch ms, or null for an invalid Date
 * - `regexp`  flags, v: source
 * - `map`     v: [[key, value], ...]
 * - `set`     v: [element, ...]
 * - `object`  v: plain object that has a `$t` key of its own (escaped)
 * - `null-object` v: fields of an object with a null prototype
 * - `error`   v: {cause?, errors?, message, name, props?, stack?}
 * - binary (see binary.ts), little-endian bytes: `buffer`, `arraybuffer`, `dataview`,
 *   `i8`, `u8`, `u8c`, `i16`, `u16`, `i32`, `u32`, `f32`, `f64`, `i64`, `u64`, and `numbers`: a plain number[]
 *   of at least PACKED_NUMBERS_MIN_LENGTH finite numbers (none -0) as float64, decoded to a number[].
 *   Format 1 - v: base64 of the bytes. Format 2 - b: index of the container blob holding the bytes (each blob is
 *   referred to exactly once).
 *
 * The canonical hash (hash.ts) is sha256 over the canonical format-1 text, except that a binary value other than
 * `numbers` (outside Map keys/values and Set elements) goes in as `{"$t":"raw","type":<tag>,"length":<n>,"bytes":`,
 * then its n raw bytes, then `}`; plain data hashes as its canonical text.
 */
export const valueTags = ['undefined', 'number', 'bigint', 'date', 'regexp', 'map', 'set', 'object', 'null-object', 'error'] as const;
