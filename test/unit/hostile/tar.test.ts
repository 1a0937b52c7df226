// Hostile result archives: what a remote system (or a job on it) sends back is unpacked into the local stage base.
// Entries with "..", absolute names, symlinks and hard links (which a later fetch could write through), devices,
// entries outside the job dirs, and truncated or garbage archives are refused as a whole, naming the entry.
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, readdirSync, symlinkSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { unpackInto, unsafeEntries, LocalTarError } from '../../../src/system/tar-stream.ts';

const scratch = mkdtempSync(join(tmpdir(), 'xpr-hostile-tar-'));

// A tar archive made by the system tar from `cwd` (-P keeps "..", absolute names), in GNU or pax format.
function sysTar(cwd: string, names: string[], format: 'gnu' | 'pax' = 'gnu'): Buffer {
  return execFileSync('tar', ['-P', `--format=${format}`, '-cf', '-', ...names], { cwd, maxBuffer: 1 << 26 });
}

// One ustar header + data, for entry types the system tar will not make unprivileged (devices) or damaged fields.
function ustar(name: string, type: string, data = Buffer.alloc(0), over: { size?: string } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(over.size ?? `${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([h, padded]);
}
const END = Buffer.alloc(1024);

// The local stage base as fetch leaves it: one job dir with a result, and a victim dir outside it.
function setting(): { base: string; victim: string } {
  const top = mkdtempSync(join(scratch, 'case-'));
  const base = join(top, 'xpr-stage');
  mkdirSync(join(base, 'job1'), { recursive: true });
  mkdirSync(join(base, '_code'));
  writeFileSync(join(base, '_code', 'op.mjs'), 'export const op = 1;\n');
  const victim = join(top, 'victim');
  mkdirSync(victim);
  return { base, victim };
}

const snapshot = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

interface Case {
  what: string;
  entry: RegExp;
  build: (src: string, victim: string) => Buffer;
}

const CASES: Case[] = [
  {
    what: 'a ".." entry climbing out of the job dir',
    entry: /job1\/\.\.\/\.\.\/victim\/owned.*"\.\." part/,
    build: (src) => {
      mkdirSync(join(src, 'base', 'job1'), { recursive: true });
      mkdirSync(join(src, 'victim'));
      writeFileSync(join(src, 'victim', 'owned'), 'x');
      return sysTar(join(src, 'base'), ['job1/../../victim/owned']);
    },
  },
  {
    what: 'an absolute name',
    entry: /absolute name/,
    build: (_src, victim) => {
      writeFileSync(join(victim, 'abs'), 'x');
      return sysTar('/', [join(victim, 'abs')]);
    },
  },
  {
    what: 'a symlink pointing out of the job dir',
    entry: /job1\/_xpr_result.*type "2"/,
    build: (src) => {
      mkdirSync(join(src, 'job1'));
      symlinkSync('/etc/passwd', join(src, 'job1', '_xpr_result'));
      return sysTar(src, ['job1/_xpr_result']);
    },
  },
  {
    what: 'a hard link',
    entry: /job1\/b.*type "1"/,
    build: (src) => {
      mkdirSync(join(src, 'job1'));
      writeFileSync(join(src, 'job1', 'a'), 'x');
      linkSync(join(src, 'job1', 'a'), join(src, 'job1', 'b'));
      return sysTar(src, ['job1/a', 'job1/b']);
    },
  },
  { what: 'a character device', entry: /job1\/tty.*type "3"/, build: () => Buffer.concat([ustar('job1/tty', '3'), END]) },
  { what: 'a FIFO', entry: /job1\/fifo.*type "6"/, build: () => Buffer.concat([ustar('job1/fifo', '6'), END]) },
  {
    what: 'an entry overwriting the staged code bundles (_code)',
    entry: /_code\/op\.mjs.*outside the job dirs/,
    build: (src) => {
      mkdirSync(join(src, '_code'));
      writeFileSync(join(src, '_code', 'op.mjs'), 'require("child_process").execSync("touch /tmp/owned")');
      return sysTar(src, ['_code/op.mjs']);
    },
  },
  {
    what: 'a long (GNU) name with ".." in it',
    entry: /"\.\." part/,
    build: (src) => {
      const long = `job1/${'d'.repeat(120)}`;
      mkdirSync(join(src, long), { recursive: true });
      writeFileSync(join(src, 'x'), 'x');
      return sysTar(src, [`${long}/../../x`]);
    },
  },
  {
    what: 'a pax path with ".." in it',
    entry: /"\.\." part/,
    build: (src) => {
      const long = `job1/${'p'.repeat(120)}`;
      mkdirSync(join(src, long), { recursive: true });
      writeFileSync(join(src, 'y'), 'y');
      return sysTar(src, [`${long}/../../y`], 'pax');
    },
  },
  {
    what: 'a truncated archive (the transfer was cut)',
    entry: /truncated/,
    build: (src) => {
      mkdirSync(join(src, 'job1'));
      writeFileSync(join(src, 'job1', '_xpr_result'), 'r'.repeat(5000));
      const whole = sysTar(src, ['job1/_xpr_result']);
      return whole.subarray(0, 512 + 1000);
    },
  },
  { what: 'garbage instead of an archive', entry: /malformed size field/, build: () => Buffer.from('<html>502 Bad Gateway</html>\n'.repeat(40)) },
  { what: 'a header with a malformed size', entry: /malformed size field/, build: () => Buffer.concat([ustar('job1/x', '0', Buffer.from('x'), { size: '9z9\0' }), END]) },
];

for (const c of CASES) {
  test(`unpacking results refuses ${c.what}; nothing is unpacked`, async (t) => {
    const { base, victim } = setting();
    const src = mkdtempSync(join(scratch, 'src-'));
    const archive = c.build(src, victim);
    const before = { base: snapshot(base), victim: snapshot(victim) };
    const err = await t.throwsAsync(unpackInto(base, archive), { instanceOf: LocalTarError });
    t.regex(err.message, c.entry);
    t.true(err.message.includes(base), 'the message names the dir');
    t.deepEqual(snapshot(base), before.base, 'nothing was unpacked');
    t.deepEqual(snapshot(victim), before.victim, 'nothing was written outside');
    t.is(readFileSync(join(base, '_code', 'op.mjs'), 'utf8'), 'export const op = 1;\n');
  });
}

test('a symlink sent by one fetch cannot be used by the next to write outside the stage dir', async (t) => {
  const { base, victim } = setting();
  const src = mkdtempSync(join(scratch, 'src-'));
  mkdirSync(join(src, 'job1'));
  symlinkSync(victim, join(src, 'job1', 'out'));
  const first = sysTar(src, ['job1/out']);
  const src2 = mkdtempSync(join(scratch, 'src-'));
  mkdirSync(join(src2, 'job1', 'out'), { recursive: true });
  writeFileSync(join(src2, 'job1', 'out', 'planted'), 'x');
  const second = sysTar(src2, ['job1/out/planted']);
  await t.throwsAsync(unpackInto(base, first), { instanceOf: LocalTarError });
  await unpackInto(base, second); // a plain file in a plain dir: fine
  t.deepEqual(readdirSync(victim), []);
  t.true(existsSync(join(base, 'job1', 'out', 'planted')));
});

test('ordinary result archives of several job dirs (long names, pax) unpack as before', async (t) => {
  for (const format of ['gnu', 'pax'] as const) {
    const { base } = setting();
    const src = mkdtempSync(join(scratch, 'src-'));
    const long = `job2/${'n'.repeat(150)}`;
    mkdirSync(join(src, 'job1'));
    mkdirSync(join(src, long), { recursive: true });
    writeFileSync(join(src, 'job1', '_xpr_result'), '{"xpr":1,"v":{"value":1}}');
    writeFileSync(join(src, long, 'out file $(x).txt'), 'o');
    const archive = sysTar(src, ['job1/_xpr_result', `${long}/out file $(x).txt`], format);
    t.deepEqual(unsafeEntries(archive), []);
    await unpackInto(base, archive);
    t.is(readFileSync(join(base, 'job1', '_xpr_result'), 'utf8'), '{"xpr":1,"v":{"value":1}}');
    t.is(readFileSync(join(base, long, 'out file $(x).txt'), 'utf8'), 'o');
  }
});
