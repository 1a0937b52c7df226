// A system as the job layer uses it: its transport, scheduler and dirs (local stage base, base dir on the system).
// One session per system per context; the base dir on the system is resolved (and created, 0700) once.
import { join, isAbsolute } from 'node:path';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { SystemConfig } from '../config/types.ts';
import type { Transport, ExecResult } from '../transport/types.ts';
import type { Scheduler } from '../scheduler/types.ts';
import { makeScheduler, localQueueScript } from '../scheduler/index.ts';
import { XprError } from '../errors.ts';
import { sweepLeftovers } from './leftovers.ts';
import { BaseFiles } from '../runner/contract.ts';
import { shellOneLiner } from './shell-files.ts';

export interface SystemSession {
  readonly system: SystemConfig;
  readonly transport: Transport;
  readonly scheduler: Scheduler;
  /** Jobs run in their local stage dirs (host null, no rundir): nothing is copied. */
  readonly sharesFs: boolean;
  /** `<project root>/xpr-stage`: job dirs and `_code/` on this machine. */
  readonly localBase: string;
  readonly env: NodeJS.ProcessEnv;
  /** Absolute `<rundir>/<project id>` on the system (or localBase when sharing the filesystem): job dirs and `_code/`. */
  readonly base: string;
}

/** A command on a system failed. Carries what the system printed. */
export class SystemCommandError extends XprError {
  override name = 'SystemCommandError';
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(session: Pick<SystemSession, 'system' | 'transport'>, readonly step: string, res: ExecResult) {
    const stderr = res.stderr.trim();
    super(
      `Cannot ${step} on system "${session.system.name}" (${session.transport.label}): ` +
        `exit ${res.code ?? `signal ${res.signal}`}${stderr ? `: ${stderr.slice(-2000)}` : ''}`,
    );
    this.exitCode = res.code;
    this.stderr = stderr;
  }
}

export interface SessionParams {
  system: SystemConfig;
  transport: Transport;
  projectRoot: string;
  projectId: string;
  env: NodeJS.ProcessEnv;
}

// Open a session: resolve the base dir on the system (one command for a remote system) and build its scheduler.
export async function openSession(p: SessionParams): Promise<SystemSession> {
  const localBase = join(p.projectRoot, 'xpr-stage');
  mkdirSync(join(localBase, BaseFiles.code), { recursive: true, mode: 0o700 });
  removeOldSpool(spoolDirOf(p.projectRoot));
  sweepLeftovers(localBase); // of drivers killed while staging or fetching
  const sharesFs = p.system.host === null && p.system.rundir === null;
  let base: string;
  if (sharesFs) {
    base = localBase;
  } else {
    const rundir = p.system.rundir ?? 'run_expyre';
    const wanted = `${rundir.replace(/\/+$/, '')}/${p.projectId}`;
    const res = await p.transport.exec(['bash', '-c', shellOneLiner('base-dir'), 'xpr-base', wanted, BaseFiles.code], { idempotent: true });
    const out = res.stdout.toString('utf8').trim();
    const fake = { system: p.system, transport: p.transport };
    if (res.code !== 0 || !isAbsolute(out)) throw new SystemCommandError(fake, `create the run dir ${wanted}`, res);
    base = out;
  }
  const queueDir = sharesFs ? join(p.projectRoot, 'xpr-local-queue') : `${base}/${BaseFiles.localQueue}`;
  const scheduler = makeScheduler(p.system, {
    queueDir,
    queueScriptPath: `${base}/${BaseFiles.code}/${localQueueScript().fileName}`,
    totalSlots: Math.max(1, ...p.system.partitions.map((q) => q.numCores)),
  });
  return {
    system: p.system,
    transport: p.transport,
    scheduler,
    sharesFs,
    localBase,
    env: p.env,
    base,
  };
}

/** Where prepared jobs' payloads wait until their job dir is made (beside the stage dirs: moved in by rename). */
export function spoolDirOf(projectRoot: string): string {
  return join(projectRoot, 'xpr-stage', '.spool');
}

const SPOOL_MAX_AGE_MS = 24 * 3600 * 1000;

// Remove payloads of jobs prepared more than a day ago and never started (a script that stopped in between).
function removeOldSpool(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > SPOOL_MAX_AGE_MS) rmSync(path, { force: true });
    } catch {
      // gone already (another process cleaned it)
    }
  }
}
