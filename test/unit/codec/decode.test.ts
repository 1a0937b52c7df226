import test, { type ExecutionContext } from 'ava';
import { CodecFormatError, decode } from '../../../src/codec/index.ts';

// Decoding `text` must fail with CodecFormatError at `path`, with a problem matching `problem`.
const isRejected = test.macro({
  exec(t: ExecutionContext, text: string, path: string, problem: RegExp) {
    const error = t.throws(() => decode(text), { instanceOf: CodecFormatError });
    t.is(error?.path, path);
    t.regex(error?.problem ?? '', problem);
    t.true(error?.message.startsWith('Cannot decode xpr payload'));
  },
  title: (name = '') => `decode rejects ${name}`,
});

const payload = (v: string): string => `{"xpr":1,"v":${v}}`;

test('text that is not JSON', isRejected, '{"xpr":1,', '', /not JSON/);
test('JSON that is not a payload', isRejected, '[1,2]', '', /expected an object \{"xpr":1/);
test('a payload without a version', isRejected, '{"v":1}', '', /expected an object/);
test('a format 2 payload outside its container', isRejected, '{"xpr":2,"v":1}', 'xpr', /unsupported format version 2; expected 1 \(format 2 is only read from a container/);
test('a newer format version', isRejected, '{"xpr":3,"v":1}', 'xpr', /unsupported format version 3; expected 1/);
test('a version written as a string', isRejected, '{"xpr":"1","v":1}', 'xpr', /unsupported format version "1"/);
test('a payload without a value', isRejected, '{"xpr":1}', '', /no "v" field/);
test('a payload with extra top-level fields', isRejected, '{"xpr":1,"v":1,"run":"x"}', '', /unexpected top-level field\(s\) run/);
test('a tag pretending to be a function', isRejected, payload('{"$t":"function","v":"() => process.exit(3)"}'), 'v', /unknown tag "function"/);
test('an unknown tag deep inside', isRejected, payload('{"a":[1,{"m":{"$t":"eval"}}]}'), 'v.a[1].m', /unknown tag "eval"; known tags: undefined, number/);
test('a tag that is not a string', isRejected, payload('{"$t":1}'), 'v', /unknown tag 1/);
test('a number tag with an ordinary number', isRejected, payload('{"$t":"number","v":"1"}'), 'v', /"NaN", "Infinity"/);
test('a bigint tag with non-digits', isRejected, payload('{"$t":"bigint","v":"12; alert(1)"}'), 'v', /decimal digits/);
test('a date tag with text', isRejected, payload('{"$t":"date","v":"today"}'), 'v', /integer epoch ms or null/);
test('a date tag out of range', isRejected, payload('{"$t":"date","v":1e20}'), 'v', /integer epoch ms/);
test('a tag with an extra field', isRejected, payload('{"$t":"undefined","v":1}'), 'v', /unexpected field\(s\) v/);
test('a tag missing its value', isRejected, payload('{"$t":"set"}'), 'v', /missing field\(s\) v/);
test('a map entry that is not a pair', isRejected, payload('{"$t":"map","v":[[1,2,3]]}'), 'v.entries()[0]', /\[key, value\]/);
test('a set that is not an array', isRejected, payload('{"$t":"set","v":{"a":1}}'), 'v', /holds an array/);
test('invalid base64', isRejected, payload('{"$t":"f64","v":"AAAA*AAA"}'), 'v', /padded base64/);
test('a Float64Array of 7 bytes', isRejected, payload('{"$t":"f64","v":"AAAAAAAAAA=="}'), 'v', /multiple of 8 bytes, got 7/);
test('base64 with a padding character in the middle', isRejected, payload('{"$t":"u8","v":"AA==AAAA"}'), 'v', /padded base64/);
test('a packed number array of 12 bytes', isRejected, payload('{"$t":"numbers","v":"AAAAAAAAAAAAAAAA"}'), 'v', /multiple of 8 bytes, got 12/);
test('an invalid regexp', isRejected, payload('{"$t":"regexp","flags":"q","v":"a"}'), 'v', /invalid regexp/);
test('an error without a message', isRejected, payload('{"$t":"error","v":{"name":"Error"}}'), 'v', /missing field\(s\) message/);
test('an error with an unknown field', isRejected, payload('{"$t":"error","v":{"name":"E","message":"m","exec":"x"}}'), 'v', /unexpected field\(s\) exec/);
test('a bad value inside an error cause', isRejected, payload('{"$t":"error","v":{"name":"E","message":"m","cause":{"$t":"x"}}}'), 'v.cause', /unknown tag "x"/);

test('an error named after a global function decodes to a plain Error and calls nothing', (t) => {
  for (const name of ['Function', 'eval', 'Object', 'process.exit']) {
    const error = decode(payload(`{"$t":"error","v":{"name":${JSON.stringify(name)},"message":"m"}}`)) as Error;
    t.is(Object.getPrototypeOf(error), Error.prototype);
    t.is(error.name, name);
  }
});

test('a "__proto__" key in the payload becomes an own key and pollutes nothing', (t) => {
  const texts = [
    payload('{"__proto__":{"polluted":1}}'),
    payload('{"$t":"object","v":{"$t":"x","__proto__":{"polluted":1}}}'),
    payload('{"$t":"null-object","v":{"__proto__":{"polluted":1}}}'),
    payload('{"constructor":{"prototype":{"polluted":1}}}'),
    payload('{"$t":"error","v":{"name":"E","message":"m","props":{"__proto__":{"polluted":1}}}}'),
  ];
  for (const text of texts) {
    const value = decode(text) as object;
    t.is((value as { polluted?: unknown }).polluted, undefined, text);
    t.true(Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null || value instanceof Error);
  }
  t.is(({} as { polluted?: unknown }).polluted, undefined);
  t.is((Object.prototype as { polluted?: unknown }).polluted, undefined);
});

