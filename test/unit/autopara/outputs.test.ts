import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestPath, readOutputs, writeOutputs, type StoredOutputs } from '../../../src/autopara/outputs.ts';

const dir = (): string => mkdtempSync(join(tmpdir(), 'xpr-outputs-'));

const records = [
  { energy: -1.5, forces: new Float64Array([0.1, -0.2]) },
  undefined,
  'line one\nline two',
  new Map<string, unknown>([['k', new Date(0)]]),
  [NaN, -0, 10n],
];

// Plain results written with no failures, read back as plain results (null when not complete).
async function write(path: string, results: unknown[], callKey: string): Promise<void> {
  await writeOutputs(path, results, [], { callKey });
}
function read(path: string, callKey: string, count: number): unknown[] | null {
  const out = readOutputs(path, callKey, count);
  return out && out.results;
}

test('records round-trip through the file, codec types included, in input order', async (t) => {
  const path = join(dir(), 'relaxed.jsonl');
  await write(path, records, 'key-1');
  t.deepEqual(readOutputs(path, 'key-1', records.length), { results: records, failures: [] });
  t.is(readFileSync(path, 'utf8').split('\n').length, records.length + 1, 'one line per record');
  const manifest = JSON.parse(readFileSync(manifestPath(path), 'utf8'));
  t.like(manifest, { version: 2, callKey: 'key-1', count: records.length, failed: 0 });
  t.regex(manifest.sha256, /^[0-9a-f]{64}$/);
});

test('failed items are recorded as failures with job and error, and read back as failures (not results)', async (t) => {
  const path = join(dir(), 'partly.jsonl');
  await writeOutputs(path, [1, undefined, 3], [{ index: 1, jobId: 'job_1', error: new TypeError('bad item') }], { callKey: 'k' });
  const out = readOutputs(path, 'k', 3) as StoredOutputs;
  t.deepEqual(out.results, [1, undefined, 3]);
  t.is(out.failures.length, 1);
  t.like(out.failures[0], { index: 1, jobId: 'job_1', error: { name: 'TypeError', message: 'bad item' } });
  t.true(out.failures[0]!.error instanceof Error);
  t.regex(out.failures[0]!.error.stack ?? '', /TypeError: bad item/);
  t.like(JSON.parse(readFileSync(manifestPath(path), 'utf8')), { failed: 1 });
});

test('a real result shaped like a failure marker stays a result (records are enveloped)', async (t) => {
  const path = join(dir(), 'shape.jsonl');
  const lookalike = { xprFailed: true, error: { name: 'E', message: 'm', stack: null }, ok: false, i: 0 };
  await write(path, [lookalike, { ok: false, error: {} }], 'k');
  t.deepEqual(readOutputs(path, 'k', 2), { results: [lookalike, { ok: false, error: {} }], failures: [] });
});

test('a failure count in the manifest that does not match the records means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await writeOutputs(path, [1, 2], [{ index: 0, jobId: null, error: new Error('x') }], { callKey: 'k' });
  const manifest = JSON.parse(readFileSync(manifestPath(path), 'utf8'));
  writeFileSync(manifestPath(path), JSON.stringify({ ...manifest, failed: 0 }));
  t.is(readOutputs(path, 'k', 2), null);
});

test('zero records is a complete, empty output', async (t) => {
  const path = join(dir(), 'none.jsonl');
  await write(path, [], 'k');
  t.deepEqual(read(path, 'k', 0), []);
});

test('a different call key or count means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await write(path, [1, 2, 3], 'key-1');
  t.is(read(path, 'key-2', 3), null);
  t.is(read(path, 'key-1', 4), null);
});

test('a missing manifest or a missing data file means not complete', async (t) => {
  const d = dir();
  writeFileSync(join(d, 'bare.jsonl'), '{"xpr":1,"v":1}\n');
  t.is(read(join(d, 'bare.jsonl'), 'k', 1), null);
  t.is(read(join(d, 'absent.jsonl'), 'k', 1), null);
});

test('garbage in the data file or the manifest means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await write(path, [1, 2], 'k');
  writeFileSync(path, 'garbage\n');
  t.is(read(path, 'k', 2), null);
  await write(path, [1, 2], 'k');
  writeFileSync(manifestPath(path), '{not json');
  t.is(read(path, 'k', 2), null);
});

test('a truncated data file means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await write(path, [{ a: 1 }, { b: 2 }, { c: 3 }], 'k');
  const full = readFileSync(path, 'utf8');
  writeFileSync(path, full.slice(0, full.length - 5));
  t.is(read(path, 'k', 3), null);
});

test('a data file replaced by other valid records (digest mismatch) means not complete', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await write(path, [1, 2], 'k');
  const manifest = readFileSync(manifestPath(path));
  await write(path, [1, 3], 'k');
  writeFileSync(manifestPath(path), manifest);
  t.is(read(path, 'k', 2), null);
});

test('writes are atomic: readers only ever see the old or the new complete file, and no temp file is left', async (t) => {
  const d = dir();
  const path = join(d, 'big.jsonl');
  const old = Array.from({ length: 10 }, (_, i) => ({ old: i }));
  await write(path, old, 'k');
  const oldText = readFileSync(path, 'utf8');
  const fresh = Array.from({ length: 100_000 }, (_, i) => ({ item: i, payload: 'x'.repeat(20) }));
  let observations = 0;
  let partial = 0;
  let done = false;
  const writing = write(path, fresh, 'k2').finally(() => { done = true; });
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
  t.is(read(path, 'k2', fresh.length)?.length, fresh.length);
  t.deepEqual(readdirSync(d).sort(), ['big.jsonl', 'big.jsonl.xpr-manifest.json']);
});

test('an uncodable record fails before anything on disk changes', async (t) => {
  const path = join(dir(), 'o.jsonl');
  await write(path, [1], 'k');
  await t.throwsAsync(write(path, [() => 1], 'k'), { message: /outputs\[0\]/ });
  t.deepEqual(read(path, 'k', 1), [1]);
});
