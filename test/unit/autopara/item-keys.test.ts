import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callKeys } from '../../../src/autopara/item-keys.ts';
import { resolveInputFiles } from '../../../src/job/spec.ts';

const inputFileDigests = async (globs: string[], cwd: string): Promise<Array<[string, string]>> =>
  (await resolveInputFiles(globs, cwd)).map((f): [string, string] => [f.rel, f.sha256]);
import { UncodableValueError } from '../../../src/codec/index.ts';
import { JobOptionError } from '../../../src/job/index.ts';

const bundle = { hash: 'a'.repeat(64), exportName: 'relax' };

test('item keys depend on the item only, not its position among the inputs or the other items', (t) => {
  const a = callKeys(bundle, [], [], [1, 2, 3]);
  const b = callKeys(bundle, [], [], [3, 1]);
  t.is(a.itemKeys[0], b.itemKeys[1]);
  t.is(a.itemKeys[2], b.itemKeys[0]);
  t.not(a.callKey, b.callKey);
});

test('the op code, its extra args (minus hash_ignore) and the input files change every item key', (t) => {
  const key = (...more: Parameters<typeof callKeys> extends [unknown, ...infer Rest] ? Rest : never) => callKeys(bundle, ...more).itemKeys[0];
  const plain = key([1], [], [7]);
  t.not(callKeys({ ...bundle, hash: 'b'.repeat(64) }, [1], [], [7]).itemKeys[0], plain);
  t.not(key([2], [], [7]), plain);
  t.is(key([1, { verbose: true }], ['verbose'], [7]), key([1, { verbose: false }], ['verbose'], [7]));
  const withFile = key([1], [], [7], [['POTCAR', 'f'.repeat(64)]]);
  t.not(withFile, plain);
  t.not(key([1], [], [7], [['POTCAR', 'e'.repeat(64)]]), withFile, 'edited file contents');
  t.not(key([1], [], [7], [['POTCAR2', 'f'.repeat(64)]]), withFile, 'another path');
});

test('an uncodable arg or item is reported at its own path (args[0]..., inputs[1]...)', (t) => {
  const fn = (): number => 1;
  const argError = t.throws(() => callKeys(bundle, [{ calc: { fn } }], [], [1]), { instanceOf: UncodableValueError });
  t.is(argError!.path, 'args[0].calc.fn');
  const itemError = t.throws(() => callKeys(bundle, [], [], [{ calc: {} }, { calc: { fn } }]), { instanceOf: UncodableValueError });
  t.is(itemError!.path, 'inputs[1].calc.fn');
  t.regex(itemError!.message, /^Cannot encode inputs\[1\]\.calc\.fn:/);
});

test('input file digests: relative paths in the job dir with sha256 of the contents, sorted, dirs expanded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-item-keys-'));
  mkdirSync(join(dir, 'POTCARs'));
  writeFileSync(join(dir, 'POTCARs', 'Si'), 'pseudo');
  writeFileSync(join(dir, 'b.txt'), 'b');
  const first = await inputFileDigests(['b.txt', 'POTCARs'], dir);
  t.deepEqual(first.map(([rel]) => rel), ['POTCARs/Si', 'b.txt']);
  t.is(first[0]![1], createHash('sha256').update('pseudo').digest('hex'));
  writeFileSync(join(dir, 'POTCARs', 'Si'), 'pseudo v2');
  const second = await inputFileDigests(['b.txt', 'POTCARs'], dir);
  t.not(second[0]![1], first[0]![1]);
  t.is(second[1]![1], first[1]![1]);
  await t.throwsAsync(inputFileDigests(['missing/*'], dir), { instanceOf: JobOptionError, message: /input_files.*"missing\/\*" matches no file/ });
});
