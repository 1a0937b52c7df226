// Opens one authenticated ssh2 connection to a resolved host, through its ProxyJump chain (recursively, via forwardOut),
// checking each server's host key against known_hosts. Errors say whether a retry could help (isTransientConnectError).
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as ClientType, ConnectConfig } from 'ssh2';
import { XprError } from '../errors.ts';
import { SshConfigError } from './errors.ts';
import { checkHostKey, hostKeyNameFor, loadKnownHosts, preferredHostKeyAlgorithms, type HostKeyPolicy } from './host-key-check.ts';
import { authFailure, defaultIdentityFiles, makeAuthHandler, planAuth } from './ssh-auth.ts';
import { parseHostSpec, parseProxyJump, resolveSshHost, type LoadedSshConfig, type ResolvedSshHost } from './ssh-config.ts';

export interface ConnectSettings {
  sshConfig: LoadedSshConfig;
  homeDir: string;
  /** Replaces the known_hosts files of every hop. */
  knownHostsFiles: string[] | null;
  /** Replaces the IdentityFile list of every hop. */
  identityFiles: string[] | null;
  /** Agent socket unless the config says IdentityAgent. */
  agentSocket: string | null;
  keepaliveIntervalMs: number | null;
  keepaliveCountMax: number | null;
  connectTimeoutMs: number | null;
}

export interface OpenedConnection {
  client: ClientType;
  /** Jump-host clients, outermost first; closing the target does not close them. */
  jumps: ClientType[];
  resolved: ResolvedSshHost;
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED']);

// True for failures a later attempt may not meet (refused, reset, timeouts); false for host keys, auth, config.
export function isTransientConnectError(e: unknown): boolean {
  if (e instanceof XprError || !(e instanceof Error)) return false;
  const err = e as Error & { code?: string; level?: string };
  if (err.code && TRANSIENT_CODES.has(err.code)) return true;
  if (err.level === 'client-timeout') return true;
  return /Connection (lost before handshake|refused|reset)|Timed out while waiting for handshake|Keepalive timeout|No response from server/i.test(err.message);
}

// Connect to a host spec (alias or [user@]host[:port]) with its ProxyJump chain; closes what it opened on failure.
export async function openConnection(spec: string, s: ConnectSettings, depth = 0): Promise<OpenedConnection> {
  return openResolved(spec, resolveSshHost(spec, s.sshConfig, s.homeDir), s, depth);
}

async function openResolved(spec: string, resolved: ResolvedSshHost, s: ConnectSettings, depth: number): Promise<OpenedConnection> {
  if (depth > 8) throw new SshConfigError({ file: resolved.configFile, key: 'ProxyJump', received: spec, rule: 'nests more than 8 hops (a loop?)' });
  if (resolved.proxyCommand && !resolved.proxyJump) {
    throw new SshConfigError({ file: resolved.configFile, key: 'ProxyCommand', received: resolved.proxyCommand,
      rule: 'is not supported by the native ssh transport: set remsh_cmd (e.g. "ssh") for this system to use your ssh client' });
  }
  const jumps: ClientType[] = [];
  let sock: Duplex | undefined;
  try {
    if (resolved.proxyJump) {
      const hops = parseProxyJump(resolved.proxyJump);
      const last = hops.pop()!;
      const hop = resolveSshHost(last, s.sshConfig, s.homeDir);
      if (hops.length) hop.proxyJump = hops.join(',');
      const jump = await openResolved(last, hop, s, depth + 1);
      jumps.push(...jump.jumps, jump.client);
      sock = await forwardTo(jump.client, resolved.hostName, resolved.port);
    }
    const client = await connectOne(resolved, s, sock);
    return { client, jumps, resolved };
  } catch (e) {
    for (const j of jumps.reverse()) j.end();
    throw e;
  }
}

function forwardTo(jump: ClientType, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jump.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

function connectOne(r: ResolvedSshHost, s: ConnectSettings, sock: Duplex | undefined): Promise<ClientType> {
  const knownHostsFiles = s.knownHostsFiles ?? [...r.userKnownHostsFiles, ...r.globalKnownHostsFiles];
  const entries = loadKnownHosts(knownHostsFiles);
  const hostKeyName = hostKeyNameFor(r.hostName, r.port, r.hostKeyAlias);
  const policy: HostKeyPolicy = {
    hostKeyName, hostName: r.hostName, port: r.port, knownHostsFiles, strict: r.strictHostKeyChecking, viaJump: sock !== undefined,
  };
  // An explicit list (even empty) is used as is; a config without IdentityFile falls back to the default files.
  const useDefaults = s.identityFiles === null && r.identityFiles.length === 0;
  const plan = planAuth({
    username: r.user,
    agentSocket: r.identityAgent === 'none' ? null : (r.identityAgent ?? s.agentSocket),
    identityFiles: s.identityFiles ?? (useDefaults ? defaultIdentityFiles(s.homeDir) : r.identityFiles),
    filesAreDefaults: useDefaults,
  });
  const label = `${r.user}@${r.hostName}:${r.port}`;
  const algorithms = preferredHostKeyAlgorithms(entries, hostKeyName);
  const client = new ssh2.Client();
  let refusal: Error | null = null;
  const config: ConnectConfig = {
    host: r.hostName,
    port: r.port,
    username: r.user,
    sock,
    readyTimeout: s.connectTimeoutMs ?? r.connectTimeoutMs ?? 20_000,
    keepaliveInterval: s.keepaliveIntervalMs ?? r.serverAliveIntervalMs ?? 15_000,
    keepaliveCountMax: s.keepaliveCountMax ?? r.serverAliveCountMax ?? 3,
    hostVerifier: (key: Buffer) => {
      refusal = checkHostKey(policy, entries, key);
      return refusal === null;
    },
    authHandler: makeAuthHandler(plan),
    ...(algorithms ? { algorithms: { serverHostKey: algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {}),
  };
  return new Promise((resolve, reject) => {
    const onError = (err: Error & { level?: string }) => {
      // ssh2 may emit a second error (a reset, then "Connection lost before handshake"): unheard, it would crash the process.
      client.on('error', () => undefined);
      client.removeListener('ready', onReady);
      client.end();
      if (refusal) reject(refusal);
      else if (err.level === 'client-authentication') reject(authFailure(plan, label));
      else reject(err);
    };
    const onReady = () => {
      client.removeListener('error', onError);
      client.on('error', () => undefined); // later errors end in 'close', which the owner watches
      client.setNoDelay(true); // small request/reply packets: Nagle + delayed ACK cost ~40 ms per channel open
      resolve(client);
    };
    client.once('ready', onReady);
    client.once('error', onError);
    try {
      client.connect(config);
    } catch (e) {
      onError(e as Error);
    }
  });
}

// `user@host:port` for messages, from a spec without connecting (config errors give the spec itself).
export function describeSpec(spec: string, s: Pick<ConnectSettings, 'sshConfig' | 'homeDir'>): string {
  try {
    const r = resolveSshHost(spec, s.sshConfig, s.homeDir);
    return `${r.user}@${r.hostName}:${r.port}`;
  } catch {
    return parseHostSpecSafe(spec);
  }
}

function parseHostSpecSafe(spec: string): string {
  try {
    const h = parseHostSpec(spec);
    return `${h.user ? `${h.user}@` : ''}${h.host}${h.port ? `:${h.port}` : ''}`;
  } catch {
    return spec;
  }
}
