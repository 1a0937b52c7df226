// Rebuilds values from parsed payload JSON, checking every tag and field; never runs code from the payload.
// Objects from JSON.parse are reused in place; keys such as "__proto__" are defined, never assigned.
import { Buffer } from 'node:buffer';
import { binaryTags, binaryValue, isBinaryTag } from './binary.ts';
import { CodecFormatError } from './errors.ts';
import { TAG_KEY, valueTags } from './format.ts';
import { KeyPath, RawSegment } from './path.ts';

type Fields = Record<string, unknown>;

const specialNumbers = new Map<unknown, number>([
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['-0', -0],
]);
const builtinErrors = new Map<string, ErrorConstructor>(
  [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError].map((C) => [C.name, C]),
);
const decimalInteger = /^-?(0|[1-9][0-9]*)$/;
const maxDateMs = 8.64e15;

/**
 * Reads one encoded value (the `v` of a payload) below `rootPath`. Format 1 has binary values as base64 (`v`);
 * format 2 passes the container's `blobs`, and binary values name one by index (`b`), each exactly once.
 */
export class ValueReader {
  private readonly path: KeyPath;
  private readonly used: Uint8Array | undefined;

  constructor(rootPath: string, private readonly blobs?: readonly Buffer[]) {
    this.path = new KeyPath(rootPath);
    this.used = blobs === undefined ? undefined : new Uint8Array(blobs.length);
  }

  /** Format 2: after read(), refuses blobs that no binary value referred to. */
  checkAllBlobsUsed(): void {
    const unused = this.used?.indexOf(0) ?? -1;
    if (unused >= 0) throw new CodecFormatError('', `format 2 container: blob ${unused} is not referred to by any value (damaged?)`);
  }

  read(encoded: unknown): unknown {
    if (typeof encoded !== 'object' || encoded === null) return encoded;
    if (Array.isArray(encoded)) return this.readArray(encoded);
    const fields = encoded as Fields;
    return Object.hasOwn(fields, TAG_KEY) ? this.readTagged(fields) : this.readFields(fields);
  }

