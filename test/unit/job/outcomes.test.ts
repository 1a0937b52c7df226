// What code reads of how a job ended is its typed outcome, not its reason text: a job whose submission failed gives
// JobDiedError (no remote side to read), one whose op threw JobFailedError, whatever their reasons say.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore, type JobOutcome, type JobRow } from '../../../src/store/index.ts';
import { outcomeOf } from '../../../src/job/remote-job.ts';
import { JobCancelledError, JobDiedError, JobFailedError } from '../../../src/job/errors.ts';
import { removalReason } from '../../../src/admin/gc.ts';
import { dashJobDetail } from '../../../src/dashboard/jobs.ts';

function failedRow(store: JobStore, id: string, reason: string, outcome?: JobOutcome): JobRow {
  store.claim({ id, cacheKey: `k-${id}`, name: id, system: 'local', stageDir: join(tmpdir(), 'no-such-stage', id), runDir: `/r/${id}`, outputDir: '/o', envHash: 'e', details: {} });
  store.transition(id, 'failed', { reason, outcome, force: true });
  return store.get(id)!;
}

test('a failed job: JobDiedError when its submission failed, JobFailedError when it ran; the dashboard reads a remote error only for the latter', (t) => {
  const store = JobStore.open(mkdtempSync(join(tmpdir(), 'xpr-outcomes-')));
  const unsent = failedRow(store, 'unsent', 'submission failed: sbatch: error: invalid partition', 'submission-failed');
  const error = t.throws(() => outcomeOf(unsent), { instanceOf: JobDiedError });
  t.regex(error!.message, /submission failed: sbatch: error: invalid partition/, 'the reason is still what the user reads');
  t.is(dashJobDetail(store, 'unsent')!.error, null);
  // Reason text alone decides nothing: an op that threw with a message starting the same way is a failed job.
  const ran = failedRow(store, 'ran', 'submission failed: (the op\'s own words)');
  t.is(ran.outcome, 'failed');
  t.throws(() => outcomeOf(ran), { instanceOf: JobFailedError });
  t.not(dashJobDetail(store, 'ran')!.error, null);
  store.close();
});

test('a job cancelled by xpr rm: a driver that reads it before its row is deleted is told it was removed, with the store', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-outcomes-'));
  const store = JobStore.open(dir);
  store.claim({ id: 'gone', cacheKey: 'k-gone', name: 'gone', system: 'local', stageDir: join(dir, 'gone'), runDir: '/r/gone', outputDir: '/o', envHash: 'e', details: {} });
  store.transition('gone', 'cancelled', { reason: removalReason(store.path), force: true });
  const error = t.throws(() => outcomeOf(store.get('gone')!), { instanceOf: JobCancelledError });
  t.is(error!.jobId, 'gone');
  t.true(error!.message.includes(`gone: cancelled, then removed from ${store.path}`), error!.message);
  store.close();
});
