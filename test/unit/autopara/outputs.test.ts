import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  failedItemMarker, isFailedItemMarker, manifestPath, readCompleteOutputs, writeOutputs,
} from '../../../src/autopara/outputs.ts';

const dir = (): string => mkdtempSync(join(tmpdir(), 'xpr-outputs-'));

const records = [
  { energy: -1.5, forces: new Float64Array([0.1, -0.2]) },
  undefined,
  'line one\nline two',
  new Map<string, unknown>([['k', new Date(0)]]),
  failedItemMarker(new TypeError('bad item')),
  [NaN, -0, 10n],
];

test('records round-trip through the file, codec types included, in input order', async (t) => {
  const path = join(dir(), 'relaxed.jsonl');
  await writeOutputs(path, records, { callKey: 'key-1' });
  t.deepEqual(readCompleteOutputs(path, 'key-1', records.length), records);
  t.is(readFileSync(path, 'utf8').split('\n').length, records.length + 1, 'one line per record');
  const manifest = JSON.parse(readFileSync(manifestPath(path), 'utf8'));
  t.like(manifest, { version: 1, callKey: 'key-1', count: records.length });
  t.regex(manifest.sha256, /^[0-9a-f]{64}$/);
});

test('zero records is a complete, empty output', async (t) => {
  const path = join(dir(), 'none.jsonl');
  await writeOutputs(path, [], { callKey: 'k' });
  t.deepEqual(readCompleteOutputs(path, 'k', 0), []);
});

test('a different call key or count means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await writeOutputs(path, [1, 2, 3], { callKey: 'key-1' });
  t.is(readCompleteOutputs(path, 'key-2', 3), null);
  t.is(readCompleteOutputs(path, 'key-1', 4), null);
});

test('a missing manifest or a missing data file means not complete', async (t) => {
  const d = dir();
  writeFileSync(join(d, 'bare.jsonl'), '{"xpr":1,"v":1}\n');
  t.is(readCompleteOutputs(join(d, 'bare.jsonl'), 'k', 1), null);
  t.is(readCompleteOutputs(join(d, 'absent.jsonl'), 'k', 1), null);
});

test('garbage in the data file or the manifest means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await writeOutputs(path, [1, 2], { callKey: 'k' });
  writeFileSync(path, 'garbage\n');
  t.is(readCompleteOutputs(path, 'k', 2), null);
  await writeOutputs(path, [1, 2], { callKey: 'k' });
  writeFileSync(manifestPath(path), '{not json');
  t.is(readCompleteOutputs(path, 'k', 2), null);
});

test('a truncated data file means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await writeOutputs(path, [{ a: 1 }, { b: 2 }, { c: 3 }], { callKey: 'k' });
  const full = readFileSync(path, 'utf8');
  writeFileSync(path, full.slice(0, full.length - 5));
  t.is(readCompleteOutputs(path, 'k', 3), null);
});

test('a data file replaced by other valid records (digest mismatch) means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await writeOutputs(path, [1, 2], { callKey: 'k' });
  const manifest = readFileSync(manifestPath(path));
  await writeOutputs(path, [1, 3], { callKey: 'k' });
  writeFileSync(manifestPath(path), manifest);
  t.is(readCompleteOutputs(path, 'k', 2), null);
});

test('writes are atomic: readers only ever see the old or the new complete file, and no temp file is left', async (t) => {
  const d = dir();
  const path = join(d, 'big.jsonl');
  const old = Array.from({ length: 10 }, (_, i) => ({ old: i }));
  await writeOutputs(path, old, { callKey: 'k' });
  const oldText = readFileSync(path, 'utf8');
  const fresh = Array.from({ length: 100_000 }, (_, i) => ({ item: i, payload: 'x'.repeat(20) }));
  let observations = 0;
  let partial = 0;
  let done = false;
  const writing = writeOutputs(path, fresh, { callKey: 'k2' }).finally(() => { done = true; });
  while (!done) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      observations++;
      if (text !== oldText && !(text.endsWith('\n') && text.split('\n').length === fresh.length + 1)) partial++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await writing;
  t.true(observations > 0);
  t.is(partial, 0);
  t.is(readCompleteOutputs(path, 'k2', fresh.length)?.length, fresh.length);
  t.deepEqual(readdirSync(d).sort(), ['big.jsonl', 'big.jsonl.xpr-manifest.json']);
});

test('an uncodable record fails before anything on disk changes', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await writeOutputs(path, [1], { callKey: 'k' });
  await t.throwsAsync(writeOutputs(path, [() => 1], { callKey: 'k' }), { message: /outputs\[0\]/ });
  t.deepEqual(readCompleteOutputs(path, 'k', 1), [1]);
});

test('failedItemMarker keeps the error as plain data and is recognised', (t) => {
  const marker = failedItemMarker(new RangeError('out of range'));
  t.like(marker, { xprFailed: true, error: { name: 'RangeError', message: 'out of range' } });
  t.regex(marker.error.stack ?? '', /RangeError: out of range/);
  t.true(isFailedItemMarker(marker));
  t.false(isFailedItemMarker({ xprFailed: false }));
  t.false(isFailedItemMarker(null));
});
