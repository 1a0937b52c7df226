// getItemResults over more keys than one query takes (they go in blocks): every stored key is found, in any block,
// duplicates and keys with quotes included; keys never stored are absent.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../../src/store/index.ts';

test('per-item results are found across query blocks (120 001 keys asked, 4 stored)', (t) => {
  const s = JobStore.open(join(mkdtempSync(join(tmpdir(), 'xpr-items-')), '_expyre'));
  const stored = ['k0', 'k49999', 'k50000', 'k"\'120000'];
  s.putItemResults(stored.map((itemKey, n) => ({ itemKey, jobId: `j${n}`, ok: n !== 1, payload: String(n) })));
  const keys = Array.from({ length: 120_000 }, (_, i) => `k${i}`);
  keys.push('k"\'120000', 'k0');
  const got = s.getItemResults(keys);
  t.deepEqual([...got.keys()].sort(), [...stored].sort());
  t.is(got.get('k50000')!.payload, '2');
  t.is(got.get('k"\'120000')!.jobId, 'j3');
  t.false(got.get('k49999')!.ok);
  t.is(s.getItemResults([]).size, 0);
  s.close();
});
