// Records the usage of a job that just ended (runner's `_xpr_usage` in its stage dir + the queue's accounting) in its
// row, and tells a died job killed for memory (decide.ts outOfMemoryReason): its reason and outcome. Called by the poller.
import { openSync, readSync, closeSync, fstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobRow, JobStore } from '../store/index.ts';
import type { QueueStatus } from '../scheduler/types.ts';
import { JobFiles } from '../runner/contract.ts';
import { mergeUsage, type JobUsage } from './usage.ts';
import { parseRunnerUsage } from '../runner/usage.ts';
import { outOfMemoryReason } from './decide.ts';

// The last `bytes` of a file, or null if it cannot be read.
function tail(path: string, bytes = 8192): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The memory a job was granted by its own request (details.fit.memPerNodeKb x nodes), bytes, or null. */
export function requestedMemBytes(row: JobRow): number | null {
  const fit = row.details.fit;
  return fit?.memPerNodeKb ? fit.memPerNodeKb * 1024 * (fit.numNodes ?? 1) : null;
}

// Store the usage of `row`, which ends as `state` with `reason`; returns the reason to record (OUT_OF_MEMORY for a died
// job killed for memory, with `outOfMemory` set). Never throws: usage is an extra, the state change is not.
export function recordEndUsage(
  store: JobStore, row: JobRow, kind: string, queue: QueueStatus | undefined, fileExitCode: number | null | undefined,
  state: string, reason: string | null,
): { usage: JobUsage | null; reason: string | null; outOfMemory: boolean } {
  try {
    const usage = mergeUsage(kind, queue?.usage, parseRunnerUsage(readText(join(row.stageDir, JobFiles.usage))), row.details.fit?.numCores ?? null);
    if (usage && (usage.req_mem_bytes === undefined || usage.req_mem_bytes === null)) {
      const asked = requestedMemBytes(row);
      if (asked !== null) usage.req_mem_bytes = asked;
    }
    if (usage) store.setDetail(row.id, 'usage', usage);
    if (state !== 'died') return { usage, reason, outOfMemory: false };
    const oom = outOfMemoryReason({
      queue, fileExitCode, maxRssBytes: usage?.max_rss_bytes, reqMemBytes: usage?.req_mem_bytes,
      stderrTail: [tail(join(row.stageDir, JobFiles.stderr)), tail(join(row.stageDir, JobFiles.schedStderr))].filter(Boolean).join('\n'),
      reason,
    });
    return { usage, reason: oom ?? reason, outOfMemory: oom !== null };
  } catch {
    return { usage: null, reason, outOfMemory: false };
  }
}
