import test from 'ava';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkHostKey, hostKeyNameFor, loadKnownHosts, preferredHostKeyAlgorithms, type HostKeyPolicy } from '../../../src/transport/host-key-check.ts';
import { HostKeyMismatchError, UnknownHostKeyError } from '../../../src/transport/errors.ts';
import { makeKey } from './_keys.ts';
import { tempDir } from './_tmp.ts';

const server = makeKey('ed25519');
const old = makeKey('ed25519');
const rsa = makeKey('rsa');

function policy(files: string[], extra: Partial<HostKeyPolicy> = {}): HostKeyPolicy {
  return { hostKeyName: '[127.0.0.1]:2222', hostName: '127.0.0.1', port: 2222, knownHostsFiles: files, strict: true, viaJump: false, ...extra };
}

test('an unknown host is refused with its fingerprint, a command to check it, and one that trusts exactly the key shown', (t) => {
  const dir = tempDir('hk');
  const kh = join(dir, 'known hosts');
  const err = checkHostKey(policy([kh]), loadKnownHosts([kh]), server.blob);
  t.true(err instanceof UnknownHostKeyError);
  const e = err as UnknownHostKeyError;
  t.is(e.fingerprint, server.fingerprint);
  t.is(e.trustCommand, `printf '%s\\n' '[127.0.0.1]:2222 ${server.line}' >> '${kh}'`);
  t.true(e.message.includes(server.fingerprint));
  t.true(e.message.includes('ssh-keyscan -p 2222 -t ed25519 127.0.0.1 | ssh-keygen -lf -'));
  t.true(e.message.includes(e.trustCommand));
  // Running it pins the very key that was offered: the next check accepts it.
  execFileSync('bash', ['-c', e.trustCommand]);
  t.is(checkHostKey(policy([kh]), loadKnownHosts([kh]), server.blob), null);
});

test('a changed key is refused naming the file and line of the old key and the ssh-keygen -R command', (t) => {
  const dir = tempDir('hk');
  const kh = join(dir, 'known_hosts');
  writeFileSync(kh, `# header\n[127.0.0.1]:2222 ${old.line}\n`);
  const err = checkHostKey(policy([kh]), loadKnownHosts([kh]), server.blob);
  t.true(err instanceof HostKeyMismatchError);
  const e = err as HostKeyMismatchError;
  t.is(e.file, kh);
  t.is(e.line, 2);
  t.is(e.removeCommand, `ssh-keygen -f ${kh} -R '[127.0.0.1]:2222'`);
  t.regex(e.message, /CHANGED/);
  t.true(e.message.includes(old.fingerprint) && e.message.includes(server.fingerprint));
  t.true(e.message.includes(`line 2 of ${kh}`));
  // The printed command really removes the entry.
  execFileSync('bash', ['-c', e.removeCommand], { stdio: 'ignore' });
  t.is(checkHostKey(policy([kh]), loadKnownHosts([kh]), server.blob)?.name, 'UnknownHostKeyError');
});

test('the known key is accepted, also from the second file; missing files are skipped', (t) => {
  const dir = tempDir('hk');
  const kh2 = join(dir, 'kh2');
  writeFileSync(kh2, `[127.0.0.1]:2222 ${server.line}\n`);
  t.is(checkHostKey(policy([join(dir, 'missing'), kh2]), loadKnownHosts([join(dir, 'missing'), kh2]), server.blob), null);
});

test('StrictHostKeyChecking no accepts unknown and changed keys, but never a revoked one', (t) => {
  t.is(checkHostKey(policy([], { strict: false }), [], server.blob), null);
  const dir = tempDir('hk');
  const kh = join(dir, 'known_hosts');
  writeFileSync(kh, `@revoked * ${server.line}\n`);
  t.true(checkHostKey(policy([kh], { strict: false }), loadKnownHosts([kh]), server.blob) instanceof HostKeyMismatchError);
});

test('through a jump host the check command is run on the server itself; the trust command still pins the key shown', (t) => {
  const err = checkHostKey(policy(['/kh'], { viaJump: true }), [], server.blob) as UnknownHostKeyError;
  t.is(err.trustCommand, `printf '%s\\n' '[127.0.0.1]:2222 ${server.line}' >> /kh`);
  t.regex(err.checkCommand, /ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub/);
});

test('HostKeyAlias is the lookup name, and the trust command files the key under it', (t) => {
  t.is(hostKeyNameFor('10.0.0.1', 22, 'myalias'), 'myalias');
  t.is(hostKeyNameFor('10.0.0.1', 2222, null), '[10.0.0.1]:2222');
  const err = checkHostKey(policy(['/kh'], { hostKeyName: 'myalias' }), [], server.blob) as UnknownHostKeyError;
  t.is(err.trustCommand, `printf '%s\\n' 'myalias ${server.line}' >> /kh`);
});

test('host key algorithms put the types already known for the host first', (t) => {
  const dir = tempDir('hk');
  const kh = join(dir, 'kh');
  writeFileSync(kh, `[127.0.0.1]:2222 ${rsa.line}\n`);
  const algos = preferredHostKeyAlgorithms(loadKnownHosts([kh]), '[127.0.0.1]:2222')!;
  t.deepEqual(algos.slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  t.true(algos.includes('ssh-ed25519'));
  t.is(preferredHostKeyAlgorithms([], 'x'), undefined);
});
