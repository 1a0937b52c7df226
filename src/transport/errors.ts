// Errors raised by transports (dropped connection, host key, authentication, ssh config, timeout, refused channel, closed
// transport, local program that cannot start), each with the fields a caller needs to act, including the command to run.
import { XprError } from '../errors.ts';

/** The connection dropped while a command was running; it was not repeated because it may not be idempotent (B21). */
export class TransportDroppedError extends XprError {
  override name = 'TransportDroppedError';
  readonly label: string;
  readonly argv: readonly string[];
  /** True when the command reached the server before the drop, so it may have run (re-sync instead of repeating). */
  readonly mayHaveRun: boolean;

  constructor(p: { label: string; argv: readonly string[]; mayHaveRun: boolean; cause?: unknown }) {
    super(
      `Connection to ${p.label} dropped while running ${JSON.stringify(p.argv[0])}` +
        (p.mayHaveRun ? '; the command may have run, so it was not repeated (check the remote state before retrying)' : '') +
        (p.cause instanceof Error ? ` (${p.cause.message})` : ''),
      { cause: p.cause },
    );
    this.label = p.label;
    this.argv = p.argv;
    this.mayHaveRun = p.mayHaveRun;
  }
}

/** The server's host key is not in any known_hosts file consulted. */
export class UnknownHostKeyError extends XprError {
  override name = 'UnknownHostKeyError';
  /** The name looked up in known_hosts: `host`, or `[host]:port` when the port is not 22. */
  readonly hostKeyName: string;
  readonly keyType: string;
  /** `SHA256:<base64>` as OpenSSH prints it. */
  readonly fingerprint: string;
  readonly knownHostsFiles: readonly string[];
  /** Shell command that appends exactly the offered key to the first known_hosts file. */
  readonly trustCommand: string;
  /** Shell command that shows the server's fingerprint by another path, to compare before trusting. */
  readonly checkCommand: string;

  constructor(p: { hostKeyName: string; keyType: string; fingerprint: string; knownHostsFiles: readonly string[];
    trustCommand: string; checkCommand: string; otherTypes: string[] }) {
    super(
      `Host key of ${p.hostKeyName} is unknown: the server offered ${p.keyType} key ${p.fingerprint}, ` +
        `and no entry for it is in ${p.knownHostsFiles.join(', ') || '(no known_hosts file)'}` +
        (p.otherTypes.length ? ` (keys of other types are known: ${p.otherTypes.join(', ')})` : '') +
        `. xpr does not trust new hosts on first use. To trust it, first check the fingerprint:\n` +
        `  ${p.checkCommand}\n` +
        `must print ${p.fingerprint} (compare with the server admin's published fingerprint), then run:\n` +
        `  ${p.trustCommand}\n` +
        `(or connect once with your ssh client and answer "yes").`,
    );
    this.hostKeyName = p.hostKeyName;
    this.keyType = p.keyType;
    this.fingerprint = p.fingerprint;
    this.knownHostsFiles = p.knownHostsFiles;
    this.trustCommand = p.trustCommand;
    this.checkCommand = p.checkCommand;
  }
}

/** The server's host key differs from the one recorded in known_hosts (or is marked @revoked). */
export class HostKeyMismatchError extends XprError {
  override name = 'HostKeyMismatchError';
  readonly hostKeyName: string;
  readonly keyType: string;
  readonly fingerprint: string;
  /** File and 1-based line holding the old (or revoking) entry. */
  readonly file: string;
  readonly line: number;
  readonly revoked: boolean;
  /** Shell command that removes the old entry. */
  readonly removeCommand: string;

  constructor(p: { hostKeyName: string; keyType: string; fingerprint: string; file: string; line: number;
    oldFingerprint: string; revoked: boolean; removeCommand: string; trustCommand: string }) {
    super(
      p.revoked
        ? `Host key of ${p.hostKeyName} (${p.keyType} ${p.fingerprint}) is marked @revoked in ${p.file} line ${p.line}; refusing to connect.`
        : `Host key of ${p.hostKeyName} has CHANGED: the server offered ${p.keyType} key ${p.fingerprint}, but ${p.file} ` +
            `line ${p.line} holds ${p.oldFingerprint}. Someone may be intercepting the connection, or the server was ` +
            `reinstalled. Ask the server's admin which key is right. If the new key is legitimate, remove the old entry:\n` +
            `  ${p.removeCommand}\n(or delete line ${p.line} of ${p.file}), then trust the new key:\n  ${p.trustCommand}`,
    );
    this.hostKeyName = p.hostKeyName;
    this.keyType = p.keyType;
    this.fingerprint = p.fingerprint;
    this.file = p.file;
    this.line = p.line;
    this.revoked = p.revoked;
    this.removeCommand = p.removeCommand;
  }
}

