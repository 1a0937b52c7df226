// When the poller of one system polls next: fast right after a submission or a state change, backing off towards
// check_interval while nothing moves, and fast again around the time running jobs are expected to end. Pure functions.

/** The fastest any system with a real queue is polled: one status command per half second at most. */
export const MIN_POLL_MS = 500;
/** Growth of the pause between polls while nothing changes. */
export const BACKOFF_FACTOR = 1.5;

export interface ScheduleInput {
  /** The pause used before the poll that just ran. */
  prevMs: number;
  /** That poll saw a job change state (submitted, started, ended...). */
  changed: boolean;
  /** Shortest and longest pause allowed. */
  minMs: number;
  maxMs: number;
  nowMs: number;
  /** When each job still running was first seen running (ms). */
  runningSinceMs: readonly number[];
  /** Typical run time of the jobs that ended so far on this poller (ms), or null while none has. */
  expectedRunMs: number | null;
}

// The pause before the next poll.
export function nextPollDelayMs(input: ScheduleInput): number {
  const { minMs, maxMs } = input;
  const clamp = (ms: number): number => Math.max(minMs, Math.min(maxMs, ms));
  if (input.changed) return clamp(minMs);
  let delay = clamp(input.prevMs * BACKOFF_FACTOR);
  const expected = input.expectedRunMs;
  if (expected !== null && expected > 0) {
    for (const since of input.runningSinceMs) {
      const end = since + expected;
      // Poll at the expected end of a job; a little after it, poll often (it may end any moment), then back off again.
      if (end > input.nowMs) delay = Math.min(delay, clamp(end - input.nowMs));
      else if (input.nowMs - end < Math.max(expected * 0.5, 4 * minMs)) delay = Math.min(delay, clamp(Math.max(minMs, expected * 0.1)));
    }
  }
  return delay;
}

// The median of some durations (ms), or null for none: the run time expected of jobs like them.
export function typicalRunMs(durations: readonly number[]): number | null {
  if (durations.length === 0) return null;
  const s = [...durations].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
