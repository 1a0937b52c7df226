// The wire format: version, tag key, and the tag of every non-JSON value. Shared by writer and reader.
// A payload is `{"xpr":1,"v":<value>}`; JSON values are written as themselves, everything else as `{"$t":tag,...}`.

/** Version written in every payload; a reader refuses any other. */
export const FORMAT_VERSION = 1;

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
 * - binary (see binary.ts) v: base64 of the bytes, little-endian: `buffer`, `arraybuffer`, `dataview`,
 *   `i8`, `u8`, `u8c`, `i16`, `u16`, `i32`, `u32`, `f32`, `f64`, `i64`, `u64`, and `numbers`: a plain number[]
 *   of at least PACKED_NUMBERS_MIN_LENGTH finite numbers (none -0) as float64, decoded to a number[]
 */
export const valueTags = ['undefined', 'number', 'bigint', 'date', 'regexp', 'map', 'set', 'object', 'null-object', 'error'] as const;
