// Health checks of the config and the systems (`xpr doctor`): config valid, system reachable, scheduler commands
// present, Node.js >= 20 where jobs run, run dir writable. Each failed check says what to fix; nothing is submitted.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../config/errors.ts';
import type { XprConfig } from '../config/types.ts';
import { quote, quoteArgv } from '../transport/quote.ts';
import { XprContext, type ContextOptions } from '../job/context.ts';
import type { SystemSession } from '../system/session.ts';
import { preSubmit } from '../system/system-ops.ts';

/** One check's outcome. `fix` says what to do when it failed (or, for a warning, what is missing). */
export interface DoctorCheck {
  /** null for checks of the config as a whole. */
  system: string | null;
  check: 'config' | 'connect' | 'scheduler commands' | 'node' | 'rundir';
  ok: boolean;
  /** Passed, but something optional is missing (e.g. sacct). */
  warning?: boolean;
  detail: string;
  fix?: string;
}

/** What each optional command is for, said when it is missing. */
const OPTIONAL_WHY: Record<string, string> = {
  sacct: 'gives exit codes of ended jobs; without it a job the queue forgets is judged from its files only',
  qacct: 'gives exit codes of ended jobs; without it a job the queue forgets is judged from its files only',
  flock: 'lets a repeated submit wait for one still in flight; without it an interrupted submit the queue does not list stays staged until you check it by hand',
};

export const MIN_NODE_MAJOR = 20;

// For each system, the config files that set something in it (shallowest first; the last one wins leaf by leaf).
export function systemSources(config: XprConfig): Map<string, string[]> {
  const out = new Map<string, string[]>([...config.systems.keys()].map((k) => [k, [] as string[]]));
  for (const file of config.files) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { systems?: Record<string, unknown> };
    for (const name of Object.keys(parsed.systems ?? {})) out.get(name)?.push(file);
  }
  return out;
}

async function run(session: SystemSession, script: string) {
  const res = await session.transport.exec(['bash', '-c', script], { idempotent: true, timeoutMs: 60_000 });
  return { ...res, out: res.stdout.toString('utf8') };
}

// The checks of one system, on an open session.
async function checkSystem(session: SystemSession): Promise<DoctorCheck[]> {
  const sys = session.system;
  const checks: DoctorCheck[] = [];
  const at = (check: DoctorCheck['check'], ok: boolean, detail: string, fix?: string, warning?: boolean): void => {
    checks.push({ system: sys.name, check, ok, detail, ...(fix ? { fix } : {}), ...(warning ? { warning } : {}) });
  };
  const where = sys.host ?? 'this machine';

  const { required, optional } = session.scheduler.commands;
  const wanted = [...required, ...optional, ...(session.sharesFs ? [] : ['tar'])];
  const probe = [
    ...preSubmit(sys.preSubmitCmds).map((l) => `${l} >/dev/null 2>&1`),
    `for c in ${wanted.map(quote).join(' ')}; do command -v "$c" >/dev/null 2>&1 || printf '@@missing %s\\n' "$c"; done`,
  ].join('\n');
  const cmds = await run(session, probe);
  const missing = [...cmds.out.matchAll(/^@@missing (\S+)$/gm)].map((m) => m[1]!);
  const missingRequired = missing.filter((c) => !optional.includes(c));
  const missingOptional = missing.filter((c) => optional.includes(c));
  if (missingRequired.length) {
    at('scheduler commands', false, `not found on ${where}: ${missingRequired.join(', ')}`,
      `make them available to a non-interactive shell on ${where} (PATH set in ~/.bashrc, or "pre_submit_cmds" in systems.${sys.name}, e.g. ["source", "/etc/profile.d/${sys.scheduler}.sh"])`);
  } else if (missingOptional.length) {
    at('scheduler commands', true, `found ${required.join(', ')}; not found: ${missingOptional.join(', ')}`,
      missingOptional.map((c) => `${c} ${OPTIONAL_WHY[c] ?? 'is optional'}`).join('; '), true);
  } else {
    at('scheduler commands', true, `found ${[...required, ...optional].join(', ')}`);
  }

  const nodeProbe = [...sys.commands, `${quoteArgv([sys.nodeCmd, '--version'])} 2>&1`].join('\n');
  const node = await run(session, nodeProbe);
  const version = /v(\d+)\.(\d+)\.(\d+)/.exec(node.out);
  const nodeFix = `install Node.js >= ${MIN_NODE_MAJOR} on ${where}, or set systems.${sys.name}.node_cmd to its path, or load it in systems.${sys.name}.commands (e.g. "module load nodejs")`;
  if (node.code !== 0 || !version) {
    at('node', false, `${sys.nodeCmd} --version failed on ${where}: ${(node.out + node.stderr).trim().slice(-300) || `exit ${node.code}`}`, nodeFix);
  } else if (Number(version[1]) < MIN_NODE_MAJOR) {
    at('node', false, `${sys.nodeCmd} is ${version[0]} on ${where}; jobs need >= ${MIN_NODE_MAJOR}`, nodeFix);
  } else {
    at('node', true, `${sys.nodeCmd} is ${version[0]}`);
  }

  const probeFile = `.xpr-doctor-${randomBytes(4).toString('hex')}`;
  const write = await run(session, `cd ${quote(session.base)} && : > ${quote(probeFile)} && rm -f -- ${quote(probeFile)}`);
  if (write.code !== 0) {
    at('rundir', false, `cannot write in ${session.base} on ${where}: ${write.stderr.trim() || `exit ${write.code}`}`,
      `set systems.${sys.name}.rundir to a directory you can write (relative = under your home there)`);
  } else {
    at('rundir', true, `${session.base} is writable`);
  }
  return checks;
}

