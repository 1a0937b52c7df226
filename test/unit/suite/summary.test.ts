// The counts `npm test` (test/run-all.sh) prints at the end, read from ava's own output (captured in
// test/fixtures/run-all/): passes are counted when a test failed too.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const counts = (fixture: string): string => execFileSync('bash', [
  fileURLToPath(new URL('../../ava-summary.sh', import.meta.url)),
  fileURLToPath(new URL(`../../fixtures/run-all/${fixture}`, import.meta.url)),
], { encoding: 'utf8' }).trim();

test('a run with a failed test still counts its passed tests', (t) => {
  t.is(counts('ava-one-failed.txt'), '2 1 0');
});

test('a run where everything passed counts from ava\'s summary', (t) => {
  t.is(counts('ava-all-passed.txt'), '2 0 0');
});
