// Bringing the result files (and declared output files) of finished jobs from the system into their local stage dirs,
// in one tar transfer; outputs that are not regular files are refused and listed, for job/job-outputs.ts to report.
import { mkdirSync, mkdtempSync, readdirSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { join, dirname, sep } from 'node:path';
import { unpackInto } from './tar-stream.ts';
import type { SystemSession } from './session.ts';
import { SystemCommandError } from './session.ts';
import { leftoverName } from './leftovers.ts';
import { runScript } from './remote-script.ts';
import { shellCall, shellProgram } from './shell-files.ts';

export interface FetchRequest {
  id: string;
  outputGlobs: readonly string[];
  /** Bring back stdout/stderr too (for failed and died jobs). */
  withLogs: boolean;
}

// Bring the result files (and declared outputs) of finished jobs into their local stage dirs, in one transfer. Output
// globs send regular files only (walking matched dirs); other matches are listed in the job's refusedOutputs file, so
// one job's symlink fails that job alone (collect reports it) instead of the whole transfer.
export async function fetchJobs(session: SystemSession, jobs: readonly FetchRequest[]): Promise<void> {
  if (session.sharesFs || jobs.length === 0) return;
  const base = session.base;
  const args = jobs.flatMap((j) => [j.id, j.withLogs ? '1' : '0', String(j.outputGlobs.length), ...j.outputGlobs]);
  const res = await runScript(session, shellProgram(['fetch'], [`${shellCall('xpr_fetch', base, ...args)} || exit 3`]), true);
  if (res.code !== 0) throw new SystemCommandError(session, 'fetch results', res);
  mkdirSync(session.localBase, { recursive: true, mode: 0o700 });
  // Unpacked aside, then each file renamed into place: another driver reading a result (or a crash mid-unpack) never
  // sees a half-written file.
  const aside = mkdtempSync(join(session.localBase, leftoverName('fetch')));
  try {
    await unpackInto(aside, res.stdout);
    const asked = new Set(jobs.map((j) => j.id));
    for (const rel of readdirSync(aside, { recursive: true, encoding: 'utf8' })) {
      const from = join(aside, rel);
      // Only into the job dirs asked for: never into other jobs' dirs, the code dir or the spool.
      if (!asked.has(rel.split(sep)[0]!) || !lstatSync(from).isFile()) continue;
      mkdirSync(dirname(join(session.localBase, rel)), { recursive: true, mode: 0o700 });
      renameSync(from, join(session.localBase, rel));
    }
  } finally {
    rmSync(aside, { recursive: true, force: true });
  }
}