function connectFix(host: string | null, err: Error): string {
  if (host === null) return 'check that the run dir can be created on this machine';
  if (/host key/i.test(err.message)) return `${err.message.split('\n').at(-1)}`;
  return `check that \`ssh ${host} true\` works without a password prompt (key in ssh-agent or ~/.ssh/config IdentityFile), and the host name/alias in config.json`;
}

// Run every check (for the named systems, or all). Never throws for a problem it can describe.
export async function runDoctor(opts: ContextOptions = {}, systems: readonly string[] = []): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let config: XprConfig;
  try {
    config = loadConfig({ cwd: opts.cwd ?? process.cwd(), env: opts.env ?? process.env, homeDir: opts.homeDir ?? homedir() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) {
      checks.push({ system: null, check: 'config', ok: false, detail: `${p.file}${p.line ? `:${p.line}:${p.column}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`, fix: `edit ${p.file}${p.path ? ` at ${p.path}` : ''}` });
    }
    return checks;
  }
  checks.push({ system: null, check: 'config', ok: true, detail: config.files.length ? `read ${config.files.join(', ')}` : 'no config.json found: only the built-in "local" system' });
  const names = systems.length ? [...systems] : [...config.systems.keys()];
  const unknown = names.filter((n) => !config.systems.has(n));
  for (const n of unknown) {
    checks.push({ system: n, check: 'config', ok: false, detail: `no system "${n}" in the config`, fix: `add systems.${n} to a config.json, or use one of: ${[...config.systems.keys()].join(', ')}` });
  }
  const ctx = new XprContext(opts);
  try {
    for (const name of names.filter((n) => config.systems.has(n))) {
      const sys = config.systems.get(name)!;
      let session: SystemSession;
      try {
        session = await ctx.session(name);
      } catch (err) {
        checks.push({ system: name, check: 'connect', ok: false, detail: (err as Error).message, fix: connectFix(sys.host, err as Error) });
        continue;
      }
      checks.push({ system: name, check: 'connect', ok: true, detail: `${session.transport.label}, run dir ${session.base}` });
      try {
        checks.push(...(await checkSystem(session)));
      } catch (err) {
        checks.push({ system: name, check: 'connect', ok: false, detail: `lost the connection while checking: ${(err as Error).message}`, fix: connectFix(sys.host, err as Error) });
      }
    }
  } finally {
    await ctx.close();
  }
  return checks;
}
