// A job's stdout/stderr for `xpr logs`: from the local stage dir once they were brought back (failed/died jobs, or a
// shared filesystem), otherwise read from the job dir on the system through its transport, from a byte offset on.
import { existsSync, openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { JobFiles } from '../runner/contract.ts';
import { ENDED_STATES, type JobRow } from '../store/index.ts';
import type { XprContext } from '../job/context.ts';

/** The log files of a job, by label. */
export const LOG_FILES = { stdout: JobFiles.stdout, stderr: JobFiles.stderr, 'queue stdout': JobFiles.schedStdout, 'queue stderr': JobFiles.schedStderr } as const;
export type LogName = keyof typeof LOG_FILES;

/** New bytes of one log file, from `offset` on. */
export interface LogChunk {
  name: LogName;
  /** Where it was read (local path, or `system:path`). */
  where: string;
  exists: boolean;
  bytes: Buffer;
  /** Offset to ask from next time. */
  nextOffset: number;
}

function readLocal(path: string, offset: number): { exists: boolean; bytes: Buffer } {
  if (!existsSync(path)) return { exists: false, bytes: Buffer.alloc(0) };
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.max(0, size - offset);
    const buf = Buffer.alloc(len);
    if (len) readSync(fd, buf, 0, len, offset);
    return { exists: true, bytes: buf };
  } finally {
    closeSync(fd);
  }
}

// Whether the local stage dir holds the job's own copy of its logs.
function logsAreLocal(ctx: XprContext, row: JobRow): boolean {
  if (row.runDir === row.stageDir) return true;
  if (!ctx.config.systems.has(row.system)) return true; // the system is gone from the config: only the local copy is left
  return ENDED_STATES.includes(row.state) && existsSync(join(row.stageDir, JobFiles.stdout));
}

// Read logs of a job (all, or `names`) from their offsets (0 = whole file). One remote command per file for a job on
// another host.
export async function readJobLogs(
  ctx: XprContext, row: JobRow, offsets: Partial<Record<LogName, number>> = {}, names: readonly LogName[] = Object.keys(LOG_FILES) as LogName[],
): Promise<LogChunk[]> {
  const out: LogChunk[] = [];
  const local = logsAreLocal(ctx, row);
  const session = local ? null : await ctx.session(row.system);
  for (const name of names) {
    const file = LOG_FILES[name];
    const offset = offsets[name] ?? 0;
    if (session) {
      const path = `${row.runDir}/${file}`;
      const res = await session.transport.exec(['tail', '-c', `+${offset + 1}`, path], { idempotent: true });
      const exists = res.code === 0;
      const bytes = exists ? res.stdout : Buffer.alloc(0);
      out.push({ name, where: `${row.system}:${path}`, exists, bytes, nextOffset: offset + bytes.length });
    } else {
      const path = join(row.stageDir, file);
      const { exists, bytes } = readLocal(path, offset);
      out.push({ name, where: path, exists, bytes, nextOffset: offset + bytes.length });
    }
  }
  return out;
}

// Whether the job script has finished (its exit file exists where the job runs).
export async function jobScriptEnded(ctx: XprContext, row: JobRow): Promise<boolean> {
  if (logsAreLocal(ctx, row)) return existsSync(join(row.stageDir, JobFiles.exit)) || ENDED_STATES.includes(row.state);
  const session = await ctx.session(row.system);
  const res = await session.transport.exec(['test', '-e', `${row.runDir}/${JobFiles.exit}`], { idempotent: true });
  return res.code === 0;
}