/** Every authentication method was refused (or none was usable). */
export class SshAuthError extends XprError {
  override name = 'SshAuthError';
  readonly label: string;
  readonly username: string;
  /** What was offered, e.g. `agent /run/ssh-agent.sock`, `key ~/.ssh/id_ed25519`. */
  readonly tried: readonly string[];
  /** Identity files skipped because they are passphrase-protected and xpr cannot ask for a passphrase. */
  readonly encryptedKeys: readonly string[];

  constructor(p: { label: string; username: string; tried: string[]; encryptedKeys: string[]; skipped: string[] }) {
    const hints: string[] = [];
    if (p.encryptedKeys.length) {
      hints.push(`${p.encryptedKeys.join(', ')} ${p.encryptedKeys.length > 1 ? 'are' : 'is'} passphrase-protected and ` +
        `xpr cannot ask for a passphrase: load ${p.encryptedKeys.length > 1 ? 'them' : 'it'} into ssh-agent ` +
        `(eval "$(ssh-agent)"; ssh-add ${p.encryptedKeys[0]}) so SSH_AUTH_SOCK is set, or set remsh_cmd to use your ssh client`);
    }
    if (p.tried.length === 0) hints.push('no agent (SSH_AUTH_SOCK unset) and no readable identity file');
    super(
      `Authentication as "${p.username}" to ${p.label} failed; offered: ${p.tried.join('; ') || 'nothing'}` +
        (p.skipped.length ? `; skipped: ${p.skipped.join('; ')}` : '') +
        (hints.length ? `. ${hints.join('. ')}.` : '. Check that the public key is in ~/.ssh/authorized_keys on the server.'),
    );
    this.label = p.label;
    this.username = p.username;
    this.tried = p.tried;
    this.encryptedKeys = p.encryptedKeys;
  }
}

/** The TCP/SSH connection could not be set up (after the bounded retries for transient errors). */
export class SshConnectError extends XprError {
  override name = 'SshConnectError';
  readonly label: string;
  readonly attempts: number;
  constructor(label: string, attempts: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot connect to ${label} (${attempts} attempt${attempts === 1 ? '' : 's'}): ${why}`, { cause });
    this.label = label;
    this.attempts = attempts;
  }
}

/** An ssh config value (or host spec) xpr cannot use. */
export class SshConfigError extends XprError {
  override name = 'SshConfigError';
  readonly file: string | null;
  readonly key: string;
  readonly received: string;
  constructor(p: { file: string | null; key: string; received: string; rule: string }) {
    super(`${p.file ?? 'ssh host spec'}: ${p.key} ${p.rule}, got ${JSON.stringify(p.received)}`);
    this.file = p.file;
    this.key = p.key;
    this.received = p.received;
  }
}

/** A command ran longer than its timeoutMs and was stopped; the output so far is kept. */
export class CommandTimeoutError extends XprError {
  override name = 'CommandTimeoutError';
  readonly label: string;
  readonly argv: readonly string[];
  readonly timeoutMs: number;
  readonly stdout: Buffer;
  readonly stderr: string;
  constructor(p: { label: string; argv: readonly string[]; timeoutMs: number; stdout: Buffer; stderr: string }) {
    super(`Command ${JSON.stringify(p.argv[0])} on ${p.label} timed out after ${p.timeoutMs} ms and was stopped` +
      (p.stderr ? `; stderr so far: ${p.stderr.slice(-500)}` : ''));
    this.label = p.label;
    this.argv = p.argv;
    this.timeoutMs = p.timeoutMs;
    this.stdout = p.stdout;
    this.stderr = p.stderr;
  }
}

/** exec() on a transport after close(). */
export class TransportClosedError extends XprError {
  override name = 'TransportClosedError';
  readonly label: string;
  constructor(label: string) {
    super(`Transport to ${label} is closed; get a new one (getTransport) instead of reusing it after close()`);
    this.label = label;
  }
}

/** The server refused to open an SSH channel for a command (e.g. more at once than its MaxSessions), still after a few
 * retries; the command did not run, so running it again is safe. */
export class ChannelOpenRefusedError extends XprError {
  override name = 'ChannelOpenRefusedError';
  readonly label: string;
  readonly argv: readonly string[];
  constructor(p: { label: string; argv: readonly string[]; reason: string }) {
    super(`${p.label} refused to open an SSH channel for ${JSON.stringify(p.argv[0])} (${p.reason}); the command did not run. ` +
      'If this repeats, the server allows fewer sessions per connection (MaxSessions) than xpr opens at once');
    this.label = p.label;
    this.argv = p.argv;
  }
}

/** A local program could not be started at all (not found, not executable...). */
export class SpawnError extends XprError {
  override name = 'SpawnError';
  readonly program: string;
  readonly code: string | undefined;
  constructor(program: string, cause: NodeJS.ErrnoException) {
    super(`Cannot start ${JSON.stringify(program)}: ${cause.message}`, { cause });
    this.program = program;
    this.code = cause.code;
  }
}
