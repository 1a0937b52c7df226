// Test helper: real ssh keys made with ssh-keygen in a temp dir (public key blobs and their OpenSSH fingerprints).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './_tmp.ts';

export interface TestKey {
  file: string;
  type: string;
  blob: Buffer;
  /** `type base64` as in a known_hosts line. */
  line: string;
  fingerprint: string;
}

// Make a key pair of the given type (ed25519, ecdsa, rsa) in a fresh temp dir.
export function makeKey(type: 'ed25519' | 'ecdsa' | 'rsa', name = 'k', passphrase = ''): TestKey {
  const dir = tempDir('key');
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', 'test', '-f', file]);
  const [keyType, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`], { encoding: 'utf8' }).split(/\s+/)[1]!;
  return { file, type: keyType!, blob: Buffer.from(b64!, 'base64'), line: `${keyType} ${b64}`, fingerprint };
}
