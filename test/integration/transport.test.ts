// Transports against a REAL sshd (test/cluster/up.sh: 127.0.0.1:2222, user xprtest, env in /tmp/xpr-cluster/env.sh):
// one reused connection, the channel cap, big stdin, exit status, quoting, host keys, config aliases, ssh-agent,
// reconnect after a killed or frozen connection (idempotent retried, non-idempotent refused), OpenSSH mode, ProxyJump.
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { packEntries } from '../../src/system/tar-stream.ts';
import { Ssh2Transport, type Ssh2TransportOptions } from '../../src/transport/ssh2.ts';
import { OpenSshTransport } from '../../src/transport/openssh.ts';
import { getTransport, closeAllTransports } from '../../src/transport/index.ts';
import {
  CommandTimeoutError, HostKeyMismatchError, SshAuthError, SshConnectError, TransportDroppedError, UnknownHostKeyError,
} from '../../src/transport/errors.ts';
import { fingerprintSha256, parseKnownHosts } from '../../src/transport/known-hosts.ts';
import { HOSTILE } from '../unit/transport/_hostile.ts';
import { tempDir } from '../unit/transport/_tmp.ts';

interface SshTestEnv {
  host: string;
  port: number;
  user: string;
  key: string;
  knownHosts: string;
  sshConfig: string;
  alias: string;
}

const ENV_FILE = '/tmp/xpr-cluster/env.sh';

// The sshd to test against, or null after t.fail when it is not configured (never a silent skip).
function sshTestEnv(t: ExecutionContext): SshTestEnv | null {
  const e = { ...envFileValues(), ...process.env };
  const names = ['XPR_TEST_SSH_HOST', 'XPR_TEST_SSH_PORT', 'XPR_TEST_SSH_USER', 'XPR_TEST_SSH_KEY', 'XPR_TEST_KNOWN_HOSTS', 'XPR_TEST_SSH_CONFIG'];
  const missing = names.filter((n) => !e[n]);
  if (missing.length) {
    t.fail(`no sshd to test against: ${missing.join(', ')} unset${process.env.CI === 'true' ? ' (CI)' : ''}. Start it with ` +
      `test/cluster/up.sh (or npm test) and source ${ENV_FILE}.`);
    return null;
  }
  return {
    host: e.XPR_TEST_SSH_HOST!, port: Number(e.XPR_TEST_SSH_PORT), user: e.XPR_TEST_SSH_USER!, key: e.XPR_TEST_SSH_KEY!,
    knownHosts: e.XPR_TEST_KNOWN_HOSTS!, sshConfig: e.XPR_TEST_SSH_CONFIG!, alias: e.XPR_TEST_SSH_ALIAS ?? 'xpr-test-cluster',
  };
}

// `export A=1 B=2` lines of the cluster's env.sh (read as data, never run), for runs that did not source it.
function envFileValues(): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(ENV_FILE, 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('export ')) continue;
    for (const m of line.slice(7).matchAll(/([A-Z_][A-Z0-9_]*)=(\S*)/g)) out[m[1]!] = m[2]!;
  }
  return out;
}

