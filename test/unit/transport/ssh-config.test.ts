import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { loadSshConfig, parseHostSpec, parseProxyJump, resolveSshHost } from '../../../src/transport/ssh-config.ts';
import { SshConfigError } from '../../../src/transport/errors.ts';
import { tempDir } from './_tmp.ts';

// A fake home with ~/.ssh/config holding `text`; returns the loaded config and the home dir.
function home(text: string, extra: Record<string, string> = {}) {
  const dir = tempDir('home');
  mkdirSync(join(dir, '.ssh'));
  writeFileSync(join(dir, '.ssh', 'config'), text);
  for (const [rel, body] of Object.entries(extra)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  return { dir, config: loadSshConfig([join(dir, '.ssh', 'config')], dir) };
}

const CONFIG = `
Host cluster
  HostName login.hpc.example.org
  User alice
  Port 2222
  IdentityFile ~/.ssh/id_cluster
  IdentityFile ~/.ssh/%h_%r
  UserKnownHostsFile ~/.ssh/kh_a ~/.ssh/kh_b
  ServerAliveInterval 30
  ConnectTimeout 7

Host behind
  HostName 10.1.2.3
  ProxyJump alice@gateway:2200,cluster

Host lax
  StrictHostKeyChecking no
  ProxyJump none
  HostKeyAlias lax-alias

Host *
  IdentityFile ~/.ssh/id_default
`;

test('an alias resolves HostName, User, Port, IdentityFile (with ~ and %h/%r) and known_hosts files', (t) => {
  const { dir, config } = home(CONFIG);
  const r = resolveSshHost('cluster', config, dir);
  t.is(r.alias, 'cluster');
  t.is(r.hostName, 'login.hpc.example.org');
  t.is(r.user, 'alice');
  t.is(r.port, 2222);
  t.deepEqual(r.identityFiles, [`${dir}/.ssh/id_cluster`, `${dir}/.ssh/login.hpc.example.org_alice`, `${dir}/.ssh/id_default`]);
  t.deepEqual(r.userKnownHostsFiles, [`${dir}/.ssh/kh_a`, `${dir}/.ssh/kh_b`]);
  t.is(r.serverAliveIntervalMs, 30_000);
  t.is(r.connectTimeoutMs, 7000);
  t.true(r.strictHostKeyChecking);
  t.is(r.proxyJump, null);
});

test('user and port written in the spec win over the config', (t) => {
  const { dir, config } = home(CONFIG);
  const r = resolveSshHost('bob@cluster:2200', config, dir);
  t.is(r.user, 'bob');
  t.is(r.port, 2200);
  t.is(r.hostName, 'login.hpc.example.org');
});

test('a host absent from the config gets OpenSSH defaults', (t) => {
  const { dir, config } = home(CONFIG);
  const r = resolveSshHost('plain.example.org', config, dir);
  t.is(r.hostName, 'plain.example.org');
  t.is(r.port, 22);
  t.is(r.user, userInfo().username);
  t.deepEqual(r.userKnownHostsFiles, [`${dir}/.ssh/known_hosts`, `${dir}/.ssh/known_hosts2`]);
  t.deepEqual(r.globalKnownHostsFiles, ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
  t.deepEqual(r.identityFiles, [`${dir}/.ssh/id_default`]);
});

test('ProxyJump keeps its hops in order; `none` disables it', (t) => {
  const { dir, config } = home(CONFIG);
  const r = resolveSshHost('behind', config, dir);
  t.is(r.proxyJump, 'alice@gateway:2200,cluster');
  t.deepEqual(parseProxyJump(r.proxyJump!), ['alice@gateway:2200', 'cluster']);
  t.is(resolveSshHost('lax', config, dir).proxyJump, null);
});

test('StrictHostKeyChecking no is the only thing that turns host key checking off; HostKeyAlias is kept', (t) => {
  const { dir, config } = home(CONFIG);
  const r = resolveSshHost('lax', config, dir);
  t.false(r.strictHostKeyChecking);
  t.is(r.hostKeyAlias, 'lax-alias');
});

test('Include splices files relative to ~/.ssh, with globs', (t) => {
  const { dir, config } = home('Include conf.d/*.conf\nHost *\n  User fallback\n', {
    '.ssh/conf.d/a.conf': 'Host inc\n  HostName included.example.org\n  Port 2022\n',
  });
  const r = resolveSshHost('inc', config, dir);
  t.is(r.hostName, 'included.example.org');
  t.is(r.port, 2022);
  t.is(r.user, 'fallback');
});

test('a user config comes before the system one: its values win, the system one fills gaps', (t) => {
  const { dir } = home('Host x\n  Port 2022\n');
  const sys = join(dir, 'system_config');
  writeFileSync(sys, 'Host *\n  Port 9999\n  User sysuser\n');
  const r = resolveSshHost('x', loadSshConfig([join(dir, '.ssh', 'config'), sys, join(dir, 'missing')], dir), dir);
  t.is(r.port, 2022);
  t.is(r.user, 'sysuser');
});

test('a bad Port is a config error naming the file, the key and the value', (t) => {
  const { dir, config } = home('Host bad\n  Port twenty\n');
  const err = t.throws(() => resolveSshHost('bad', config, dir), { instanceOf: SshConfigError });
  t.regex(err.message, /config: port must be an integer >= 1, got "twenty"/);
});

test('an unknown %-token is refused rather than passed through', (t) => {
  const { dir, config } = home('Host tok\n  IdentityFile ~/.ssh/%Z\n');
  t.throws(() => resolveSshHost('tok', config, dir), { instanceOf: SshConfigError, message: /%Z/ });
});

test('host specs split into user, host and port; hostile specs are refused', (t) => {
  t.deepEqual(parseHostSpec('u@h'), { user: 'u', host: 'h', port: null });
  t.deepEqual(parseHostSpec('ssh://u@h:2200'), { user: 'u', host: 'h', port: 2200 });
  t.deepEqual(parseHostSpec('[::1]:2200'), { user: null, host: '::1', port: 2200 });
  t.deepEqual(parseHostSpec('a.b@c@h'), { user: 'a.b@c', host: 'h', port: null });
  t.throws(() => parseHostSpec('-oProxyCommand=evil'), { instanceOf: SshConfigError });
  t.throws(() => parseHostSpec('h x'), { instanceOf: SshConfigError });
  t.throws(() => parseHostSpec('h:70000'), { instanceOf: SshConfigError });
});

test('a missing config file is an empty config', (t) => {
  const dir = tempDir('home');
  const r = resolveSshHost('h', loadSshConfig([join(dir, 'nope')], dir), dir);
  t.is(r.hostName, 'h');
  t.is(r.configFile, null);
});
