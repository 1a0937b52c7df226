import test from 'ava';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenSshTransport } from '../../../src/transport/openssh.ts';
import { SshConnectError, TransportDroppedError } from '../../../src/transport/errors.ts';
import { HOSTILE } from './_hostile.ts';
import { tempDir } from './_tmp.ts';

const FAKE = join(dirname(fileURLToPath(import.meta.url)), 'fake-ssh.sh');

// A transport whose "ssh" is fake-ssh.sh with the given env, plus the user's extra args, and its argv log.
function fake(env: Record<string, string> = {}, userArgs = ['-p', '2222', '-i', '/keys/my key']) {
  const dir = tempDir('ossh');
  const log = join(dir, 'argv.log');
  writeFileSync(log, '');
  const vars = Object.entries({ FAKE_SSH_LOG: log, ...env }).map(([k, v]) => `${k}=${v}`);
  const transport = new OpenSshTransport({ host: 'u@cluster', remshCmd: ['env', ...vars, FAKE, ...userArgs], controlDir: join(dir, 'ctl') });
  const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\0').slice(0, -1));
  return { transport, calls, dir };
}

test('the remote command is ONE argument built by quoteArgv, so hostile strings arrive intact', async (t) => {
  const { transport } = fake();
  const res = await transport.exec(['printf', '%s\\0', ...HOSTILE]);
  t.is(res.code, 0, res.stderr);
  t.deepEqual(res.stdout.toString('utf8').split('\0').slice(0, -1), [...HOSTILE]);
  await transport.close();
});

test('the user\'s arguments come first, then the control options, the host and the command', async (t) => {
  const { transport, calls } = fake();
  await transport.exec(['echo', 'a b']);
  const execCall = calls().find((c) => !c.includes('-N') && !c.includes('-O'))!;
  t.deepEqual(execCall, ['-p', '2222', '-i', '/keys/my key', '-o', 'ControlMaster=auto', '-o', `ControlPath=${transport.controlPath}`,
    '-o', 'ControlPersist=300', 'u@cluster', "echo 'a b'"]);
  await transport.close();
});

test('concurrent first commands start ONE master, in a private dir with a short socket path', async (t) => {
  const { transport, calls } = fake();
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => transport.exec(['echo', String(i)])));
  t.deepEqual(results.map((r) => r.stdout.toString().trim()), Array.from({ length: 12 }, (_, i) => String(i)));
  const masters = calls().filter((c) => c.includes('-N'));
  t.is(masters.length, 1);
  t.true(masters[0]!.includes('-f') && masters[0]!.includes('ControlMaster=yes'));
  t.deepEqual(transport.stats(), { connectionsOpened: 1, commandsRun: 12 });
  t.is(statSync(dirname(transport.controlPath)).mode & 0o777, 0o700);
  t.true(Buffer.byteLength(transport.controlPath) < 104);
  await transport.close();
});

test('close sends -O exit to the master', async (t) => {
  const { transport, calls } = fake();
  await transport.exec(['true']);
  await transport.close();
  t.true(calls().some((c) => c.includes('-O') && c.includes('exit')));
});

test('a master that cannot log in fails the exec with ssh\'s own message', async (t) => {
  const { transport } = fake({ FAKE_SSH_FAIL_MASTER: '1' });
  const err = await t.throwsAsync(transport.exec(['true']), { instanceOf: SshConnectError });
  t.regex(err.message, /Permission denied \(publickey\)/);
});

test('a dropped connection rejects a non-idempotent command and repeats an idempotent one once', async (t) => {
  const flagDir = tempDir('drop');
  const flag = join(flagDir, 'drop-next');
  const { transport, calls } = fake({ FAKE_SSH_DROP: flag });
  await transport.exec(['true']);
  writeFileSync(flag, '');
  const err = await t.throwsAsync(transport.exec(['sbatch', 'job.sh']), { instanceOf: TransportDroppedError });
  t.true(err.mayHaveRun);
  writeFileSync(flag, '');
  const res = await transport.exec(['echo', 'again'], { idempotent: true });
  t.is(res.stdout.toString(), 'again\n');
  t.is(calls().filter((c) => c.includes('-N')).length, 3, 'each drop took the master with it; the next command started one');
  await transport.close();
});

test('a remote command that itself exits 255 with "Broken pipe" is its own result while the master still answers', async (t) => {
  const { transport, calls } = fake({});
  const res = await transport.exec(['bash', '-c', 'echo "write: Broken pipe" >&2; exit 255'], { idempotent: true });
  t.is(res.code, 255);
  t.is(calls().filter((c) => c.includes('-N')).length, 1, 'no new master');
  t.is(calls().filter((c) => c.join(' ').includes('Broken pipe')).length, 1, 'not repeated');
  await transport.close();
});

test('a master that went away while idle (ControlPersist) is started again, and close() stops it', async (t) => {
  const { transport, calls } = fake({});
  await transport.exec(['true']);
  rmSync(transport.controlPath);
  t.is((await transport.exec(['echo', 'back'])).stdout.toString(), 'back\n');
  t.is(calls().filter((c) => c.includes('-N')).length, 2);
  await transport.close();
  t.false(existsSync(transport.controlPath));
});

test('a host starting with "-" is refused', (t) => {
  t.throws(() => new OpenSshTransport({ host: '-oProxyCommand=x', remshCmd: ['ssh'] }), { message: /must not start with "-"/ });
});
