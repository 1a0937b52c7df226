// Walks a value and writes its tagged JSON text to a sink; the canonical form only sorts and drops Error stacks.
// Owns which values are supported; everything else raises UncodableValueError with the path to it.
import { types } from 'node:util';
import { binaryBytes, packedNumbers, type BinaryBytes } from './binary.ts';
import { UncodableValueError } from './errors.ts';
import { FORMAT_VERSION, PACKED_NUMBERS_MIN_LENGTH, TAG_KEY } from './format.ts';
import { KeyPath, RawSegment } from './path.ts';

/**
 * Receives the encoded text piece by piece. A binary value comes as its tag and bytes, so that a sink can stream it
 * (base64 into a hash or a file, raw bytes into a hash, a blob of a container) without ever building a string.
 */
export interface TextSink {
  write(text: string): void;
  /** A binary value (bytes little-endian already): the sink writes its tag and its bytes as its format says. */
  binary(value: BinaryBytes): void;
  /** A sink for the text of one part written on its own (Map entries and Set elements, sorted by their text). */
  fork(): TextSink & { readonly text: string };
}

/** Collects format-1 text (binary values as base64) into one string. */
export class StringSink implements TextSink {
  text = '';
  write(text: string): void {
    this.text += text;
  }
  binary({ tag, bytes }: BinaryBytes): void {
    this.text += `{"$t":"${tag}","v":"${bytes.toString('base64')}"}`;
  }
  fork(): StringSink {
    return new StringSink();
  }
}

// Writes `{"xpr":<version>,"v":<value>}` to `out`; canonical form sorts keys, Map entries and Set elements, omits stacks.
export function writePayload(value: unknown, out: TextSink, canonical: boolean, rootPath: string, version = FORMAT_VERSION): void {
  out.write(`{"xpr":${version},"v":`);
  new ValueWriter(out, canonical, rootPath).write(value);
  out.write('}');
}

class ValueWriter {
  // Objects being written right now (the chain from the root); meeting one again is a cycle.
  private readonly ancestors = new Set<object>();
  private readonly path: KeyPath;
  private readonly keyTexts = new Map<string, string>();

  constructor(
    private out: TextSink,
    private readonly canonical: boolean,
    rootPath: string,
  ) {
    this.path = new KeyPath(rootPath);
  }

  write(value: unknown): void {
    switch (typeof value) {
      case 'string':
        return this.out.write(JSON.stringify(value));
      case 'number':
        return this.out.write(numberText(value));
      case 'boolean':
        return this.out.write(value ? 'true' : 'false');
      case 'undefined':
        return this.out.write('{"$t":"undefined"}');
      case 'bigint':
        return this.out.write(`{"$t":"bigint","v":"${value}"}`);
      case 'object':
        return value === null ? this.out.write('null') : this.writeObject(value);
      default:
        throw this.uncodable(typeof value);
    }
  }

  // `jsonTried`: jsonBudget already refused this value, so it is not asked again.
  private writeObject(value: object, jsonTried = false): void {
    if (this.ancestors.has(value)) throw this.uncodable('cycle');
    this.ancestors.add(value);
    this.writeObjectBody(value, jsonTried);
    this.ancestors.delete(value);
  }

  private writeObjectBody(value: object, jsonTried: boolean): void {
    const proto: object | null = Object.getPrototypeOf(value);
    if (proto === Array.prototype && Array.isArray(value)) return this.writeArray(value);
    if (proto === Object.prototype) {
      const keys = this.canonical ? new Set<string>() : undefined;
      if (!jsonTried && jsonBudget(value, keys, jsonDepth, jsonChars) >= 0) return this.out.write(stringify(value, keys));
      return this.writeFields(value as Record<string, unknown>, Object.hasOwn(value, TAG_KEY) ? 'object' : undefined);
    }
    if (proto === null) return this.writeFields(value as Record<string, unknown>, 'null-object');
    if (proto === Map.prototype && types.isMap(value)) return this.writeMap(value as Map<unknown, unknown>);
    if (proto === Set.prototype && types.isSet(value)) return this.writeSet(value as Set<unknown>);
    if (proto === Date.prototype && types.isDate(value)) {
      const ms = (value as Date).getTime();
      return this.out.write(`{"$t":"date","v":${Number.isNaN(ms) ? 'null' : ms}}`);
    }
    if (proto === RegExp.prototype && types.isRegExp(value)) {
      const { source, flags } = value as RegExp;
      return this.out.write(`{"$t":"regexp","flags":"${flags}","v":${JSON.stringify(source)}}`);
    }
    const binary = binaryBytes(value, proto);
    if (binary !== undefined) return this.writeBinary(binary);
    if (value instanceof Error || types.isNativeError(value)) return this.writeError(value as Error);
    throw this.uncodable(instanceKind(proto));
  }

