// Public encoding entry points: the portable payload text and its canonical (hashable) form.
// Both refuse functions, symbols, class instances and cycles with UncodableValueError.
import { StringSink, writePayload } from './writer.ts';

// JSON text `{"xpr":1,"v":...}` of a value, keeping insertion order; `rootPath` names the value in errors.
export function encode(value: unknown, rootPath = 'value'): string {
  const sink = new StringSink();
  writePayload(value, sink, false, rootPath);
  return sink.text;
}

// Canonical text: keys, Map entries and Set elements sorted by code unit, Error stacks left out; still decodable.
export function canonicalEncode(value: unknown, rootPath = 'value'): string {
  const sink = new StringSink();
  writePayload(value, sink, true, rootPath);
  return sink.text;
}
