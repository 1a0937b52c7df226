import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  blobKeyType, entryMatchesHost, fingerprintSha256, formatHashedName, knownHostsName, knownKeyTypes, lookupHostKey, parseKnownHosts,
} from '../../../src/transport/known-hosts.ts';
import { makeKey } from './_keys.ts';
import { tempDir } from './_tmp.ts';

const ed = makeKey('ed25519');
const ed2 = makeKey('ed25519');
const ec = makeKey('ecdsa');

test('the fingerprint is SHA256:base64 without padding, as ssh-keygen -l prints it', (t) => {
  t.is(fingerprintSha256(ed.blob), ed.fingerprint);
  t.is(fingerprintSha256(ec.blob), ec.fingerprint);
  t.is(blobKeyType(ec.blob), 'ecdsa-sha2-nistp256');
});

test('the lookup name is the bare host on port 22 and [host]:port otherwise', (t) => {
  t.is(knownHostsName('example.org', 22), 'example.org');
  t.is(knownHostsName('127.0.0.1', 2222), '[127.0.0.1]:2222');
});

test('plain entries match by any comma-separated name, case-insensitively, with ports in brackets', (t) => {
  const entries = parseKnownHosts(`# comment\n\nHost.Example.org,10.0.0.1 ${ed.line} c\n[127.0.0.1]:2222 ${ec.line}\n`, 'kh');
  t.is(entries.length, 2);
  t.is(entries[0]!.line, 3);
  t.true(entryMatchesHost(entries[0]!, 'host.example.ORG'));
  t.true(entryMatchesHost(entries[0]!, '10.0.0.1'));
  t.false(entryMatchesHost(entries[0]!, '[10.0.0.1]:2222'));
  t.true(entryMatchesHost(entries[1]!, '[127.0.0.1]:2222'));
  t.false(entryMatchesHost(entries[1]!, '127.0.0.1'));
});

test('wildcards match and a negated pattern wins over a positive one', (t) => {
  const [e] = parseKnownHosts(`*.example.org,!bad.example.org,node?? ${ed.line}`, 'kh');
  t.true(entryMatchesHost(e!, 'a.example.org'));
  t.false(entryMatchesHost(e!, 'bad.example.org'));
  t.true(entryMatchesHost(e!, 'node12'));
  t.false(entryMatchesHost(e!, 'node123'));
  t.false(entryMatchesHost(e!, 'example.org'));
});

test('hashed entries written by ssh-keygen -H are matched for plain and [host]:port names', (t) => {
  const dir = tempDir('kh');
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `cluster.example.org ${ed.line}\n[127.0.0.1]:2222 ${ec.line}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const text = readFileSync(file, 'utf8');
  t.false(text.includes('cluster.example.org'));
  const entries = parseKnownHosts(text, file);
  t.is(entries.length, 2);
  t.truthy(entries[0]!.hashed);
  t.is(lookupHostKey(entries, 'cluster.example.org', ed.blob).status, 'known');
  t.is(lookupHostKey(entries, 'Cluster.Example.Org', ed.blob).status, 'known');
  t.is(lookupHostKey(entries, '[127.0.0.1]:2222', ec.blob).status, 'known');
  t.is(lookupHostKey(entries, 'other.example.org', ed.blob).status, 'unknown');
});

test('our hashed-name format is the one ssh-keygen -F finds', (t) => {
  const dir = tempDir('kh');
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `${formatHashedName('[h.example]:2200', Buffer.alloc(20, 7))} ${ed.line}\n`);
  const found = execFileSync('ssh-keygen', ['-F', '[h.example]:2200', '-f', file], { encoding: 'utf8' });
  t.regex(found, /found: line 1/);
});

test('a different key of the same type for the host is reported as changed, with its file and line', (t) => {
  const entries = parseKnownHosts(`other ${ed2.line}\n[h]:2222 ${ed2.line}\n`, '/home/u/.ssh/known_hosts');
  const found = lookupHostKey(entries, '[h]:2222', ed.blob);
  t.is(found.status, 'changed');
  if (found.status === 'changed') {
    t.is(found.entry.file, '/home/u/.ssh/known_hosts');
    t.is(found.entry.line, 2);
  }
});

test('a key of a type not recorded for the host is unknown, naming the types that are known', (t) => {
  const entries = parseKnownHosts(`h ${ec.line}\n`, 'kh');
  t.deepEqual(lookupHostKey(entries, 'h', ed.blob), { status: 'unknown', otherTypes: ['ecdsa-sha2-nistp256'] });
  t.deepEqual(knownKeyTypes(entries, 'h'), ['ecdsa-sha2-nistp256']);
});

test('@revoked keys are refused even when also listed as known; @cert-authority lines are not host keys', (t) => {
  const entries = parseKnownHosts(`h ${ed.line}\n@revoked * ${ed.line}\n@cert-authority h ${ec.line}\n`, 'kh');
  t.is(lookupHostKey(entries, 'h', ed.blob).status, 'revoked');
  t.is(lookupHostKey(entries, 'h', ec.blob).status, 'unknown');
  t.deepEqual(knownKeyTypes(entries, 'h'), ['ssh-ed25519']);
});

test('malformed lines are skipped, the rest still parse', (t) => {
  const entries = parseKnownHosts(`garbage\nh ssh-ed25519 !!!notbase64\nh ssh-rsa ${ed.line.split(' ')[1]}\n@weird h ${ed.line}\n|1|bad|hash ${ed.line}\nh ${ed.line}\n`, 'kh');
  t.is(entries.length, 1);
  t.is(entries[0]!.line, 6);
});
