import test from 'ava';
import { PassThrough } from 'node:stream';
import { createProgress, formatElapsed } from '../../../src/autopara/progress.ts';
import { noJobs, type ProgressSnapshot } from '../../../src/autopara/progress-events.ts';

function sink(isTTY = false): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let out = '';
  (stream as PassThrough).on('data', (chunk: Buffer) => { out += chunk.toString(); });
  Object.assign(stream, { isTTY, columns: 120 });
  return { stream, text: () => out };
}

// The snapshot an event carries: queued jobs spread over created..queued, failed ones over failed/died/cancelled, as
// the display must add them up.
const counts = (itemsDone: number, more: { itemsFailed?: number; jobsQueued?: number; jobsRunning?: number; jobsDone?: number; jobsFailed?: number } = {}): ProgressSnapshot => {
  const jobs = noJobs();
  const q = more.jobsQueued ?? 0;
  jobs.created = q > 1 ? 1 : 0;
  jobs.queued = q - jobs.created;
  jobs.running = more.jobsRunning ?? 0;
  jobs.succeeded = more.jobsDone ?? 0;
  const f = more.jobsFailed ?? 0;
  jobs.died = f > 0 ? 1 : 0;
  jobs.failed = f - jobs.died;
  return { items: { done: itemsDone, failed: more.itemsFailed ?? 0, cached: 0 }, jobs };
};

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('plain mode prints the first update at once, then at most one line per interval, and a final line at stop', async (t) => {
  const out = sink();
  const p = createProgress({ total: 10, label: 'relax', stream: out.stream, mode: 'plain', intervalMs: 60_000, env: {} });
  p.update(counts(1));
  p.update(counts(2));
  p.update(counts(3, { itemsFailed: 1, jobsQueued: 2, jobsRunning: 1, jobsDone: 4, jobsFailed: 1 }));
  p.stop();
  await tick(10);
  const lines = out.text().trim().split('\n');
  t.is(lines.length, 2);
  t.regex(lines[0]!, /^xpr: relax: items 1\/10 done \| 0:00 elapsed$/);
  t.regex(lines[1]!, /^xpr: relax: items 3\/10 done \(1 failed\) \| jobs queued 2, running 1, done 4, failed 1 \| 0:00 elapsed$/);
});

test('plain mode flushes a pending update when the interval ends', async (t) => {
  const out = sink();
  const p = createProgress({ total: 4, label: 'op', stream: out.stream, mode: 'plain', intervalMs: 50, env: {} });
  p.update(counts(1));
  p.update(counts(2));
  await tick(120);
  t.deepEqual(out.text().trim().split('\n').map((l) => l.replace(/ \|.*/, '')), ['xpr: op: items 1/4 done', 'xpr: op: items 2/4 done']);
  p.stop();
});

test('stop cancels a pending flush and ignores later updates', async (t) => {
  const out = sink();
  const p = createProgress({ total: 4, label: 'op', stream: out.stream, mode: 'plain', intervalMs: 30, env: {} });
  p.update(counts(1));
  p.update(counts(2)); // schedules a flush in 30 ms
  p.stop();
  const length = out.text().length;
  p.update(counts(3));
  p.stop();
  await tick(80);
  t.is(out.text().length, length);
  t.is(out.text().trim().split('\n').length, 2);
});

test('silent mode writes nothing', async (t) => {
  const out = sink(true);
  const p = createProgress({ total: 4, label: 'op', stream: out.stream, mode: 'silent' });
  p.update(counts(2));
  p.stop();
  await tick(10);
  t.is(out.text(), '');
});

test('XPR_PROGRESS=0 silences every mode', async (t) => {
  for (const mode of ['auto', 'plain', 'tty'] as const) {
    const out = sink(true);
    const p = createProgress({ total: 4, label: 'op', stream: out.stream, mode, env: { XPR_PROGRESS: '0' } });
    p.update(counts(2));
    p.stop();
    await tick(5);
    t.is(out.text(), '', mode);
  }
});

test('auto mode is plain on a non-TTY stream', async (t) => {
  const out = sink(false);
  const p = createProgress({ total: 2, label: 'op', stream: out.stream, env: {} });
  p.update(counts(1));
  p.stop();
  await tick(5);
  t.regex(out.text(), /^xpr: op: items 1\/2 done/);
});

test.serial('tty mode draws a live bar with items and job counts, and stops its timers', async (t) => {
  const before = timers();
  const out = sink(true);
  const p = createProgress({ total: 10, label: 'relax', stream: out.stream, mode: 'auto', env: {} });
  p.update(counts(4, { itemsFailed: 1, jobsQueued: 1, jobsRunning: 2, jobsDone: 3, jobsFailed: 0 }));
  await tick(250);
  p.stop();
  await tick(5);
  t.regex(out.text(), /relax \[.*\] 4\/10 items \(1 failed\) \| \d+s \| jobs q 1 r 2 d 3 f 0/);
  t.is(timers(), before);
});

test('elapsed time is M:SS under an hour, H:MM:SS above', (t) => {
  t.is(formatElapsed(65_000), '1:05');
  t.is(formatElapsed(3_725_000), '1:02:05');
});