// PIDs of the sshd processes holding the server end of our TCP connection (client port -> server port), via /proc.
function serverPidsOfConnection(serverPort: number, clientPort: number): number[] {
  const hex = (p: number) => `:${p.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 10 && f[1]!.endsWith(hex(serverPort)) && f[2]!.endsWith(hex(clientPort))) inodes.add(f[9]!);
  }
  const holds = (pid: string) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          return m !== null && inodes.has(m[1]!);
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  };
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid).filter(holds).map(Number);
}

// A direct ssh2 transport to the test sshd with the test key and known_hosts (no agent), plus overrides.
function direct(env: SshTestEnv, extra: Partial<Ssh2TransportOptions> = {}): Ssh2Transport {
  return new Ssh2Transport({
    host: `${env.user}@${env.host}:${env.port}`, identityFiles: [env.key], knownHostsPath: env.knownHosts, agentSocket: null,
    sshConfigPath: emptyConfig(), ...extra,
  });
}

function tmp(prefix: string): string {
  return tempDir(`tt-${prefix}`);
}

function emptyConfig(): string {
  const f = join(tmp('cfg'), 'config');
  writeFileSync(f, '');
  return f;
}

const clientPortOf = (r: { stdout: Buffer }): string => r.stdout.toString().trim().split(' ')[1] ?? '';

test.afterEach.always(async () => {
  await closeAllTransports();
});

test.serial('many commands share ONE connection', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = direct(env);
  const started = Date.now();
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) seen.add(clientPortOf(await ssh.exec(['sh', '-c', 'echo $SSH_CONNECTION'])));
  const ms = Date.now() - started;
  t.log(`40 sequential execs: ${ms} ms (${(ms / 40).toFixed(1)} ms each, connection setup included)`);
  t.is(seen.size, 1);
  t.deepEqual(ssh.stats(), { connectionsOpened: 1, commandsRun: 40 });
  await ssh.close();
});

test.serial('more concurrent commands than MaxSessions all succeed, at most maxChannels at a time', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = direct(env);
  const dir = `/tmp/xpr-tt-cap-${process.pid}`;
  // Each command leaves a file while it runs and reports how many files it saw: an upper bound on concurrency.
  const script = 'mkdir -p "$1"; : > "$1/$2"; sleep 0.3; n=$(ls "$1" | wc -l); rm -f "$1/$2"; echo "$n $SSH_CONNECTION"';
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => ssh.exec(['bash', '-c', script, 'x', dir, String(i)])));
  t.true(results.every((r) => r.code === 0), results.map((r) => r.stderr).join(''));
  const counts = results.map((r) => Number(r.stdout.toString().split(' ')[0]));
  t.log(`peak concurrent commands seen remotely: ${Math.max(...counts)}`);
  t.true(Math.max(...counts) <= 8);
  t.true(Math.max(...counts) >= 2);
  t.is(new Set(results.map((r) => r.stdout.toString().split(' ')[2])).size, 1);
  t.is(ssh.stats().connectionsOpened, 1);
  await ssh.exec(['rm', '-rf', dir]);
  await ssh.close();
});

test.serial('several MB of stdin arrive intact, as bytes, as a stream and as a tar stream', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = direct(env);
  const big = randomBytes(6 * 1024 * 1024);
  const sha = createHash('sha256').update(big).digest('hex');
  const started = Date.now();
  t.is((await ssh.exec(['sha256sum'], { stdin: big })).stdout.toString().split(' ')[0], sha);
  t.log(`6 MB through stdin: ${Date.now() - started} ms`);
  const chunks = Array.from({ length: 6 }, (_, i) => big.subarray(i << 20, (i + 1) << 20));
  t.is((await ssh.exec(['sha256sum'], { stdin: Readable.from(chunks) })).stdout.toString().split(' ')[0], sha);
  const local = tmp('tar');
  writeFileSync(join(local, 'data.bin'), big);
  writeFileSync(join(local, "it's a file.txt"), 'hello\n');
  const remote = `/tmp/xpr-tt-tar-${process.pid}`;
  const unpack = 'mkdir -p "$1" && tar -x -C "$1" && sha256sum "$1/data.bin" && cat "$1/$2"';
  const untar = await ssh.exec(['bash', '-c', unpack, 'x', remote, "it's a file.txt"],
    { stdin: packEntries(local, ['data.bin', "it's a file.txt"]) });
  t.is(untar.code, 0, untar.stderr);
  t.true(untar.stdout.toString().startsWith(sha));
  t.true(untar.stdout.toString().endsWith('hello\n'));
  const back = await ssh.exec(['cat', `${remote}/data.bin`]);
  t.true(back.stdout.equals(big));
  await ssh.exec(['rm', '-rf', remote]);
  await ssh.close();
});

test.serial('exit codes, stderr and signals come back as the command left them', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = direct(env);
  const r = await ssh.exec(['bash', '-c', 'echo out; echo err >&2; exit 7']);
  t.deepEqual([r.code, r.signal, r.stdout.toString(), r.stderr], [7, null, 'out\n', 'err\n']);
  const killed = await ssh.exec(['bash', '-c', 'kill -TERM $$']);
  t.is(killed.code, null);
  t.is(killed.signal, 'SIGTERM');
  const missing = await ssh.exec(['xpr-no-such-program']);
  t.is(missing.code, 127);
  await ssh.close();
});

test.serial('hostile argument strings round-trip exactly over ssh2', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = direct(env);
  const r = await ssh.exec(['printf', '%s\\0', ...HOSTILE]);
  t.deepEqual(r.stdout.toString('utf8').split('\0').slice(0, -1), [...HOSTILE]);
  const viaBash = await ssh.exec(['bash', '-c', 'printf "%s\\0" "$@"', 'argv0', ...HOSTILE]);
  t.deepEqual(viaBash.stdout.toString('utf8').split('\0').slice(0, -1), [...HOSTILE]);
  await ssh.close();
});

test.serial('a timed-out command is killed on the server and the connection stays usable', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = direct(env);
  const started = Date.now();
  const marker = `30.${process.pid}`;
  await t.throwsAsync(ssh.exec(['bash', '-c', 'sleep "$1"; echo never', 'x', marker], { timeoutMs: 400 }), { instanceOf: CommandTimeoutError });
  t.true(Date.now() - started < 5000);
  let left = -1;
  for (let i = 0; i < 20 && left !== 1; i++) {
    left = (await ssh.exec(['pgrep', '-f', `sleep ${marker}`])).code ?? -1; // 1 = no such process
    if (left !== 1) await new Promise((r) => setTimeout(r, 100));
  }
  t.is(left, 1, 'the remote sleep was killed (signal request)');
  t.is((await ssh.exec(['echo', 'still here'])).stdout.toString(), 'still here\n');
  t.is(ssh.stats().connectionsOpened, 1);
  await ssh.close();
});

test.serial('an unknown host key is refused with its fingerprint, and the printed command trusts it', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const kh = join(tmp('kh'), 'known_hosts');
  writeFileSync(kh, '');
  const err = await t.throwsAsync(direct(env, { knownHostsPath: kh }).exec(['true']), { instanceOf: UnknownHostKeyError });
  const expected = parseKnownHosts(readFileSync(env.knownHosts, 'utf8'), env.knownHosts).find((e) => e.keyType === err.keyType)!;
  t.is(err.fingerprint, fingerprintSha256(expected.key));
  t.true(err.message.includes(err.fingerprint));
  t.true(err.message.includes(`ssh-keyscan -p ${env.port}`));
  t.log(err.message);
  execFileSync('bash', ['-c', err.trustCommand], { stdio: 'ignore' });
  const ssh = direct(env, { knownHostsPath: kh });
  t.is((await ssh.exec(['echo', 'trusted'])).stdout.toString(), 'trusted\n');
  await ssh.close();
});

test.serial('a changed host key is refused naming file and line, and the printed commands fix it', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const dir = tmp('kh');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
  const otherPub = readFileSync(join(dir, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  const kh = join(dir, 'known_hosts');
  writeFileSync(kh, `# old entries\nunrelated.example.org ${otherPub}\n[${env.host}]:${env.port} ${otherPub}\n`);
  const err = await t.throwsAsync(direct(env, { knownHostsPath: kh }).exec(['true']), { instanceOf: HostKeyMismatchError });
  t.is(err.file, kh);
  t.is(err.line, 3);
  t.true(err.message.includes(`ssh-keygen -f ${kh} -R '[${env.host}]:${env.port}'`));
  t.log(err.message);
  execFileSync('bash', ['-c', err.removeCommand], { stdio: 'ignore' });
  const unknown = await t.throwsAsync(direct(env, { knownHostsPath: kh }).exec(['true']), { instanceOf: UnknownHostKeyError });
  execFileSync('bash', ['-c', unknown.trustCommand], { stdio: 'ignore' });
  const ssh = direct(env, { knownHostsPath: kh });
  t.is((await ssh.exec(['true'])).code, 0);
  await ssh.close();
});

