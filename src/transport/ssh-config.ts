// Resolves a `[user@]host[:port]` spec or ~/.ssh/config alias into connection settings, as `ssh -G` would
// (HostName, User, Port, IdentityFile, ProxyJump, known_hosts files, keepalive...), using the `ssh-config` package.
import { readFileSync, readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, isAbsolute, join, basename } from 'node:path';
import SSHConfig from 'ssh-config';
import { SshConfigError } from './errors.ts';

export interface ResolvedSshHost {
  /** The host as written (an alias or a name), without user and port. */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  /** Expanded paths, in config order; [] when none was configured. */
  identityFiles: string[];
  /** IdentityAgent: a socket path, 'none' (no agent), or null (use SSH_AUTH_SOCK). */
  identityAgent: string | null;
  /** Raw ProxyJump value (comma-separated hops), null when unset or `none`. */
  proxyJump: string | null;
  proxyCommand: string | null;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  hostKeyAlias: string | null;
  /** False only for `StrictHostKeyChecking no` (or `off`). */
  strictHostKeyChecking: boolean;
  connectTimeoutMs: number | null;
  serverAliveIntervalMs: number | null;
  serverAliveCountMax: number | null;
  /** The config file the values came from (null = none read). */
  configFile: string | null;
}

export interface HostSpec {
  user: string | null;
  host: string;
  port: number | null;
}

export interface LoadedSshConfig {
  file: string | null;
  config: SSHConfig;
}

// Split `[ssh://][user@]host[:port]` (a ProxyJump hop or a system host); IPv6 needs `[addr]:port` or no port.
export function parseHostSpec(spec: string, file: string | null = null): HostSpec {
  const s = spec.trim().replace(/^ssh:\/\//, '');
  const at = s.lastIndexOf('@');
  const user = at >= 0 ? s.slice(0, at) : null;
  let host = at >= 0 ? s.slice(at + 1) : s;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  const colon = /^([^:]+):(\d+)$/.exec(host);
  if (bracketed) [host, port] = [bracketed[1]!, bracketed[2] ? Number(bracketed[2]) : null];
  else if (colon) [host, port] = [colon[1]!, Number(colon[2])];
  if (!host || host.startsWith('-') || /\s/.test(host) || user === '') {
    throw new SshConfigError({ file, key: 'host', received: spec, rule: 'must look like [user@]host[:port] (no spaces, no leading "-")' });
  }
  if (port !== null && (port < 1 || port > 65535)) throw new SshConfigError({ file, key: 'port', received: spec, rule: 'must be 1-65535' });
  return { user, host, port };
}

// Read ssh config files in order (first value wins), with Include lines spliced in; missing files are skipped.
// Relative Include paths are taken from ~/.ssh for a file under the home dir, else from the file's own dir (/etc/ssh).
export function loadSshConfig(files: readonly string[], homeDir: string): LoadedSshConfig {
  const texts: string[] = [];
  let first: string | null = null;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    first ??= file;
    const includeBase = file.startsWith(join(homeDir, '/')) ? join(homeDir, '.ssh') : dirname(file);
    // A `Host *` line between files ends any open Host block, as reading a new file does in ssh.
    texts.push(`Host *\n${spliceIncludes(text, file, includeBase, homeDir, 0)}`);
  }
  return { file: first, config: SSHConfig.parse(texts.join('\n')) };
}

