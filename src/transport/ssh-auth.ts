// Public-key authentication for ssh2: identity files (from ssh config, else the default ~/.ssh/id_*) then ssh-agent.
// Passphrase-protected keys cannot be prompted for: they are skipped and named in the error, with the ssh-add fix.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey } from 'ssh2';
import { SshAuthError } from './errors.ts';

export interface AuthPlan {
  username: string;
  /** Agent socket to use, or null. */
  agent: string | null;
  keys: { file: string; key: ParsedKey }[];
  /** Identity files that are passphrase-protected. */
  encrypted: string[];
  /** Why other sources were not used (`key ~/x: not found`, `agent /s: socket missing`). */
  skipped: string[];
  /** Filled while authenticating: what was offered. */
  tried: string[];
}

// Default identity files when the config names none (the ones OpenSSH tries, most common first).
export function defaultIdentityFiles(homeDir: string): string[] {
  return ['id_ed25519', 'id_rsa', 'id_ecdsa'].map((n) => join(homeDir, '.ssh', n));
}

// Load the usable keys and check the agent socket; configured files that are missing are noted, defaults are not.
export function planAuth(p: { username: string; agentSocket: string | null; identityFiles: string[]; filesAreDefaults: boolean }): AuthPlan {
  const plan: AuthPlan = { username: p.username, agent: null, keys: [], encrypted: [], skipped: [], tried: [] };
  for (const file of p.identityFiles) {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      if (!p.filesAreDefaults) plan.skipped.push(`key ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    const parsed = ssh2.utils.parseKey(data);
    if (parsed instanceof Error) {
      if (/encrypted|passphrase/i.test(parsed.message)) plan.encrypted.push(file);
      else plan.skipped.push(`key ${file}: ${parsed.message}`);
      continue;
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key) plan.keys.push({ file, key });
  }
  if (p.agentSocket) {
    let isSocket = false;
    try {
      isSocket = statSync(p.agentSocket).isSocket();
    } catch {
      isSocket = false;
    }
    if (isSocket) plan.agent = p.agentSocket;
    else plan.skipped.push(`agent ${p.agentSocket}: no socket there`);
  }
  return plan;
}

// An ssh2 authHandler that offers each identity file, then the agent's keys, recording what it offered in plan.tried.
export function makeAuthHandler(plan: AuthPlan): AuthHandlerMiddleware {
  const queue: { method: AnyAuthMethod; what: string }[] = [
    ...plan.keys.map(({ file, key }) => ({ method: { type: 'publickey', username: plan.username, key } as AnyAuthMethod, what: `key ${file}` })),
    ...(plan.agent ? [{ method: { type: 'agent', username: plan.username, agent: plan.agent } as AnyAuthMethod, what: `agent ${plan.agent}` }] : []),
  ];
  return (methodsLeft, _partialSuccess, next) => {
    for (;;) {
      const item = queue.shift();
      // ssh2 accepts `false` for "no more methods"; its typings do not say so.
      if (!item) return next(false as unknown as AnyAuthMethod);
      if (methodsLeft && !methodsLeft.includes('publickey')) continue;
      plan.tried.push(item.what);
      return next(item.method);
    }
  };
}

// The error for a refused login, naming what was offered and the fix for encrypted keys.
export function authFailure(plan: AuthPlan, label: string): SshAuthError {
  return new SshAuthError({ label, username: plan.username, tried: plan.tried, encryptedKeys: plan.encrypted, skipped: plan.skipped });
}
