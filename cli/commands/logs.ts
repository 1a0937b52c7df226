// `xpr logs ID`: the job's stdout and stderr (and the queue's own output files): the local copy once brought back,
// otherwise read from the job dir on its system. --follow keeps printing new output until the job script ends.
import { setTimeout as sleep } from 'node:timers/promises';
import { readJobLogs, jobScriptEnded, syncJobs, type LogName } from '../../src/index.ts';
import { ENDED_STATES } from '../../src/store/index.ts';
import { withContext } from './shared.ts';
import { NoSuchJobError, UsageError } from './errors.ts';

export interface LogsOptions {
  tail?: number;
  follow?: boolean;
  /** Seconds between reads with --follow. */
  interval?: number;
}

// The last `tail` bytes of `bytes` (all of them without --tail).
const lastBytes = (bytes: Buffer, tail: number | undefined): Buffer => (tail !== undefined && bytes.length > tail ? bytes.subarray(bytes.length - tail) : bytes);

// Print the job's logs.
export function logs(id: string, o: LogsOptions): Promise<void> {
  const interval = o.interval ?? 1;
  if (!(Number.isFinite(interval) && interval > 0)) throw new UsageError(`--interval: expected a positive number of seconds, got ${String(o.interval)}`);
  return withContext(async (ctx) => {
    const row = ctx.store.get(id);
    if (!row) throw new NoSuchJobError(id, ctx.store.path);
    if (!o.follow) {
      const chunks = await readJobLogs(ctx, row);
      for (const c of chunks.filter((c) => c.exists)) {
        const bytes = lastBytes(c.bytes, o.tail);
        process.stdout.write(`=== ${c.name} (${c.where}) ===\n${bytes.toString('utf8')}${bytes.length && bytes.at(-1) !== 10 ? '\n' : ''}`);
      }
      if (!chunks.some((c) => c.exists)) process.stderr.write(`xpr: job ${id} (${row.state}) has no output yet\n`);
      return;
    }
    // Follow: the op's stdout to stdout, its stderr to stderr, as they grow; --tail cuts each file's first read only.
    const offsets: Partial<Record<LogName, number>> = {};
    const tailed = new Set<LogName>();
    for (let round = 1; ; round++) {
      // Without a driver waiting on it, nothing else updates the job's state: ask its system now and then.
      if (round % 5 === 0) await syncJobs(ctx, ctx.store.list({ ids: [id] }));
      const current = ctx.store.get(id);
      if (!current) throw new NoSuchJobError(id, ctx.store.path); // removed (xpr rm) while we followed it
      const ended = ENDED_STATES.includes(current.state) || (await jobScriptEnded(ctx, current));
      for (const c of await readJobLogs(ctx, current, offsets, ['stdout', 'stderr'])) {
        const bytes = tailed.has(c.name) || !c.exists ? c.bytes : lastBytes(c.bytes, o.tail);
        if (c.exists) tailed.add(c.name);
        offsets[c.name] = c.nextOffset;
        if (bytes.length) (c.name === 'stdout' ? process.stdout : process.stderr).write(bytes);
      }
      if (ended) return;
      await sleep(interval * 1000);
    }
  });
}
