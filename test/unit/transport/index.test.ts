import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeAllTransports, getTransport, makeTransport } from '../../../src/transport/index.ts';
import { Ssh2Transport } from '../../../src/transport/ssh2.ts';
import { SshConfigError, TransportClosedError } from '../../../src/transport/errors.ts';
import { tempDir } from './_tmp.ts';

test('host null gives a local transport, remsh_cmd an OpenSSH one, anything else native ssh2', (t) => {
  t.is(makeTransport({ host: null, remshCmd: null }).kind, 'local');
  t.is(makeTransport({ host: 'u@h', remshCmd: ['ssh', '-p', '2222'] }).kind, 'openssh');
  t.is(makeTransport({ host: 'u@h', remshCmd: null }).kind, 'ssh2');
  t.is(makeTransport({ host: 'u@h', remshCmd: [] }).kind, 'ssh2');
});

test('getTransport returns the same transport for the same host until closeAllTransports', async (t) => {
  const a = getTransport({ host: null, remshCmd: null });
  t.is(getTransport({ host: null, remshCmd: null }), a);
  t.not(getTransport({ host: 'u@h', remshCmd: null }), a);
  t.not(getTransport({ host: 'u@h', remshCmd: ['ssh'] }), getTransport({ host: 'u@h', remshCmd: null }));
  await closeAllTransports();
  await t.throwsAsync(a.exec(['true']), { instanceOf: TransportClosedError });
  t.not(getTransport({ host: null, remshCmd: null }), a);
  await closeAllTransports();
});

test('the ssh2 label comes from the ssh config without connecting', (t) => {
  const dir = tempDir('idx');
  const cfg = join(dir, 'config');
  writeFileSync(cfg, 'Host hpc\n  HostName login.example.org\n  User alice\n  Port 2200\n');
  t.is(new Ssh2Transport({ host: 'hpc', sshConfigPath: cfg }).label, 'alice@login.example.org:2200');
});

test('a config problem surfaces from exec as SshConfigError, before any connection', async (t) => {
  const dir = tempDir('idx');
  const ssh = new Ssh2Transport({ host: 'hpc', sshConfigPath: join(dir, 'missing-config') });
  t.is(ssh.label, 'hpc');
  await t.throwsAsync(ssh.exec(['true']), { instanceOf: SshConfigError, message: /missing-config.*must name an existing file/ });
  const cfg = join(dir, 'config');
  writeFileSync(cfg, 'Host pc\n  ProxyCommand nc %h %p\n');
  await t.throwsAsync(new Ssh2Transport({ host: 'pc', sshConfigPath: cfg }).exec(['true']), { instanceOf: SshConfigError, message: /ProxyCommand.*remsh_cmd/ });
  t.is(ssh.stats().connectionsOpened, 0);
});
