// Reading back what a job wrote: damaged files are errors naming the file, only a torn last item line is tolerated.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readItemRecords, readResult } from '../../../src/job/job-outputs.ts';
import { JobFileError } from '../../../src/job/errors.ts';
import { JobFiles } from '../../../src/runner/contract.ts';
import { encode } from '../../../src/codec/index.ts';

const dir = (): string => mkdtempSync(join(tmpdir(), 'xpr-collect-'));
const record = (i: number): string => encode({ i, ok: true, value: i * 10 });

test('a torn last line of the item records (a job killed mid-write) is skipped', (t) => {
  const d = dir();
  writeFileSync(join(d, JobFiles.items), `${record(0)}\n${record(1)}\n${record(2).slice(0, 9)}`);
  t.is(readItemRecords(d).length, 2);
});

test('a damaged line before the last is an error naming the file and line', (t) => {
  const d = dir();
  writeFileSync(join(d, JobFiles.items), `${record(0)}\ngarbage\n${record(2)}\n`);
  const err = t.throws(() => readItemRecords(d), { instanceOf: JobFileError });
  t.true(err.message.includes(`${join(d, JobFiles.items)} line 2`));
});

test('an unreadable result file is a JobFileError naming it', (t) => {
  const d = dir();
  writeFileSync(join(d, JobFiles.result), '{"not":"xpr"}');
  const err = t.throws(() => readResult(d), { instanceOf: JobFileError });
  t.true(err.message.includes(join(d, JobFiles.result)));
});
