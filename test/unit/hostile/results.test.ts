// Tampered, truncated, oversized and malicious result files: reading them back gives an error naming the file (or the
// place in the payload), never runs code, never pollutes prototypes; output files never come from outside the job dir.
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, symlinkSync, readdirSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode, CodecFormatError } from '../../../src/codec/index.ts';
import { readResult, readJobError, readItemRecords, copyOutputFiles } from '../../../src/job/job-outputs.ts';
import { JobFileError } from '../../../src/job/errors.ts';
import { JobFiles } from '../../../src/runner/contract.ts';

const scratch = mkdtempSync(join(tmpdir(), 'xpr-hostile-res-'));
const CANARY = join(scratch, 'canary');
const jobDir = (): string => mkdtempSync(join(scratch, 'job-'));
const good = encode({ value: { energy: -1.5, tags: ['a'] } });

// Result files as a broken or hostile job might leave them, with what the error must say.
const TAMPERED: Array<[string, string, RegExp]> = [
  ['not JSON', 'Traceback (most recent call last):', /not JSON/],
  ['truncated mid-write', good.slice(0, Math.floor(good.length / 2)), /not JSON/],
  ['empty', '', /not JSON/],
  ['another format version', good.replace('"xpr":1', '"xpr":99'), /unsupported format version 99/],
  ['a Python pickle', '\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93', /not JSON/],
  ['a function tag', `{"xpr":1,"v":{"value":{"$t":"function","v":"() => require('fs').writeFileSync('${CANARY}', '')"}}}`, /unknown tag "function"/],
  ['a class/constructor tag', `{"xpr":1,"v":{"value":{"$t":"class","v":"Buffer"}}}`, /unknown tag "class"/],
  ['extra top-level fields', '{"xpr":1,"v":1,"run":"touch x"}', /unexpected top-level field\(s\) run/],
  ['a bigint that is not digits', '{"xpr":1,"v":{"value":{"$t":"bigint","v":"0x1f; process.exit()"}}}', /decimal digits/],
  ['a date out of range', '{"xpr":1,"v":{"value":{"$t":"date","v":1e300}}}', /integer epoch ms/],
  ['binary with bad base64', '{"xpr":1,"v":{"value":{"$t":"u8","v":"!!!!"}}}', /base64/],
  ['an error with a non-string stack', '{"xpr":1,"v":{"value":{"$t":"error","v":{"name":"E","message":"m","stack":{"toString":1}}}}}', /stack is a string/],
  ['nesting far too deep (stack exhaustion)', `{"xpr":1,"v":{"value":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`, /nested too deeply/],
];

for (const [what, text, expected] of TAMPERED) {
  test(`a result file with ${what} is a JobFileError naming the file and the problem`, (t) => {
    const d = jobDir();
    writeFileSync(join(d, JobFiles.result), text, 'latin1');
    const err = t.throws(() => readResult(d), { instanceOf: JobFileError });
    t.true(err.message.includes(join(d, JobFiles.result)), err.message);
    t.regex(err.message, expected);
    t.true(err.cause instanceof CodecFormatError, 'the cause says where in the payload');
    t.false(existsSync(CANARY));
  });
}

test('code in a payload stays a string: decoding never runs it', (t) => {
  const code = `require('child_process').execSync('touch ${CANARY}')`;
  const v = decode(JSON.stringify({ xpr: 1, v: { value: code, f: `(function(){${code}})()`, toString: code, valueOf: code } })) as Record<string, string>;
  t.is(v.value, code);
  t.is(typeof v.toString, 'string');
  t.is(`${JSON.stringify(v)}`.includes('execSync'), true);
  t.false(existsSync(CANARY));
});

