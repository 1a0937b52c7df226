// Parses OpenSSH known_hosts files (patterns, negation, wildcards, hashed `|1|salt|hash` names, `[host]:port`,
// @revoked / @cert-authority markers) and looks a server key up in them the way ssh does. Pure: text in, data out.
import { createHash, createHmac } from 'node:crypto';

export type KnownHostsMarker = 'revoked' | 'cert-authority' | null;

export interface KnownHostsEntry {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  marker: KnownHostsMarker;
  /** Comma-separated patterns as written (lower-cased); null for a hashed entry. */
  patterns: string[] | null;
  /** For a hashed entry: HMAC-SHA1 key (salt) and digest of the host name. */
  hashed: { salt: Buffer; hash: Buffer } | null;
  keyType: string;
  /** The public key blob (base64-decoded). */
  key: Buffer;
}

export type HostKeyLookup =
  | { status: 'known'; entry: KnownHostsEntry }
  | { status: 'revoked'; entry: KnownHostsEntry }
  | { status: 'changed'; entry: KnownHostsEntry }
  | { status: 'unknown'; otherTypes: string[] };

// Parse the text of one known_hosts file; malformed lines are skipped, as ssh does.
export function parseKnownHosts(text: string, file: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]!.startsWith('#')) return;
    let marker: KnownHostsMarker = null;
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!.slice(1);
      if (m !== 'revoked' && m !== 'cert-authority') return;
      marker = m;
    }
    const [hosts, keyType, keyB64] = fields;
    if (!hosts || !keyType || !keyB64) return;
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0 || blobKeyType(key) !== keyType) return;
    const hashed = parseHashedName(hosts);
    if (hosts.startsWith('|') && !hashed) return;
    entries.push({ file, line: i + 1, marker, patterns: hashed ? null : hosts.toLowerCase().split(','), hashed, keyType, key });
  });
  return entries;
}

// The name ssh looks up: `host` on port 22, `[host]:port` otherwise.
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

// HMAC-SHA1 of a host name with the given salt, as in a hashed known_hosts entry.
export function hashKnownHostName(name: string, salt: Buffer): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

// Format a hashed known_hosts host field for a name (used by tests and to mirror `ssh-keygen -H`).
export function formatHashedName(name: string, salt: Buffer): string {
  return `|1|${salt.toString('base64')}|${hashKnownHostName(name, salt).toString('base64')}`;
}

// Whether an entry's host field matches a known-hosts name (case-insensitive, negation wins).
export function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  const lower = name.toLowerCase();
  if (entry.hashed) return hashKnownHostName(lower, entry.hashed.salt).equals(entry.hashed.hash);
  let matched = false;
  for (const p of entry.patterns ?? []) {
    const negated = p.startsWith('!');
    if (!wildcardMatch(negated ? p.slice(1) : p, lower)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

// Look a server key blob up: known, revoked, changed (same type, other key) or unknown (with the types that are known).
export function lookupHostKey(entries: readonly KnownHostsEntry[], name: string, key: Buffer): HostKeyLookup {
  const type = blobKeyType(key);
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key) && entryMatchesHost(e, name));
  if (revoked) return { status: 'revoked', entry: revoked };
  const forHost = entries.filter((e) => e.marker === null && entryMatchesHost(e, name));
  const same = forHost.find((e) => e.key.equals(key));
  if (same) return { status: 'known', entry: same };
  const changed = forHost.find((e) => e.keyType === type);
  if (changed) return { status: 'changed', entry: changed };
  return { status: 'unknown', otherTypes: [...new Set(forHost.map((e) => e.keyType))] };
}

// Key types recorded for a name, in file order (to ask the server for a key we can check).
export function knownKeyTypes(entries: readonly KnownHostsEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === null && entryMatchesHost(e, name)).map((e) => e.keyType))];
}

// `SHA256:<unpadded base64>`, the fingerprint OpenSSH prints for a key blob.
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

// The key type named at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`...); '' when malformed.
export function blobKeyType(key: Buffer): string {
  if (key.length < 4) return '';
  const len = key.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > key.length) return '';
  return key.subarray(4, 4 + len).toString('latin1');
}

function parseHashedName(field: string): { salt: Buffer; hash: Buffer } | null {
  const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
  if (!m) return null;
  const salt = Buffer.from(m[1]!, 'base64');
  const hash = Buffer.from(m[2]!, 'base64');
  return salt.length === 20 && hash.length === 20 ? { salt, hash } : null;
}

// OpenSSH pattern match: `*` any run, `?` one character, everything else literal.
function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0, t = 0, star = -1, mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) { p++; t++; }
    else if (p < pattern.length && pattern[p] === '*') { star = p++; mark = t; }
    else if (star >= 0) { p = star + 1; t = ++mark; }
    else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
