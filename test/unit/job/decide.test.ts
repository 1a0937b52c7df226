// One poll's meaning for one job: marker files first, then the queue's word, and a grace period before "died".
import test from 'ava';
import { decideJobState, type DecideInput } from '../../../src/job/decide.ts';
import type { JobFileFlags } from '../../../src/system/system-ops.ts';

const files = (f: Partial<JobFileFlags> = {}): JobFileFlags => ({ started: false, exitCode: null, hasResult: false, hasError: false, schedulerIdRaw: null, missing: false, ...f });
const base: DecideInput = { state: 'submitted', files: files(), queue: undefined, gone: undefined, nowMs: 100_000, graceMs: 10_000 };

test('a result file means succeeded once the job script has finished (post_cmds done) or the queue lets it go', (t) => {
  const running = { schedulerId: '1', state: 'running', rawState: 'R' } as const;
  t.deepEqual(decideJobState({ ...base, files: files({ hasResult: true }), queue: running }), { to: 'running' }, 'post_cmds may still be writing outputs');
  t.deepEqual(decideJobState({ ...base, state: 'running', files: files({ hasResult: true }), queue: running }), {});
  t.deepEqual(decideJobState({ ...base, files: files({ hasResult: true, exitCode: 0 }), queue: running }), { to: 'succeeded', fetch: 'result' });
  t.deepEqual(decideJobState({ ...base, files: files({ hasResult: true }), queue: { ...running, state: 'ended', rawState: 'CD' } }), { to: 'succeeded', fetch: 'result' });
  t.deepEqual(decideJobState({ ...base, files: files({ hasResult: true }) }), { to: 'succeeded', fetch: 'result' }, 'no longer listed');
});

test('an error file means failed, with logs fetched', (t) => {
  t.like(decideJobState({ ...base, files: files({ hasError: true }) }), { to: 'failed', fetch: 'logs' });
});

test('an exit code without result or error means died, naming the code', (t) => {
  const d = decideJobState({ ...base, files: files({ exitCode: 137 }) });
  t.is(d.to, 'died');
  t.regex(d.reason!, /137/);
});

test('queued, running and unknown queue states keep the job alive', (t) => {
  t.deepEqual(decideJobState({ ...base, queue: { schedulerId: '1', state: 'queued', rawState: 'PENDING' } }), { to: 'queued' });
  t.deepEqual(decideJobState({ ...base, queue: { schedulerId: '1', state: 'running', rawState: 'RUNNING' } }), { to: 'running' });
  t.deepEqual(decideJobState({ ...base, state: 'running', queue: { schedulerId: '1', state: 'unknown', rawState: 'WEIRD_NEW_STATE' } }), {});
  t.deepEqual(decideJobState({ ...base, files: files({ started: true }), queue: { schedulerId: '1', state: 'queued', rawState: 'CONFIGURING' } }), { to: 'running' });
});

test('a job the queue no longer lists is re-checked over two polls and the grace period before it is declared died', (t) => {
  const first = decideJobState(base);
  t.deepEqual(first, { gone: { sinceMs: 100_000, polls: 1 } });
  const second = decideJobState({ ...base, gone: first.gone, nowMs: 120_000 });
  t.deepEqual(second, { gone: { sinceMs: 100_000, polls: 2 } }, 'grace elapsed but only two polls');
  const third = decideJobState({ ...base, gone: second.gone, nowMs: 121_000 });
  t.is(third.to, 'died');
  t.regex(third.reason!, /no longer listed/);
  const early = decideJobState({ ...base, gone: { sinceMs: 100_000, polls: 5 }, nowMs: 105_000 });
  t.is(early.to, undefined, 'within the grace period');
});

test('an ended job gets the queue reason in its died reason', (t) => {
  const d = decideJobState({ ...base, queue: { schedulerId: '1', state: 'ended', rawState: 'TIMEOUT', reason: 'TIMEOUT', exitCode: 0 }, gone: { sinceMs: 0, polls: 3 } });
  t.is(d.to, 'died');
  t.regex(d.reason!, /TIMEOUT/);
});

test('results appearing during the grace period win', (t) => {
  t.is(decideJobState({ ...base, files: files({ hasResult: true }), gone: { sinceMs: 0, polls: 9 } }).to, 'succeeded');
});