  private writeArray(items: unknown[]): void {
    if (isPlainNumberArray(items)) {
      if (items.length >= PACKED_NUMBERS_MIN_LENGTH) return this.writeBinary(packedNumbers(items));
      return this.out.write(JSON.stringify(items));
    }
    this.out.write('[');
    for (let i = 0; i < items.length; ) {
      if (i > 0) this.out.write(',');
      // A run of elements JSON.stringify writes as we would goes in one native call (without its brackets).
      const keys = this.canonical ? new Set<string>() : undefined;
      let end = i;
      for (let budget = jsonChars; end < items.length; end++) {
        budget = jsonBudget(items[end], keys, jsonDepth, budget - 1);
        if (budget < 0) break;
      }
      if (end > i) {
        const text = stringify(i === 0 && end === items.length ? items : items.slice(i, end), keys);
        this.out.write(text.slice(1, -1));
        i = end;
        continue;
      }
      const item = items[i];
      this.path.push(i);
      if (typeof item === 'object' && item !== null) this.writeObject(item, true);
      else this.write(item);
      this.path.pop();
      i++;
    }
    this.out.write(']');
  }

  // The bytes go to the sink as they are: it writes them as its format says (base64, raw, a container blob).
  private writeBinary(binary: BinaryBytes): void {
    this.out.binary(binary);
  }

  // A plain object's own enumerable string keys (symbol keys are skipped, as JSON does); `tag` wraps it.
  private writeFields(fields: Record<string, unknown>, tag?: string): void {
    const keys = Object.keys(fields);
    if (this.canonical) keys.sort();
    if (tag !== undefined) this.out.write(`{"$t":"${tag}","v":`);
    this.out.write('{');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.out.write(i > 0 ? `,${this.keyText(key)}` : this.keyText(key));
      this.path.push(key);
      this.write(fields[key]);
      this.path.pop();
    }
    this.out.write(tag === undefined ? '}' : '}}');
  }

  // `"key":`, remembered: the many objects of a large value mostly share a few keys.
  private keyText(key: string): string {
    let text = this.keyTexts.get(key);
    if (text === undefined) {
      text = `${JSON.stringify(key)}:`;
      if (this.keyTexts.size < 4096) this.keyTexts.set(key, text);
    }
    return text;
  }

  private writeMap(map: Map<unknown, unknown>): void {
    const entries: string[] = [];
    let i = 0;
    for (const [key, value] of map) {
      this.path.push(new RawSegment(`.keys()[${i}]`));
      const keyText = this.text(key);
      this.path.pop();
      this.path.push(new RawSegment(mapValueSegment(key, i++)));
      entries.push(`[${keyText},${this.text(value)}]`);
      this.path.pop();
    }
    this.writeElements('map', entries);
  }

  private writeSet(set: Set<unknown>): void {
    const elements: string[] = [];
    let i = 0;
    for (const element of set) {
      this.path.push(new RawSegment(`.values()[${i++}]`));
      elements.push(this.text(element));
      this.path.pop();
    }
    this.writeElements('set', elements);
  }

  // Entries in insertion order, or sorted by their text (code units) in the canonical form.
  private writeElements(tag: string, texts: string[]): void {
    if (this.canonical) texts.sort();
    this.out.write(`{"$t":"${tag}","v":[${texts.join(',')}]}`);
  }

  // Fields in sorted order: cause, errors (AggregateError), message, name, props (own enumerable), stack.
  private writeError(error: Error): void {
    const isAggregate = error instanceof AggregateError;
    const reserved = new Set(['name', 'message', 'stack', 'cause', ...(isAggregate ? ['errors'] : [])]);
    this.out.write('{"$t":"error","v":{');
    if ('cause' in error) this.writeField('cause', error.cause, '"cause":');
    if (isAggregate) this.writeField('errors', Array.isArray(error.errors) ? error.errors : [], '"errors":');
    this.out.write(`"message":${JSON.stringify(String(error.message))},"name":${JSON.stringify(String(error.name))}`);
    const props = Object.keys(error).filter((key) => !reserved.has(key));
    if (props.length > 0) {
      const fields = Object.fromEntries(props.map((key) => [key, (error as unknown as Record<string, unknown>)[key]]));
      this.out.write(',"props":');
      this.writeFields(fields, Object.hasOwn(fields, TAG_KEY) ? 'object' : undefined);
    }
    if (!this.canonical && typeof error.stack === 'string') this.out.write(`,"stack":${JSON.stringify(error.stack)}`);
    this.out.write('}}');
  }

  private writeField(key: string, value: unknown, prefix: string): void {
    this.out.write(prefix);
    this.path.push(key);
    this.write(value);
    this.path.pop();
    this.out.write(',');
  }

  // The text of one value, written through the same walk (same path and cycle check).
  private text(value: unknown): string {
    const outer = this.out;
    const sink = outer.fork();
    this.out = sink;
    this.write(value);
    this.out = outer;
    return sink.text;
  }

  private uncodable(kind: string): UncodableValueError {
    return new UncodableValueError(this.path.toString(), kind);
  }
}

