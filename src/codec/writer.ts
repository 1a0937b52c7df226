// Walks a value and writes its tagged JSON text to a sink; the canonical form only sorts and drops Error stacks.
// Owns which values are supported; everything else raises UncodableValueError with the path to it.
import { types } from 'node:util';
import { binaryParts, packedNumbers, type BinaryParts } from './binary.ts';
import { UncodableValueError } from './errors.ts';
import { FORMAT_VERSION, PACKED_NUMBERS_MIN_LENGTH, TAG_KEY } from './format.ts';
import { KeyPath, RawSegment } from './path.ts';

/** Receives the encoded text piece by piece. */
export interface TextSink {
  write(text: string): void;
}

/** Collects the pieces into one string. */
export class StringSink implements TextSink {
  text = '';
  write(text: string): void {
    this.text += text;
  }
}

// Writes `{"xpr":1,"v":<value>}` to `out`; canonical form sorts keys, Map entries and Set elements, omits stacks.
export function writePayload(value: unknown, out: TextSink, canonical: boolean, rootPath: string): void {
  out.write(`{"xpr":${FORMAT_VERSION},"v":`);
  new ValueWriter(out, canonical, rootPath).write(value);
  out.write('}');
}

class ValueWriter {
  // Objects being written right now (the chain from the root); meeting one again is a cycle.
  private readonly ancestors = new Set<object>();
  private readonly path: KeyPath;

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

  private writeObject(value: object): void {
    if (this.ancestors.has(value)) throw this.uncodable('cycle');
    this.ancestors.add(value);
    this.writeObjectBody(value);
    this.ancestors.delete(value);
  }

  private writeObjectBody(value: object): void {
    const proto: object | null = Object.getPrototypeOf(value);
    if (proto === Array.prototype && Array.isArray(value)) return this.writeArray(value);
    if (proto === Object.prototype) {
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
    const binary = binaryParts(value, proto);
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
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.out.write(',');
      this.path.push(i);
      this.write(items[i]);
      this.path.pop();
    }
    this.out.write(']');
  }

  // Three writes, so a hash sink takes the (possibly huge) base64 text as it is, without concatenating it.
  private writeBinary({ tag, base64 }: BinaryParts): void {
    this.out.write(`{"$t":"${tag}","v":"`);
    this.out.write(base64);
    this.out.write('"}');
  }

  // A plain object's own enumerable string keys (symbol keys are skipped, as JSON does); `tag` wraps it.
  private writeFields(fields: Record<string, unknown>, tag?: string): void {
    const keys = Object.keys(fields);
    if (this.canonical) keys.sort();
    if (tag !== undefined) this.out.write(`{"$t":"${tag}","v":`);
    this.out.write('{');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.out.write(i > 0 ? `,${JSON.stringify(key)}:` : `${JSON.stringify(key)}:`);
      this.path.push(key);
      this.write(fields[key]);
      this.path.pop();
    }
    this.out.write(tag === undefined ? '}' : '}}');
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
    const sink = new StringSink();
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
function numberText(n: number): string {
  if (!Number.isFinite(n)) return `{"$t":"number","v":"${n}"}`;
  return n === 0 && 1 / n < 0 ? '{"$t":"number","v":"-0"}' : String(n);
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