test.serial('hashed known_hosts entries (ssh-keygen -H) are accepted', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const kh = join(tmp('kh'), 'known_hosts');
  copyFileSync(env.knownHosts, kh);
  execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
  t.true(readFileSync(kh, 'utf8').startsWith('|1|'));
  const ssh = direct(env, { knownHostsPath: kh });
  t.is((await ssh.exec(['true'])).code, 0);
  await ssh.close();
});

test.serial('an ssh config alias supplies HostName, Port, User, IdentityFile and UserKnownHostsFile', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = new Ssh2Transport({ host: env.alias, sshConfigPath: env.sshConfig, agentSocket: null });
  t.is(ssh.label, `${env.user}@${env.host}:${env.port}`);
  const r = await ssh.exec(['sh', '-c', 'id -un; echo $SSH_CONNECTION']);
  const [user, conn] = r.stdout.toString().trim().split('\n');
  t.is(user, env.user);
  t.true(conn!.endsWith(` ${env.port}`));
  await ssh.close();
});

test.serial('ssh-agent keys are used; an encrypted key without an agent gives an error naming ssh-add', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const dir = tmp('agent');
  const encrypted = join(dir, 'enc_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', encrypted]);
  const noAgent = await t.throwsAsync(direct(env, { identityFiles: [encrypted] }).exec(['true']), { instanceOf: SshAuthError });
  t.deepEqual(noAgent.encryptedKeys, [encrypted]);
  t.regex(noAgent.message, /passphrase-protected.*ssh-add/);
  const sock = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50 && spawnSync('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status === 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    execFileSync('ssh-add', [env.key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    const ssh = direct(env, { identityFiles: [encrypted], agentSocket: sock });
    t.is((await ssh.exec(['echo', 'via agent'])).stdout.toString(), 'via agent\n');
    await ssh.close();
  } finally {
    agent.kill();
  }
});