// JSON number text, or a tag for the numbers JSON cannot hold (NaN, ±Infinity, -0).
export function numberText(n: number): string {
  if (!Number.isFinite(n)) return `{"$t":"number","v":"${n}"}`;
  return n === 0 && 1 / n < 0 ? '{"$t":"number","v":"-0"}' : String(n);
}

// Plain data nested at most this deep, whose JSON text is at most about this many characters, with at most this many
// distinct keys, goes through JSON.stringify in one native call (2-3x faster than walking it here); larger values are
// walked, and their parts may go through it.
const jsonDepth = 16;
const jsonChars = 1 << 22;
const jsonKeys = 256;

// JSON text of a value jsonBudget accepted; in the canonical form `keys` (all keys of its objects) become the
// replacer list, which makes JSON.stringify write every object's keys in sorted order.
function stringify(value: unknown, keys: Set<string> | undefined): string {
  return keys === undefined || keys.size === 0 ? JSON.stringify(value) : JSON.stringify(value, [...keys].sort());
}

// What is left of `budget` (an estimate of text length) after `value`, or -1 when JSON.stringify might not write
// exactly what this writer writes, or the value is too deep or too large. Accepted: plain objects with only
// enumerable own keys and no own `$t`; plain arrays without holes and not long enough to be packed as numbers; strings,
// booleans, null, finite numbers other than -0; nothing with a toJSON method. For the canonical form `keys` collects
// the object keys, refusing any an object could inherit as data (`__proto__`, a polluted Object.prototype).
function jsonBudget(value: unknown, keys: Set<string> | undefined, depth: number, budget: number): number {
  switch (typeof value) {
    case 'string':
      return budget - value.length - 2;
    case 'number':
      return Number.isFinite(value) && !(value === 0 && 1 / value < 0) ? budget - 24 : -1;
    case 'boolean':
      return budget - 5;
    case 'object':
      break;
    default:
      return -1;
  }
  if (value === null) return budget - 4;
  if (depth === 0 || (value as { toJSON?: unknown }).toJSON !== undefined) return -1;
  const proto: object | null = Object.getPrototypeOf(value);
  if (proto === Array.prototype && Array.isArray(value)) {
    if (value.length >= PACKED_NUMBERS_MIN_LENGTH && typeof value[0] === 'number') return -1;
    let left = budget - 2;
    for (let i = 0; i < value.length && left >= 0; i++) left = jsonBudget(value[i], keys, depth - 1, left - 1);
    return left;
  }
  if (proto !== Object.prototype || Object.hasOwn(value, TAG_KEY)) return -1;
  const fields = value as Record<string, unknown>;
  const own = Object.keys(fields);
  // With a replacer list JSON.stringify reads listed keys whatever their enumerability.
  if (keys !== undefined && Object.getOwnPropertyNames(fields).length !== own.length) return -1;
  let left = budget - 2;
  for (let i = 0; i < own.length && left >= 0; i++) {
    const key = own[i]!;
    if (keys !== undefined && !keys.has(key)) {
      if (!isListableKey(key) || keys.size >= jsonKeys) return -1;
      keys.add(key);
    }
    left = jsonBudget(fields[key], keys, depth - 1, left - key.length - 4);
  }
  return left;
}

// A key JSON.stringify may be given in a replacer list: an object that lacks it inherits nothing or a function there.
function isListableKey(key: string): boolean {
  if (key === '__proto__') return false;
  return !(key in Object.prototype) || typeof (Object.prototype as Record<string, unknown>)[key] === 'function';
}

// True for a dense array of finite numbers other than -0: JSON.stringify writes it as we would, or we pack it.
function isPlainNumberArray(items: unknown[]): items is number[] {
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || (x === 0 && 1 / x < 0)) return false;
  }
  return true;
}

function mapValueSegment(key: unknown, index: number): string {
  const isSimpleKey = typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key));
  return isSimpleKey ? `.get(${JSON.stringify(key)})` : `.values()[${index}]`;
}

// valueKind for an object with an unsupported prototype.
function instanceKind(proto: object | null): string {
  for (const name of ['Promise', 'WeakMap', 'WeakSet', 'WeakRef'] as const) {
    if (proto === globalThis[name].prototype) return name;
  }
  const ctor: unknown = proto !== null && Object.hasOwn(proto, 'constructor') ? proto.constructor : undefined;
  const name = typeof ctor === 'function' && ctor.name ? ctor.name : '(anonymous)';
  return `class instance of ${name}`;
}
