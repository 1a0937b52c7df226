// What goes into a job's cache key: hash_ignore removes exactly the named parts, and nothing else is lost on the way.
import test from 'ava';
import { withoutIgnored } from '../../../src/job/spec.ts';
import { canonicalHash } from '../../../src/codec/index.ts';

test('hash_ignore drops whole arguments by index and named keys by path, leaving the caller\'s args untouched', (t) => {
  const args = [{ calc: { workdir: '/tmp/a', cutoff: 5 } }, 'scratch', 3];
  const out = withoutIgnored(args, [1, 'calc.workdir']);
  t.deepEqual(out, [{ calc: { cutoff: 5 } }, '<hash_ignore>', 3]);
  t.deepEqual(args[0], { calc: { workdir: '/tmp/a', cutoff: 5 } }, 'the original is not modified');
  t.deepEqual(withoutIgnored(args, ['0.calc.cutoff']), [{ calc: { workdir: '/tmp/a' } }, 'scratch', 3]);
});

test('an own "__proto__" key stays part of the key: different arguments never share a cache key', (t) => {
  const withProto = JSON.parse('[{"__proto__": 5, "y": 2}]') as unknown[];
  const without = [{ y: 2 }];
  t.not(canonicalHash(withoutIgnored(withProto, [])), canonicalHash(withoutIgnored(without, [])));
  const nested = JSON.parse('[{"__proto__": {"polluted": true}}]') as unknown[];
  const copy = withoutIgnored(nested, []) as Array<Record<string, unknown>>;
  t.true(Object.hasOwn(copy[0]!, '__proto__'));
  t.is(Object.getPrototypeOf(copy[0]!), Object.prototype);
  t.notThrows(() => canonicalHash(copy));
});