test.serial('a refused login names what was offered', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const err = await t.throwsAsync(direct(env, { host: `xpr-no-such-user@${env.host}:${env.port}` }).exec(['true']), { instanceOf: SshAuthError });
  t.true(err.tried.includes(`key ${env.key}`));
});

test.serial('a closed port fails after the bounded connection attempts', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const err = await t.throwsAsync(direct(env, { host: `${env.user}@127.0.0.1:1`, connectAttempts: 3, backoffBaseMs: 20 }).exec(['true']),
    { instanceOf: SshConnectError });
  t.is(err.attempts, 3);
  t.regex(err.message, /ECONNREFUSED/);
});

test.serial('after the server side of the connection is killed: idempotent commands are retried, others rejected', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = direct(env, { backoffBaseMs: 50 });
  const before = clientPortOf(await ssh.exec(['sh', '-c', 'echo $SSH_CONNECTION']));
  const port = ssh.connectionLocalPort()!;
  const submit = ssh.exec(['bash', '-c', 'sleep 5; echo submitted'], { idempotent: false });
  const poll = ssh.exec(['bash', '-c', 'sleep 1; echo $SSH_CONNECTION'], { idempotent: true });
  await new Promise((r) => setTimeout(r, 400));
  const pids = serverPidsOfConnection(env.port, port);
  t.true(pids.length > 0, 'found the sshd processes serving our connection');
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  const err = await t.throwsAsync(submit, { instanceOf: TransportDroppedError });
  t.true(err.mayHaveRun);
  const after = clientPortOf(await poll);
  t.not(after, before);
  t.is(ssh.stats().connectionsOpened, 2);
  t.is((await ssh.exec(['echo', 'back'])).stdout.toString(), 'back\n');
  await ssh.close();
});

