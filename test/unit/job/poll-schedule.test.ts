// The poll schedule of one system: fast after a submission or change, backing off to check_interval, never faster
// than the floor, and fast again around the time running jobs are expected to end.
import test from 'ava';
import { nextPollDelayMs, typicalRunMs, MIN_POLL_MS } from '../../../src/job/poll-schedule.ts';

const base = { minMs: MIN_POLL_MS, maxMs: 10_000, nowMs: 100_000, runningSinceMs: [] as number[], expectedRunMs: null };

// The pauses a poller takes while nothing changes, starting from a fresh submission.
function quietSchedule(n: number, over: Partial<typeof base> = {}): number[] {
  const out: number[] = [];
  let prev = MIN_POLL_MS;
  for (let k = 0; k < n; k++) {
    prev = nextPollDelayMs({ ...base, ...over, prevMs: prev, changed: false });
    out.push(prev);
  }
  return out;
}

test('while nothing changes, polls back off from 0.5 s by 1.5x up to check_interval and stay there', (t) => {
  const s = quietSchedule(12);
  t.deepEqual(s.slice(0, 4), [750, 1125, 1687.5, 2531.25]);
  for (let k = 1; k < s.length; k++) t.true(s[k]! >= s[k - 1]!, `never shorter while quiet: ${s}`);
  t.is(s.at(-1), 10_000, 'reaches check_interval');
  t.is(s.filter((d) => d === 10_000).length >= 4, true, 'and stays there');
  // The first 5 s after a submission see several polls (quick first answers), a quiet hour about one per interval.
  let elapsed = 0;
  let polls = 0;
  for (const d of s) if ((elapsed += d) <= 5000) polls++;
  t.true(polls >= 3, `${polls} polls in the first 5 s`);
});

test('a state change brings the pause back to the floor, and nothing goes below 0.5 s or above check_interval', (t) => {
  t.is(nextPollDelayMs({ ...base, prevMs: 10_000, changed: true }), MIN_POLL_MS);
  t.is(nextPollDelayMs({ ...base, prevMs: 1, changed: false }), MIN_POLL_MS);
  t.is(nextPollDelayMs({ ...base, prevMs: 1, changed: true, minMs: 500, maxMs: 100 }), 500, 'the floor wins over a tiny check_interval');
  t.is(nextPollDelayMs({ ...base, prevMs: 60_000, changed: false }), 10_000);
});

test('a running job expected to end soon is polled at its expected end instead of after the full backoff', (t) => {
  // Jobs like it ran 20 s; this one started 17 s ago: the next poll comes at its expected end, in 3 s.
  const d = nextPollDelayMs({ ...base, prevMs: 10_000, changed: false, runningSinceMs: [base.nowMs - 17_000], expectedRunMs: 20_000 });
  t.is(d, 3000);
  // Just past the expected end: poll often (the end may come any moment), not slower than 10% of the run time.
  const late = nextPollDelayMs({ ...base, prevMs: 10_000, changed: false, runningSinceMs: [base.nowMs - 21_000], expectedRunMs: 20_000 });
  t.is(late, 2000);
  // Long overdue: the expectation was wrong, back to the plain backoff.
  const overdue = nextPollDelayMs({ ...base, prevMs: 10_000, changed: false, runningSinceMs: [base.nowMs - 200_000], expectedRunMs: 20_000 });
  t.is(overdue, 10_000);
  // A job far from its end does not speed polling up.
  const early = nextPollDelayMs({ ...base, prevMs: 4000, changed: false, runningSinceMs: [base.nowMs - 1000], expectedRunMs: 60_000 });
  t.is(early, 6000);
});

test('expected end never pushes polls under the floor', (t) => {
  const d = nextPollDelayMs({ ...base, prevMs: 4000, changed: false, runningSinceMs: [base.nowMs - 1990], expectedRunMs: 2000 });
  t.is(d, MIN_POLL_MS);
});

test('the typical run time is the median of the run times seen', (t) => {
  t.is(typicalRunMs([]), null);
  t.is(typicalRunMs([5]), 5);
  t.is(typicalRunMs([9, 1, 5]), 5);
  t.is(typicalRunMs([1, 2, 3, 100]), 2.5);
});
