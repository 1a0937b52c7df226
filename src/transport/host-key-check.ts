// Decides whether a server host key is trusted, from known_hosts files, and builds the refusal with the fix to run.
// Also orders host key algorithms so the server offers a key type we already know (as ssh does).
import { readFileSync } from 'node:fs';
import { quote, quoteArgv } from './quote.ts';
import { HostKeyMismatchError, UnknownHostKeyError } from './errors.ts';
import {
  blobKeyType, fingerprintSha256, knownHostsName, knownKeyTypes, lookupHostKey, parseKnownHosts, type KnownHostsEntry,
} from './known-hosts.ts';

export interface HostKeyPolicy {
  /** Name looked up in known_hosts (HostKeyAlias, else `host` / `[host]:port`). */
  hostKeyName: string;
  /** Where to connect, for the trust command. */
  hostName: string;
  port: number;
  /** Files consulted, first = where new keys are added. */
  knownHostsFiles: string[];
  /** False only for `StrictHostKeyChecking no`: every key is accepted. */
  strict: boolean;
  /** True when the host is reached through a ProxyJump (ssh-keyscan cannot reach it directly). */
  viaJump: boolean;
}

// Read and parse every file (missing or unreadable files are skipped, as ssh does).
export function loadKnownHosts(files: readonly string[]): KnownHostsEntry[] {
  return files.flatMap((f) => {
    try {
      return parseKnownHosts(readFileSync(f, 'utf8'), f);
    } catch {
      return [];
    }
  });
}

// The name for known_hosts lookups: HostKeyAlias when set, else `host` or `[host]:port`.
export function hostKeyNameFor(hostName: string, port: number, hostKeyAlias: string | null): string {
  return hostKeyAlias ?? knownHostsName(hostName, port);
}

// null when the key is trusted; otherwise the error to refuse the connection with.
export function checkHostKey(policy: HostKeyPolicy, entries: readonly KnownHostsEntry[], key: Buffer):
  UnknownHostKeyError | HostKeyMismatchError | null {
  const found = lookupHostKey(entries, policy.hostKeyName, key);
  if (found.status === 'known') return null;
  // As OpenSSH: StrictHostKeyChecking=no accepts unknown and changed keys, never a revoked one.
  if (!policy.strict && found.status !== 'revoked') return null;
  const keyType = blobKeyType(key);
  const fingerprint = fingerprintSha256(key);
  const { trustCommand, checkCommand } = trustCommands(policy, keyType, key);
  if (found.status === 'unknown') {
    return new UnknownHostKeyError({ hostKeyName: policy.hostKeyName, keyType, fingerprint, knownHostsFiles: policy.knownHostsFiles,
      trustCommand, checkCommand, otherTypes: found.otherTypes });
  }
  const { entry } = found;
  return new HostKeyMismatchError({
    hostKeyName: policy.hostKeyName, keyType, fingerprint, file: entry.file, line: entry.line,
    oldFingerprint: `${entry.keyType} ${fingerprintSha256(entry.key)}`, revoked: found.status === 'revoked',
    removeCommand: quoteArgv(['ssh-keygen', '-f', entry.file, '-R', policy.hostKeyName]),
    trustCommand,
  });
}

const ALGORITHMS_BY_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ORDER = Object.values(ALGORITHMS_BY_KEY_TYPE).flat();

// Host key algorithms with the ones we hold keys for first; undefined = keep ssh2's defaults (nothing known).
export function preferredHostKeyAlgorithms(entries: readonly KnownHostsEntry[], hostKeyName: string): string[] | undefined {
  const known = knownKeyTypes(entries, hostKeyName).flatMap((t) => ALGORITHMS_BY_KEY_TYPE[t] ?? []);
  if (known.length === 0) return undefined;
  return [...new Set([...known, ...DEFAULT_ORDER])];
}

// trustCommand appends exactly the key this connection was offered (the one whose fingerprint the error shows), so
// nothing can change between checking the fingerprint and trusting the key; checkCommand shows the fingerprint
// from another path, to compare with before trusting.
function trustCommands(policy: HostKeyPolicy, keyType: string, key: Buffer): { trustCommand: string; checkCommand: string } {
  const file = policy.knownHostsFiles[0] ?? '~/.ssh/known_hosts';
  const line = `${policy.hostKeyName} ${keyType} ${key.toString('base64')}`;
  const target = file.startsWith('~/') ? `~/${quote(file.slice(2))}` : quote(file);
  const trustCommand = `printf '%s\\n' ${quote(line)} >> ${target}`;
  const scanType = keyType === 'ssh-ed25519' ? 'ed25519' : keyType === 'ssh-rsa' ? 'rsa' : keyType.startsWith('ecdsa') ? 'ecdsa' : keyType;
  if (policy.viaJump) {
    return { trustCommand, checkCommand: `ssh-keygen -lf /etc/ssh/ssh_host_${scanType}_key.pub   (run on the server itself)` };
  }
  const scan = quoteArgv(['ssh-keyscan', ...(policy.port === 22 ? [] : ['-p', String(policy.port)]), '-t', scanType, policy.hostName]);
  return { trustCommand, checkCommand: `${scan} | ssh-keygen -lf -` };
}
