// Temporary dirs a killed driver leaves in the stage dir (`.tmp-…` job dirs being written, `.fetch-…` unpack dirs):
// removed by the next run or `xpr gc` once their owner is gone or they are old; a live driver's are kept.
import test from 'ava';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { leftoverName, sweepLeftovers } from '../../../src/system/leftovers.ts';

test('leftovers of a dead driver and old ones are removed; a live driver\'s, job dirs and other dirs are kept', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'xpr-stage-'));
  const dead = `2147483646~${hostname()}~`;
  const names = [
    `.tmp-${dead}add_0123456789ab_wxyz`, `.fetch-${dead}Ab12Cd`, // a dead driver on this host
    leftoverName('tmp', 'add_1'), leftoverName('fetch') + 'xYz123', // this (live) process
    '.tmp-2147483646~otherhost~add_2', // another host's driver: kept until old
    '.tmp-add_old', '.tmp-add_young', // names without an owner (older xpr): by age
    'add_0123456789ab_wxyz', '_code', '.spool',
  ];
  for (const n of names) mkdirSync(join(base, n));
  const old = new Date(Date.now() - 3 * 3600_000);
  utimesSync(join(base, '.tmp-add_old'), old, old);
  const removed = sweepLeftovers(base).sort();
  t.deepEqual(removed, [`.fetch-${dead}Ab12Cd`, `.tmp-${dead}add_0123456789ab_wxyz`, '.tmp-add_old'].sort());
  t.deepEqual(readdirSync(base).sort(), names.filter((n) => !removed.includes(n)).sort());
});
