// The store commits durably: a claim (and so a submission record) survives an OS crash of the login node, in WAL mode
// and on a network filesystem (journal_mode DELETE) alike.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../../src/store/index.ts';

test('the store opens with synchronous=FULL, local and network filesystem', (t) => {
  for (const networkFs of [false, true]) {
    const s = JobStore.open(mkdtempSync(join(tmpdir(), 'xpr-store-')), { networkFs });
    t.is(s.durability(), 'FULL', `networkFs ${networkFs}`);
    s.close();
  }
});
