import test from 'ava';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callerStack, parseFrameLine, parseStack } from '../../../src/routing/stack.ts';
import { libraryEntry } from '../../fixtures/autopara/stack-helper.ts';

const here = fileURLToPath(import.meta.url);
const fixtures = dirname(fileURLToPath(new URL('../../fixtures/autopara/stack-helper.ts', import.meta.url)));

test('a plain named frame with a path location', (t) => {
  t.deepEqual(parseFrameLine('at relax (/p/ops.ts:3:9)'), { file: '/p/ops.ts', functionName: 'relax' });
});

test('file:// URLs become paths (percent-decoding included)', (t) => {
  t.deepEqual(parseFrameLine('at relax (file:///p/my%20dir/ops.mjs:3:9)'), { file: '/p/my dir/ops.mjs', functionName: 'relax' });
});

test('async frames drop the async prefix', (t) => {
  t.deepEqual(parseFrameLine('at async main (file:///p/driver.mjs:10:3)'), { file: '/p/driver.mjs', functionName: 'main' });
});

test('unnamed frames (ESM top level, arrows) are <anonymous>; CJS Object.<anonymous> is <module>', (t) => {
  t.deepEqual(parseFrameLine('at file:///p/driver.mjs:4:13'), { file: '/p/driver.mjs', functionName: '<anonymous>' });
  t.deepEqual(parseFrameLine('at async file:///p/driver.mjs:4:13'), { file: '/p/driver.mjs', functionName: '<anonymous>' });
  t.deepEqual(parseFrameLine('at <anonymous> (/p/driver.ts:4:13)'), { file: '/p/driver.ts', functionName: '<anonymous>' });
  t.deepEqual(parseFrameLine('at Object.<anonymous> (/p/driver.cjs:2:13)'), { file: '/p/driver.cjs', functionName: '<module>' });
});

test('method names keep Class.method; new and [as alias] are dropped', (t) => {
  t.is(parseFrameLine('at Relaxer.relax (/p/ops.ts:1:2)')?.functionName, 'Relaxer.relax');
  t.is(parseFrameLine('at new Relaxer (/p/ops.ts:1:2)')?.functionName, 'Relaxer');
  t.is(parseFrameLine('at Object.relax [as run] (/p/ops.ts:1:2)')?.functionName, 'Object.relax');
});

test('native frames, node: internals and eval code are skipped', (t) => {
  t.is(parseFrameLine('at Array.map (<anonymous>)'), null);
  t.is(parseFrameLine('at async Promise.all (index 0)'), null);
  t.is(parseFrameLine('at Module._compile (node:internal/modules/cjs/loader:1521:14)'), null);
  t.is(parseFrameLine('at node:internal/main/run_main_module:28:49'), null);
  t.is(parseFrameLine('at eval (eval at f (/p/a.js:1:1), <anonymous>:1:1)'), null);
  t.is(parseFrameLine('Error: boom'), null);
});

test('parseStack keeps V8 order, innermost first', (t) => {
  const text = 'Error\n    at inner (/p/a.ts:1:1)\n    at Array.map (<anonymous>)\n    at outer (/p/b.ts:2:2)';
  t.deepEqual(parseStack(text).map((f) => f.functionName), ['inner', 'outer']);
});

function callerOfLibrary(): ReturnType<typeof callerStack> {
  return libraryEntry([fixtures]);
}

function outerCaller(): ReturnType<typeof callerStack> {
  return callerOfLibrary();
}

test('callerStack drops the library\'s own frames and starts at its caller, innermost first', (t) => {
  const stack = outerCaller();
  t.deepEqual(stack.slice(0, 2), [
    { file: here, functionName: 'callerOfLibrary' },
    { file: here, functionName: 'outerCaller' },
  ]);
  t.false(stack.some((f) => f.file.startsWith(fixtures)));
  t.false(stack.some((f) => f.file.startsWith('node:')));
});

test('without skip dirs the library frames stay (only stack.ts itself is removed)', (t) => {
  const stack = libraryEntry([]);
  t.deepEqual(stack.slice(0, 2).map((f) => f.functionName), ['nested', 'libraryEntry']);
});

test('callerStack sees past the default 10-frame stack limit', (t) => {
  const deep = (n: number): ReturnType<typeof callerStack> => (n === 0 ? callerStack([]) : deep(n - 1));
  const stack = deep(30);
  t.true(stack.length > 30);
  t.is(Error.stackTraceLimit, 10);
});
