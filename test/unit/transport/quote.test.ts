import test from 'ava';
import { Readable } from 'node:stream';
import { quote, quoteArgv } from '../../../src/transport/quote.ts';
import { LocalTransport } from '../../../src/transport/local.ts';
import { HOSTILE } from './_hostile.ts';

const local = new LocalTransport();

for (const [i, s] of HOSTILE.entries()) {
  test(`a hostile string survives bash -c printf exactly (#${i} ${JSON.stringify(s)})`, async (t) => {
    const res = await local.exec(['bash', '-c', `printf '%s\\n' ${quote(s)}`]);
    t.is(res.code, 0, res.stderr);
    t.is(res.stdout.toString('utf8'), `${s}\n`);
  });
}

test('quoteArgv keeps every argument separate through sh -c (dash)', async (t) => {
  const res = await local.exec(['sh', '-c', quoteArgv(['printf', '%s\\0', ...HOSTILE])]);
  t.is(res.code, 0, res.stderr);
  t.deepEqual(res.stdout.toString('utf8').split('\0').slice(0, -1), [...HOSTILE]);
});

test('a command line quoted twice (for ssh and then bash -c) still round-trips', async (t) => {
  const inner = quoteArgv(['printf', '%s\\0', ...HOSTILE]);
  const res = await local.exec(['bash', '-c', quoteArgv(['bash', '-c', inner])]);
  t.deepEqual(res.stdout.toString('utf8').split('\0').slice(0, -1), [...HOSTILE]);
});

test('safe words stay bare and the rest is single-quoted', (t) => {
  t.is(quote('abc/DEF-1.2_x:z,@%+'), 'abc/DEF-1.2_x:z,@%+');
  t.is(quote(''), "''");
  t.is(quote("it's"), `'it'\\''s'`);
});

test('a NUL byte is refused rather than truncated', (t) => {
  t.throws(() => quote('a\0b'), { instanceOf: TypeError });
});

test('stdin given as a stream reaches a shell pipeline intact', async (t) => {
  const res = await local.exec(['bash', '-c', 'cat | wc -c'], { stdin: Readable.from([Buffer.from('abc'), Buffer.from('def')]) });
  t.is(res.stdout.toString().trim(), '6');
});

test('a word with "=" is quoted, so a first argument is never read as a variable assignment', async (t) => {
  t.is(quote('FOO=bar'), `'FOO=bar'`);
  const res = await local.exec(['sh', '-c', `${quoteArgv(['FOO=bar', 'true'])} 2>&1; echo rc=$?`]);
  t.regex(res.stdout.toString(), /not found|No such file/, 'FOO=bar was run as a command name, not taken as an assignment');
});