test.serial('a frozen connection is detected by keepalive and replaced', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const ssh = direct(env, { keepaliveIntervalMs: 200, keepaliveCountMax: 2, backoffBaseMs: 50 });
  await ssh.exec(['true']);
  const pids = serverPidsOfConnection(env.port, ssh.connectionLocalPort()!);
  t.true(pids.length > 0);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  try {
    const started = Date.now();
    const r = await ssh.exec(['echo', 'alive'], { idempotent: true });
    t.is(r.stdout.toString(), 'alive\n');
    t.log(`frozen connection replaced after ${Date.now() - started} ms`);
    t.is(ssh.stats().connectionsOpened, 2);
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
  }
  await ssh.close();
});

test.serial('OpenSSH mode with a remsh_cmd that has arguments runs every command through ONE master', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const remshCmd = ['ssh', '-p', String(env.port), '-i', env.key, '-o', `UserKnownHostsFile=${env.knownHosts}`, '-o', 'BatchMode=yes'];
  const host = `${env.user}@${env.host}`;
  const ossh = new OpenSshTransport({ host, remshCmd });
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 20 }, () => ossh.exec(['sh', '-c', 'echo $SSH_CONNECTION'])));
  t.log(`20 concurrent execs through the master: ${Date.now() - started} ms`);
  t.is(new Set(results.map(clientPortOf)).size, 1);
  const hostile = await ossh.exec(['printf', '%s\\0', ...HOSTILE]);
  t.deepEqual(hostile.stdout.toString('utf8').split('\0').slice(0, -1), [...HOSTILE]);
  const check = spawnSync('ssh', ['-o', `ControlPath=${ossh.controlPath}`, '-O', 'check', host], { encoding: 'utf8' });
  t.is(check.status, 0);
  t.regex(check.stderr, /Master running/);
  t.deepEqual(ossh.stats(), { connectionsOpened: 1, commandsRun: 21 });
  await ossh.close();
  t.not(spawnSync('ssh', ['-o', `ControlPath=${ossh.controlPath}`, '-O', 'check', host]).status, 0);
});

test.serial('ProxyJump through the same server (one and two hops) reaches the target', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const cfg = join(tmp('jump'), 'config');
  const common = `  HostName ${env.host}\n  Port ${env.port}\n  User ${env.user}\n  IdentityFile ${env.key}\n  UserKnownHostsFile ${env.knownHosts}\n`;
  writeFileSync(cfg, `Host xpr-jump\n${common}\nHost xpr-behind\n${common}  ProxyJump xpr-jump\n\nHost xpr-behind2\n${common}  ProxyJump xpr-jump,xpr-jump\n`);
  for (const host of ['xpr-behind', 'xpr-behind2']) {
    const ssh = new Ssh2Transport({ host, sshConfigPath: cfg, agentSocket: null });
    const r = await ssh.exec(['sh', '-c', 'echo $SSH_CONNECTION']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout.toString(), new RegExp(`^127\\.0\\.0\\.1 \\d+ ${env.host.replaceAll('.', '\\.')} ${env.port}\\n$`));
    t.is(ssh.connectionLocalPort(), null); // not a direct TCP connection
    t.is(ssh.stats().connectionsOpened, 1);
    await ssh.close();
  }
});

test.serial('getTransport gives one shared transport per system until closeAllTransports', async (t) => {
  const env = sshTestEnv(t);
  if (!env) return;
  const system = { host: `${env.user}@${env.host}:${env.port}`, remshCmd: null };
  const a = getTransport(system, { ssh2: { identityFiles: [env.key], knownHostsPath: env.knownHosts, agentSocket: null } });
  t.is(getTransport(system), a);
  await Promise.all([a.exec(['true']), a.exec(['true'])]);
  t.is(a.stats().connectionsOpened, 1);
  await closeAllTransports();
  t.not(getTransport(system), a);
});
