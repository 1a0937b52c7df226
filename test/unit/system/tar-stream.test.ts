// Packing job dirs with the system tar: a consumer that gives up ends tar instead of leaving it blocked.
import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { packEntries } from '../../../src/system/tar-stream.ts';

// tar processes started by this test process (pgrep exits 1 when there are none).
function tarChildren(): string[] {
  try {
    return execFileSync('pgrep', ['-x', 'tar', '-P', String(process.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

test('destroying the pack stream before it is read ends the tar process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-pack-'));
  mkdirSync(join(dir, 'job'));
  writeFileSync(join(dir, 'job', 'big'), randomBytes(8 * 1024 * 1024)); // far more than a pipe holds
  const stream = packEntries(dir, ['job']);
  stream.on('error', () => undefined); // tar's exit by signal is reported on the stream, which nobody reads any more
  await new Promise((r) => setTimeout(r, 300));
  t.is(tarChildren().length, 1, 'tar is blocked on the full pipe');
  stream.destroy();
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(tarChildren(), []);
});
