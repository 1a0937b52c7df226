// Progress display of one autoparallelize call: a live cli-progress bar on a TTY, plain throttled lines otherwise,
// nothing when silenced. It draws the same events onProgress receives (progress-events.ts). Owns no state after
// stop(): no timers, no listeners.
//
// Modes: 'tty' = live bar (items done/total, failed, jobs queued/running/done/failed, elapsed); 'plain' = one line at
// most every intervalMs (default 30 s; a pending update is flushed when the interval ends) and a final line at stop();
// 'silent' = no output; 'auto' (default) = silent if XPR_PROGRESS=0, else tty when the stream is a TTY, else plain.
// XPR_PROGRESS=0 silences every mode (read from opts.env, default process.env, when createProgress is called).
import cliProgress from 'cli-progress';
import type { ProgressSnapshot } from './progress-events.ts';

/** What the display shows, derived from an event (barCounts). */
export interface ProgressCounts {
  itemsDone: number;
  itemsFailed: number;
  jobsQueued: number;
  jobsRunning: number;
  jobsDone: number;
  jobsFailed: number;
}

export interface ProgressOptions {
  total: number;
  label: string;
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream;
  mode?: 'auto' | 'tty' | 'plain' | 'silent';
  /** Plain mode: minimum ms between lines. @default 30000 */
  intervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Progress {
  /** Draw an event's counts (an AutoparaProgressEvent, or any snapshot of counts). */
  update(snapshot: ProgressSnapshot): void;
  /** Final render (plain: a last line), then release everything; later updates are ignored. */
  stop(): void;
}

const ZERO: ProgressCounts = { itemsDone: 0, itemsFailed: 0, jobsQueued: 0, jobsRunning: 0, jobsDone: 0, jobsFailed: 0 };

// The displayed numbers of a snapshot: jobs waiting (created to queued), running, done (succeeded) and failed (failed,
// died, cancelled).
export function barCounts(s: ProgressSnapshot): ProgressCounts {
  const j = s.jobs;
  return {
    itemsDone: s.items.done,
    itemsFailed: s.items.failed,
    jobsQueued: j.created + j.staged + j.submitted + j.queued,
    jobsRunning: j.running,
    jobsDone: j.succeeded + j.processed,
    jobsFailed: j.failed + j.died + j.cancelled,
  };
}

// A progress display for one call; see the header for modes.
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const env = opts.env ?? process.env;
  const requested = opts.mode ?? 'auto';
  const mode = env.XPR_PROGRESS === '0' ? 'silent'
    : requested === 'auto' ? (stream.isTTY ? 'tty' : 'plain') : requested;
  if (mode === 'silent') return { update: () => {}, stop: () => {} };
  if (mode === 'tty') return ttyProgress(opts, stream);
  return plainProgress(opts, stream);
}

// Elapsed time as H:MM:SS (or M:SS under an hour).
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${Math.floor(s / 60)}:${ss}`;
}

// The plain-mode line for some counts.
function plainLine(label: string, total: number, c: ProgressCounts, elapsedMs: number): string {
  const failed = c.itemsFailed > 0 ? ` (${c.itemsFailed} failed)` : '';
  const jobs = c.jobsQueued + c.jobsRunning + c.jobsDone + c.jobsFailed > 0
    ? ` | jobs queued ${c.jobsQueued}, running ${c.jobsRunning}, done ${c.jobsDone}, failed ${c.jobsFailed}`
    : '';
  return `xpr: ${label}: items ${c.itemsDone}/${total} done${failed}${jobs} | ${formatElapsed(elapsedMs)} elapsed`;
}

function plainProgress(opts: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const interval = opts.intervalMs ?? 30_000;
  const started = Date.now();
  let latest: ProgressCounts = ZERO;
  let lastPrinted = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const print = (): void => {
    if (timer) { clearTimeout(timer); timer = null; }
    lastPrinted = Date.now();
    stream.write(plainLine(opts.label, opts.total, latest, lastPrinted - started) + '\n');
  };
  return {
    update(snapshot) {
      if (stopped) return;
      latest = barCounts(snapshot);
      const wait = lastPrinted + interval - Date.now();
      if (wait <= 0) print();
      else if (!timer) {
        timer = setTimeout(print, wait);
        timer.unref();
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      print();
    },
  };
}

function ttyProgress(opts: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const bar = new cliProgress.SingleBar({
    stream,
    // Lines are cut to the terminal width (linewrap), so the most useful fields come first.
    format: `${opts.label} [{bar}] {value}/{total} items{failedText} | {duration_formatted}{jobsText}`,
    barsize: 16,
    fps: 5,
    hideCursor: false,
    gracefulExit: false,
    clearOnComplete: false,
    linewrap: true,
    emptyOnZero: true,
  }, cliProgress.Presets.shades_classic);
  const payload = (c: ProgressCounts): Record<string, unknown> => ({
    failedText: c.itemsFailed > 0 ? ` (${c.itemsFailed} failed)` : '',
    jobsText: c.jobsQueued + c.jobsRunning + c.jobsDone + c.jobsFailed > 0
      ? ` | jobs q ${c.jobsQueued} r ${c.jobsRunning} d ${c.jobsDone} f ${c.jobsFailed}` : '',
  });
  bar.start(opts.total, 0, payload(ZERO));
  let stopped = false;
  return {
    update(snapshot) {
      if (stopped) return;
      const counts = barCounts(snapshot);
      bar.update(counts.itemsDone, payload(counts));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
