import test from 'ava';
import { resubmitMaxTimeS } from '../../../src/autopara/resubmit.ts';

const upTo = (limit: number) => (s: number): boolean => s <= limit;

test('resubmitted killed jobs get 1.5 x the died max_time when a partition takes it', (t) => {
  t.is(resubmitMaxTimeS(600, 600, upTo(3600)), 900);
  t.is(resubmitMaxTimeS(601, 600, upTo(3600)), 902, 'rounded up to whole seconds');
});

test('when 1.5 x does not fit, the died max_time is kept (never an error that aborts the gather)', (t) => {
  t.is(resubmitMaxTimeS(600, 600, upTo(600)), 600);
  t.is(resubmitMaxTimeS(900, 600, upTo(1000)), 900, 'a second resubmission keeps the grown time that fit before');
});

test('falls back to the RemoteInfo max_time, and null when nothing fits', (t) => {
  t.is(resubmitMaxTimeS(0, 600, upTo(3600)), 600, 'died jobs with no recorded fit');
  t.is(resubmitMaxTimeS(900, 600, upTo(700)), 600);
  t.is(resubmitMaxTimeS(900, 600, () => false), null);
});

test('each candidate is tried once, in order', (t) => {
  const tried: number[] = [];
  resubmitMaxTimeS(600, 600, (s) => (tried.push(s), false));
  t.deepEqual(tried, [900, 600]);
});