test('"__proto__" and "constructor" keys in objects, maps and error props stay plain keys (no prototype pollution)', (t) => {
  const payload = JSON.stringify({
    xpr: 1,
    v: {
      __proto__: { polluted: 1 },
      constructor: { prototype: { polluted: 2 } },
      nested: { $t: 'null-object', v: { __proto__: { polluted: 3 } } },
      err: { $t: 'error', v: { name: 'Error', message: 'm', props: { __proto__: { polluted: 4 }, constructor: 'x' } } },
    },
  }).replace('"__proto__"', '"__proto__"');
  // JSON.stringify drops a literal __proto__ key of an object literal; write the text by hand instead.
  const text = `{"xpr":1,"v":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},` +
    `"nested":{"$t":"null-object","v":{"__proto__":{"polluted":3}}},` +
    `"err":{"$t":"error","v":{"name":"Error","message":"m","props":{"__proto__":{"polluted":4},"constructor":"x"}}}}}`;
  t.truthy(payload);
  const v = decode(text) as Record<string, any>;
  t.is(({} as Record<string, unknown>).polluted, undefined);
  t.is((Object.prototype as Record<string, unknown>).polluted, undefined);
  t.is(Object.getPrototypeOf(v), Object.prototype);
  t.deepEqual(Object.keys(v).sort(), ['__proto__', 'constructor', 'err', 'nested']);
  t.deepEqual(Object.getOwnPropertyDescriptor(v, '__proto__')?.value, { polluted: 1 });
  t.is(Object.getPrototypeOf(v.nested), null);
  t.true(v.err instanceof Error);
  t.is(Object.getPrototypeOf(v.err), Error.prototype);
  t.is((Error.prototype as unknown as Record<string, unknown>).polluted, undefined);
});

test('an error file naming a non-builtin class gives a plain Error carrying the name (no constructor is looked up)', (t) => {
  const d = jobDir();
  writeFileSync(join(d, JobFiles.error), '{"xpr":1,"v":{"$t":"error","v":{"name":"Function","message":"return process.exit(3)"}}}');
  const err = readJobError(d);
  t.is(Object.getPrototypeOf(err), Error.prototype);
  t.is(err.name, 'Function');
  t.is(err.message, 'return process.exit(3)');
});

test('item records: a hostile line before the last is an error naming the file and line; a torn last line is skipped', (t) => {
  const d = jobDir();
  const rec = (i: number): string => encode({ i, ok: true, value: i });
  writeFileSync(join(d, JobFiles.items), `${rec(0)}\n{"xpr":1,"v":{"$t":"function","v":"x"}}\n${rec(2)}\n${rec(3).slice(0, 5)}`);
  const err = t.throws(() => readItemRecords(d), { instanceOf: JobFileError });
  t.true(err.message.includes(`${join(d, JobFiles.items)} line 2`), err.message);
  writeFileSync(join(d, JobFiles.items), `${rec(0)}\n${rec(1)}\n${rec(2).slice(0, 5)}`);
  t.is(readItemRecords(d).length, 2);
});

test('an oversized result file (beyond what can be read) is a JobFileError naming the file, not a crash', (t) => {
  const d = jobDir();
  const fd = openSync(join(d, JobFiles.result), 'w');
  ftruncateSync(fd, 3 * 1024 ** 3); // sparse: 3 GiB on paper, nothing on disk
  closeSync(fd);
  const err = t.throws(() => readResult(d), { instanceOf: JobFileError });
  t.true(err.message.includes(join(d, JobFiles.result)));
  t.regex(err.message, /2 GiB|too large/i);
});

test('a large but legal result (32 MB string) is read back intact', (t) => {
  const d = jobDir();
  const big = 'x'.repeat(32 * 1024 * 1024);
  writeFileSync(join(d, JobFiles.result), encode({ value: big }));
  t.is((readResult(d) as string).length, big.length);
});

test('output files: a symlink in the job dir pointing outside it is not followed; the others are copied', async (t) => {
  const d = jobDir();
  const secret = join(scratch, 'id_rsa');
  writeFileSync(secret, 'PRIVATE KEY');
  writeFileSync(join(d, 'out.txt'), 'ok');
  symlinkSync(secret, join(d, 'stolen.txt'));
  const outDir = mkdtempSync(join(scratch, 'out-'));
  const err = await t.throwsAsync(copyOutputFiles(d, ['*.txt'], outDir), { instanceOf: JobFileError });
  t.regex(err.message, /"stolen\.txt", outside the job dir; not copied/);
  t.deepEqual(readdirSync(outDir), ['out.txt']);
});

test('output files: a "../" glob (from a record made before globs were checked) copies nothing from outside', async (t) => {
  const top = mkdtempSync(join(scratch, 'top-'));
  const d = join(top, 'job');
  mkdirSync(d);
  writeFileSync(join(top, 'secret'), 's');
  const outDir = join(top, 'out', 'deep');
  mkdirSync(outDir, { recursive: true });
  const err = await t.throwsAsync(copyOutputFiles(d, ['../secret'], outDir), { instanceOf: JobFileError });
  t.regex(err.message, /"\.\.\/secret", outside the job dir/);
  t.false(existsSync(join(top, 'out', 'secret')), 'nothing written outside the output dir');
});