  private readArray(items: unknown[]): unknown[] {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item !== 'object' || item === null) continue;
      this.path.push(i);
      items[i] = this.read(item);
      this.path.pop();
    }
    return items;
  }

  // Decodes each field of `source` into `target` (by default `source` itself, reused in place).
  private readFields(source: Fields, target: Fields = source): Fields {
    for (const key of Object.keys(source)) {
      const value = source[key];
      if (target === source && (typeof value !== 'object' || value === null)) continue;
      this.path.push(key);
      defineField(target, key, this.read(value), true);
      this.path.pop();
    }
    return target;
  }

  private readTagged(tagged: Fields): unknown {
    const tag = tagged[TAG_KEY];
    if (typeof tag === 'string' && isBinaryTag(tag)) return this.readBinary(tag, tagged);
    switch (tag) {
      case 'undefined':
        this.expectKeys(tagged, [], [], 'an undefined tag');
        return undefined;
      case 'number': {
        const n = specialNumbers.get(this.field(tagged, 'v'));
        return n ?? this.fail(`a number tag holds "NaN", "Infinity", "-Infinity" or "-0", got ${brief(tagged.v)}`);
      }
      case 'bigint': {
        const digits = this.field(tagged, 'v');
        if (typeof digits !== 'string' || !decimalInteger.test(digits)) this.fail(`a bigint tag holds decimal digits, got ${brief(digits)}`);
        return BigInt(digits);
      }
      case 'date':
        return this.readDate(this.field(tagged, 'v'));
      case 'regexp':
        return this.readRegExp(tagged);
      case 'map':
        return this.readMap(this.field(tagged, 'v'));
      case 'set':
        return new Set(this.readArray(this.expectArray(this.field(tagged, 'v'), 'a set')));
      case 'object':
        return this.readFields(this.expectObject(this.field(tagged, 'v'), 'an object tag'));
      case 'null-object':
        return this.readFields(this.expectObject(this.field(tagged, 'v'), 'a null-object tag'), Object.create(null) as Fields);
      case 'error':
        return this.readError(this.field(tagged, 'v'));
      default:
        return this.fail(`unknown tag ${brief(tag)}; known tags: ${[...valueTags, ...binaryTags].join(', ')}`);
    }
  }

  private readDate(ms: unknown): Date {
    if (ms === null) return new Date(NaN);
    if (!Number.isInteger(ms) || Math.abs(ms as number) > maxDateMs) this.fail(`a date tag holds integer epoch ms or null, got ${brief(ms)}`);
    return new Date(ms as number);
  }

  private readRegExp(tagged: Fields): RegExp {
    this.expectKeys(tagged, ['v', 'flags'], [], 'a regexp tag');
    const { v: source, flags } = tagged;
    if (typeof source !== 'string' || typeof flags !== 'string') this.fail('a regexp tag holds string `v` and `flags`');
    try {
      return new RegExp(source, flags);
    } catch (error) {
      return this.fail(`invalid regexp: ${(error as Error).message}`);
    }
  }

  private readMap(entries: unknown): Map<unknown, unknown> {
    const map = new Map<unknown, unknown>();
    this.expectArray(entries, 'a map').forEach((entry, i) => {
      this.path.push(new RawSegment(`.entries()[${i}]`));
      const pair = this.expectArray(entry, 'a map entry');
      if (pair.length !== 2) this.fail(`a map entry is [key, value], got ${pair.length} elements`);
      map.set(this.read(pair[0]), this.read(pair[1]));
      this.path.pop();
    });
    return map;
  }

  private readBinary(tag: string, tagged: Fields): object {
    if (this.blobs !== undefined) return this.readBlob(tag, tagged, this.blobs);
    const text = this.field(tagged, 'v');
    const bytes = typeof text === 'string' ? Buffer.from(text, 'base64') : undefined;
    // Node's base64 decoder skips bad characters; re-encoding is an exact check and 5x faster than a regexp.
    if (bytes === undefined || bytes.toString('base64') !== text) this.fail(`a ${tag} tag holds padded base64 text, got ${brief(text)}`);
    return binaryValue(tag, bytes, (problem) => this.fail(problem));
  }

  // Format 2: `{"$t":tag,"b":index}`; the bytes are copied out of the container (a Buffer too), so no value keeps the
  // whole file alive or shares memory with another.
  private readBlob(tag: string, tagged: Fields, blobs: readonly Buffer[]): object {
    const index = this.field(tagged, 'b');
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= blobs.length) {
      this.fail(`a ${tag} tag holds a blob index from 0 to ${blobs.length - 1}, got ${brief(index)}`);
    }
    const i = index as number;
    if (this.used![i] === 1) this.fail(`blob ${i} is referred to twice (damaged?)`);
    this.used![i] = 1;
    const bytes = tag === 'buffer' ? Buffer.from(blobs[i]!) : blobs[i]!;
    return binaryValue(tag, bytes, (problem) => this.fail(problem));
  }

  // An Error of the built-in class named `name`, else a plain Error carrying that name.
  private readError(encoded: unknown): Error {
    const fields = this.expectObject(encoded, 'an error tag');
    this.expectKeys(fields, ['name', 'message'], ['stack', 'cause', 'errors', 'props'], 'an error tag');
    const { name, message, stack } = fields;
    if (typeof name !== 'string' || typeof message !== 'string') this.fail('an error needs string `name` and `message`');
    if (stack !== undefined && typeof stack !== 'string') this.fail(`an error stack is a string, got ${brief(stack)}`);
    const errors = Object.hasOwn(fields, 'errors') ? this.readChild('errors', fields.errors) : undefined;
    if (errors !== undefined && !Array.isArray(errors)) this.fail(`error.errors holds an array, got ${brief(fields.errors)}`);
    const error = name === 'AggregateError' ? new AggregateError(errors ?? [], message) : new (builtinErrors.get(name) ?? Error)(message);
    if (error.name !== name) defineField(error, 'name', name, false);
    if (stack === undefined) delete error.stack;
    else defineField(error, 'stack', stack, false);
    if (errors !== undefined && name !== 'AggregateError') defineField(error, 'errors', errors, false);
    if (Object.hasOwn(fields, 'cause')) defineField(error, 'cause', this.readChild('cause', fields.cause), false);
    if (Object.hasOwn(fields, 'props')) {
      const props = this.read(this.expectObject(fields.props, 'error props')) as Fields;
      if (Object.getPrototypeOf(props) !== Object.prototype) this.fail('error props hold a plain object');
      for (const key of Object.keys(props)) defineField(error, key, props[key], true);
    }
    return error;
  }

  private readChild(key: string, encoded: unknown): unknown {
    this.path.push(key);
    const value = this.read(encoded);
    this.path.pop();
    return value;
  }

  // The field `key` of a tag that has only `$t` and that field.
  private field(tagged: Fields, key: string): unknown {
    this.expectKeys(tagged, [key], [], `a ${String(tagged[TAG_KEY])} tag`);
    return tagged[key];
  }

  // Refuses missing required keys and any key (other than the tag key) that is neither required nor optional.
  private expectKeys(fields: Fields, required: string[], optional: string[], what: string): void {
    const extra = Object.keys(fields).filter((key) => key !== TAG_KEY && !required.includes(key) && !optional.includes(key));
    if (extra.length > 0) this.fail(`${what} has unexpected field(s) ${extra.join(', ')}`);
    const missing = required.filter((key) => !Object.hasOwn(fields, key));
    if (missing.length > 0) this.fail(`${what} is missing field(s) ${missing.join(', ')}`);
  }

  private expectObject(value: unknown, what: string): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`${what} holds an object, got ${brief(value)}`);
    return value as Fields;
  }

  private expectArray(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`${what} holds an array, got ${brief(value)}`);
    return value as unknown[];
  }

  private fail(problem: string): never {
    throw new CodecFormatError(this.path.toString(), problem);
  }
}

// Sets an own data property without ever invoking a setter (so "__proto__" stays an ordinary key).
function defineField(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

// A short description of a received JSON value for messages.
function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
