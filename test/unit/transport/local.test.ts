import test from 'ava';
import { randomBytes, createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { Readable } from 'node:stream';
import { LocalTransport } from '../../../src/transport/local.ts';
import { CommandTimeoutError, TransportClosedError } from '../../../src/transport/errors.ts';

test('exec runs argv without a shell and reports exit code, stdout and stderr', async (t) => {
  const local = new LocalTransport();
  const res = await local.exec(['bash', '-c', 'echo out; echo err >&2; exit 7']);
  t.is(res.code, 7);
  t.is(res.signal, null);
  t.true(Buffer.isBuffer(res.stdout));
  t.is(res.stdout.toString(), 'out\n');
  t.is(res.stderr, 'err\n');
  const noShell = await local.exec(['echo', '$HOME', '*']);
  t.is(noShell.stdout.toString(), '$HOME *\n');
});

test('a command killed by a signal reports the signal and a null code', async (t) => {
  const res = await new LocalTransport().exec(['bash', '-c', 'kill -TERM $$']);
  t.is(res.code, null);
  t.is(res.signal, 'SIGTERM');
});

test('a missing program gives exit code 127 like a shell, not an exception', async (t) => {
  const res = await new LocalTransport().exec(['/nonexistent/xpr-no-such-program', 'x']);
  t.is(res.code, 127);
  t.regex(res.stderr, /command not found/);
});

test('commands run in the home dir by default, or in the given cwd', async (t) => {
  t.is((await new LocalTransport().exec(['pwd'])).stdout.toString().trim(), homedir());
  t.is((await new LocalTransport({ cwd: '/tmp' }).exec(['pwd'])).stdout.toString().trim(), '/tmp');
});

test('stdin accepts a Buffer, a string and a stream of several MB', async (t) => {
  const local = new LocalTransport();
  t.is((await local.exec(['cat'], { stdin: 'héllo' })).stdout.toString(), 'héllo');
  const big = randomBytes(5 * 1024 * 1024);
  const viaBuffer = await local.exec(['cat'], { stdin: big });
  t.true(viaBuffer.stdout.equals(big));
  const chunks = Array.from({ length: 5 }, (_, i) => big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
  const viaStream = await local.exec(['sha256sum'], { stdin: Readable.from(chunks) });
  t.is(viaStream.stdout.toString().split(' ')[0], createHash('sha256').update(big).digest('hex'));
});

test('a program that ignores its stdin does not fail the exec', async (t) => {
  const res = await new LocalTransport().exec(['true'], { stdin: randomBytes(4 * 1024 * 1024) });
  t.is(res.code, 0);
});

test('a failing stdin stream stops the command and rejects with that error', async (t) => {
  const failing = new Readable({ read() { this.destroy(new Error('disk gone')); } });
  await t.throwsAsync(new LocalTransport().exec(['cat'], { stdin: failing }), { message: /disk gone/ });
});

test('timeoutMs stops the child and rejects with CommandTimeoutError keeping the output so far', async (t) => {
  const started = Date.now();
  const err = await t.throwsAsync(new LocalTransport().exec(['bash', '-c', 'echo partial; sleep 30'], { timeoutMs: 300 }),
    { instanceOf: CommandTimeoutError });
  t.true(Date.now() - started < 5000);
  t.is(err.timeoutMs, 300);
  t.is(err.stdout.toString(), 'partial\n');
});

test('an AbortSignal stops a running command and rejects with the signal reason', async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('user cancelled')), 200);
  await t.throwsAsync(new LocalTransport().exec(['sleep', '30'], { signal: ac.signal }), { message: 'user cancelled' });
  const reason = await new LocalTransport().exec(['true'], { signal: AbortSignal.abort() }).catch((e: unknown) => e);
  t.is((reason as DOMException).name, 'AbortError');
});

test('stats count commands and no connections; exec after close is refused', async (t) => {
  const local = new LocalTransport();
  await local.exec(['true']);
  await local.exec(['false']);
  t.deepEqual(local.stats(), { connectionsOpened: 0, commandsRun: 2 });
  await local.close();
  await t.throwsAsync(local.exec(['true']), { instanceOf: TransportClosedError });
});

test('a stdin stream the command never finished reading is destroyed when the command times out', async (t) => {
  const local = new LocalTransport();
  const endless = new Readable({ read() { this.push(Buffer.alloc(64 * 1024)); } });
  await t.throwsAsync(local.exec(['sleep', '5'], { stdin: endless, timeoutMs: 200 }), { instanceOf: CommandTimeoutError });
  t.true(endless.destroyed);
});