// Settings for one host spec: config values, then OpenSSH defaults; spec user/port win over the config.
export function resolveSshHost(spec: string, loaded: LoadedSshConfig, homeDir: string): ResolvedSshHost {
  const file = loaded.file;
  const hs = parseHostSpec(spec, file);
  const localUser = userInfo().username;
  const c = loaded.config.compute({ Host: hs.host, ...(hs.user ? { User: hs.user } : {}) }, { ignoreCase: true, matchExec: false });
  const one = (k: string): string | null => {
    const v = c[k];
    return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
  };
  const list = (k: string): string[] => {
    const v = c[k];
    return v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(/\s+/)).filter(Boolean);
  };
  const num = (k: string, min: number): number | null => {
    const v = one(k);
    if (v === null) return null;
    if (!/^\d+$/.test(v) || Number(v) < min) throw new SshConfigError({ file, key: k, received: v, rule: `must be an integer >= ${min}` });
    return Number(v);
  };
  const hostName = (one('hostname') ?? hs.host).replaceAll('%h', hs.host);
  const port = hs.port ?? num('port', 1) ?? 22;
  const user = one('user') ?? localUser;
  const tokens: Record<string, string> = { '%': '%', d: homeDir, h: hostName, p: String(port), r: user, u: localUser, n: hs.host };
  const expand = (v: string, key: string) => expandPath(v, tokens, homeDir, file, key);
  const jump = one('proxyjump');
  const strict = (one('stricthostkeychecking') ?? 'yes').toLowerCase();
  const secs = (k: string, min: number) => {
    const n = num(k, min);
    return n === null ? null : n * 1000;
  };
  return {
    alias: hs.host,
    hostName,
    port,
    user,
    identityFiles: list('identityfile').map((f) => expand(f, 'IdentityFile')),
    identityAgent: ((a) => (a === null || a === 'SSH_AUTH_SOCK' ? null : a === 'none' ? 'none' : expand(a, 'IdentityAgent')))(one('identityagent')),
    proxyJump: jump === null || jump.toLowerCase() === 'none' ? null : jump,
    proxyCommand: ((p) => (p === null || p.toLowerCase() === 'none' ? null : p))(one('proxycommand')),
    userKnownHostsFiles: (list('userknownhostsfile').length ? list('userknownhostsfile') : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'])
      .map((f) => expand(f, 'UserKnownHostsFile')),
    globalKnownHostsFiles: (list('globalknownhostsfile').length ? list('globalknownhostsfile')
      : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']).map((f) => expand(f, 'GlobalKnownHostsFile')),
    hostKeyAlias: one('hostkeyalias'),
    strictHostKeyChecking: !(strict === 'no' || strict === 'off'),
    connectTimeoutMs: secs('connecttimeout', 1),
    serverAliveIntervalMs: secs('serveraliveinterval', 0),
    serverAliveCountMax: num('serveralivecountmax', 1),
    configFile: file,
  };
}

// The hops of a ProxyJump value, first hop first.
export function parseProxyJump(value: string): string[] {
  return value.split(',').map((h) => h.trim()).filter(Boolean);
}

// `~`, `%x` tokens and `${VAR}` in a path-like config value; unknown tokens are a config error.
function expandPath(v: string, tokens: Record<string, string>, homeDir: string, file: string | null, key: string): string {
  let s = v.replace(/^~(?=\/|$)/, homeDir);
  s = s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const val = process.env[name];
    if (val === undefined) throw new SshConfigError({ file, key, received: v, rule: `uses \${${name}}, which is not set in the environment` });
    return val;
  });
  return s.replace(/%(.)/g, (_m, t: string) => {
    const val = tokens[t];
    if (val === undefined) throw new SshConfigError({ file, key, received: v, rule: `uses %${t}, a token xpr does not expand (known: %d %h %p %r %u %n %%)` });
    return val;
  });
}

// Replace each `Include` line by the text of the files it names (`*` and `?` globs in the last part only).
function spliceIncludes(text: string, file: string, includeBase: string, homeDir: string, depth: number): string {
  if (depth > 16) throw new SshConfigError({ file, key: 'Include', received: file, rule: 'nests more than 16 levels (a loop?)' });
  return text.split(/\r?\n/).map((line) => {
    const m = /^\s*include\s*[=\s]\s*(.+)$/i.exec(line);
    if (!m) return line;
    return m[1]!.trim().split(/\s+/).flatMap((pat) => {
      const p = pat.replace(/^["']|["']$/g, '').replace(/^~(?=\/)/, homeDir);
      const abs = isAbsolute(p) ? p : join(includeBase, p);
      return globFiles(abs).map((f) => spliceIncludes(readFileSync(f, 'utf8'), f, includeBase, homeDir, depth + 1));
    }).join('\n');
  }).join('\n');
}

function globFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  if (!/[*?]/.test(base)) {
    try {
      readFileSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  try {
    return readdirSync(dir).filter((n) => re.test(n)).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}
