// The bash program behind the `local` scheduler (src/scheduler/local-queue.sh): a queue of detached jobs on one machine.
// Staged like the runner (as `_code/local-queue-<hash>.sh`); every dynamic value reaches it as a positional argument.
//
// Records: <queue dir>/jobs/<n>/ with `jobdir`, `cores`, `pid` (the job's process group), `started`, `exit`, `reason`,
// built as <queue dir>/drafts/<n>/ and published by the job's own runner once its pid is in it (see the script).
// Cores are slots: lock files <queue dir>/slots/<k>, held with flock by a running job and released by the kernel
// when its processes end, so a killed driver, a killed job or a reboot never leaks a slot.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

let cached: { text: string; fileName: string } | undefined;

// The queue script's text and its content-hash file name (read once per process).
export function localQueueScript(): { text: string; fileName: string } {
  if (!cached) {
    const text = readFileSync(new URL('./local-queue.sh', import.meta.url), 'utf8');
    cached = { text, fileName: `local-queue-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.sh` };
  }
  return cached;
}
