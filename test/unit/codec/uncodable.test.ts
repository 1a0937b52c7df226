import test, { type ExecutionContext } from 'ava';
import { canonicalHash, encode, UncodableValueError } from '../../../src/codec/index.ts';
import { XprError } from '../../../src/errors.ts';

class Foo {
  x = 1;
}
class Points extends Array<number> {}

// Encoding (and hashing) `value` must fail at `path`, naming `valueKind`.
const isRefused = test.macro({
  exec(t: ExecutionContext, value: unknown, path: string, valueKind: string) {
    for (const run of [() => encode(value), () => canonicalHash(value)]) {
      const error = t.throws(run, { instanceOf: UncodableValueError });
      t.is(error?.path, path);
      t.is(error?.valueKind, valueKind);
    }
  },
  title: (name = '', _value, path: string) => `${name} is refused at ${path}`,
});

const selfCycle: Record<string, unknown> = { a: 1 };
selfCycle.self = selfCycle;
const arrayCycle: unknown[] = [1];
arrayCycle.push([arrayCycle]);
const mapCycle = new Map<string, unknown>();
mapCycle.set('me', { map: mapCycle });
const causeCycle = new Error('loop');
causeCycle.cause = { back: causeCycle };

test('a function', isRefused, { calculator: { fn: () => 1 } }, 'value.calculator.fn', 'function');
test('a class', isRefused, [1, Foo], 'value[1]', 'function');
test('a symbol', isRefused, { s: Symbol('x') }, 'value.s', 'symbol');
test('a value under a key that is not an identifier', isRefused, { 'we ird': { 'a-b': () => 0 } }, 'value["we ird"]["a-b"]', 'function');
test('a class instance', isRefused, { items: [new Foo()] }, 'value.items[0]', 'class instance of Foo');
test('an Array subclass', isRefused, { p: Points.from([1]) }, 'value.p', 'class instance of Points');
test('a boxed number', isRefused, [Object(1)], 'value[0]', 'class instance of Number');
test('a WeakMap', isRefused, { cache: new WeakMap() }, 'value.cache', 'WeakMap');
test('a WeakSet', isRefused, { seen: new WeakSet() }, 'value.seen', 'WeakSet');
test('a Promise', isRefused, { later: Promise.resolve(1) }, 'value.later', 'Promise');
test('a Map value', isRefused, { m: new Map([['k', () => 0]]) }, 'value.m.get("k")', 'function');
test('a Map key', isRefused, { m: new Map([[Symbol('k'), 1]]) }, 'value.m.keys()[0]', 'symbol');
test('a Set element', isRefused, { s: new Set([1, new Foo()]) }, 'value.s.values()[1]', 'class instance of Foo');
test('an Error property', isRefused, { err: Object.assign(new Error('x'), { retry: () => 0 }) }, 'value.err.retry', 'function');
test('an Error cause', isRefused, new Error('x', { cause: [Symbol('c')] }), 'value.cause[0]', 'symbol');
test('an object containing itself', isRefused, selfCycle, 'value.self', 'cycle');
test('an array containing itself', isRefused, arrayCycle, 'value[1][0]', 'cycle');
test('a Map containing itself', isRefused, mapCycle, 'value.get("me").map', 'cycle');
test('an Error whose cause points back', isRefused, causeCycle, 'value.cause.back', 'cycle');
test('a top-level function', isRefused, () => 0, 'value', 'function');

test('the error message names the path, the kind and the fix', (t) => {
  const args = [1, { calculator: { fn: () => 0 } }];
  const error = t.throws(() => encode(args, 'args'), { instanceOf: UncodableValueError });
  t.is(
    error?.message,
    'Cannot encode args[1].calculator.fn: a function cannot be sent to a job. Pass data, or export the function and reference it by module and name.',
  );
  t.true(error instanceof XprError);
  t.is(error?.name, 'UncodableValueError');
});

test('the message for a class instance names the class', (t) => {
  const error = t.throws(() => encode({ p: new Foo() }, 'item'));
  t.regex(error?.message ?? '', /^Cannot encode item\.p: an instance of class Foo cannot be sent to a job\./);
});

test('the root path given to canonicalHash is used in its errors', (t) => {
  const error = t.throws(() => canonicalHash({ f: () => 0 }, 'extraArgs'), { instanceOf: UncodableValueError });
  t.is(error?.path, 'extraArgs.f');
});

test('a value reached twice without a cycle is not refused', (t) => {
  const shared = [1, 2];
  t.notThrows(() => encode({ a: shared, b: shared, c: new Map([[shared, shared]]) }));
});
