// The job state machine (states, legal transitions: forward along created → … → cleaned, `cancelled` from live states,
// died → succeeded on re-sync), the one definition of the state groups every layer uses, and the typed job outcomes.

export type JobState =
  | 'created'
  | 'staged'
  | 'submitted'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'died'
  | 'processed'
  | 'cleaned'
  | 'cancelled';

export const JOB_STATES: readonly JobState[] = [
  'created', 'staged', 'submitted', 'queued', 'running', 'succeeded', 'failed', 'died', 'processed', 'cleaned', 'cancelled',
];

const RANK: Record<JobState, number> = {
  created: 0, staged: 1, submitted: 2, queued: 3, running: 4,
  succeeded: 5, failed: 5, died: 5, cancelled: 5, processed: 6, cleaned: 7,
};

/** States in which a job with the same cache key is attached to instead of creating a new one (as ExPyRe). */
export const REUSABLE_STATES: readonly JobState[] = ['created', 'staged', 'submitted', 'queued', 'running', 'succeeded', 'died'];

/** States in which the queue may still be working on the job. */
export const LIVE_STATES: readonly JobState[] = ['staged', 'submitted', 'queued', 'running'];

/** Claimed and not ended: the job may still run (`created` ones are staged by whoever waits for them). */
export const NEW_OR_LIVE_STATES: readonly JobState[] = ['created', ...LIVE_STATES];

/** States of a job that will produce (or has produced) its results: a rerun waits for it instead of starting another. */
export const RESULT_HOLDER_STATES: readonly JobState[] = [...NEW_OR_LIVE_STATES, 'succeeded'];

/** Ended jobs whose results may not have been collected yet (their driver may have been killed before it did). */
export const UNCOLLECTED_STATES: readonly JobState[] = ['succeeded', 'died'];

/** States in which the queue has the job (it takes a place there). */
export const IN_QUEUE_STATES: readonly JobState[] = ['submitted', 'queued', 'running'];

/** In the queue and not seen running yet. */
export const WAITING_STATES: readonly JobState[] = ['submitted', 'queued'];

/** The states a job ends in by itself or by cancelling (`processed` and `cleaned` are bookkeeping after one of them). */
export const OUTCOME_STATES: readonly JobState[] = ['succeeded', 'failed', 'died', 'cancelled'];

/** States with an outcome (the job will not change by itself any more). */
export const ENDED_STATES: readonly JobState[] = [...OUTCOME_STATES, 'processed', 'cleaned'];

/**
 * How a job ended, recorded on its row when it moves to an outcome state and kept through `processed` and `cleaned`:
 * the outcome state itself, or a finer cause of it (`submission-failed`: failed before reaching the queue;
 * `out-of-memory`: died, killed for memory). The human `reason` text is for display only.
 */
export type JobOutcome = 'succeeded' | 'failed' | 'submission-failed' | 'died' | 'out-of-memory' | 'cancelled';

export const JOB_OUTCOMES: readonly JobOutcome[] = ['succeeded', 'failed', 'submission-failed', 'died', 'out-of-memory', 'cancelled'];

/** The outcome state each outcome belongs to. */
export const OUTCOME_STATE: Readonly<Record<JobOutcome, JobState>> = {
  succeeded: 'succeeded', failed: 'failed', 'submission-failed': 'failed', died: 'died', 'out-of-memory': 'died', cancelled: 'cancelled',
};

/** Outcomes of jobs that died (were killed or vanished without a result). */
export const DIED_OUTCOMES: readonly JobOutcome[] = ['died', 'out-of-memory'];

// The outcome a job has after moving to `to`: `given` (a cause of `to`), the outcome state itself, the one it had
// (bookkeeping states), or null (not ended). Null also when `given` does not belong to `to` (the caller checks).
export function outcomeAfter(to: JobState, current: JobOutcome | null, given?: JobOutcome): JobOutcome | null {
  if (given !== undefined) return OUTCOME_STATE[given] === to ? given : null;
  if (to === 'processed' || to === 'cleaned') return current;
  return OWN_OUTCOME[to] ?? null;
}

const OWN_OUTCOME: Partial<Record<JobState, JobOutcome>> = { succeeded: 'succeeded', failed: 'failed', died: 'died', cancelled: 'cancelled' };

export function isJobOutcome(value: unknown): value is JobOutcome {
  return typeof value === 'string' && (JOB_OUTCOMES as readonly string[]).includes(value);
}

// Whether a job may move from `from` to `to` (staying put is not a transition).
// `processed` and `cleaned` need an ended job (or, for cleaned, one never staged): a live job is cancelled first.
export function isLegalTransition(from: JobState, to: JobState): boolean {
  if (from === to) return false;
  if (to === 'cancelled') return RANK[from] < 5 || from === 'died';
  if (to === 'processed') return RANK[from] === 5;
  if (to === 'cleaned') return RANK[from] >= 5 || from === 'created';
  if (from === 'died' && (to === 'succeeded' || to === 'failed')) return true; // late results after re-sync (B12)
  if (from === 'cancelled') return false;
  return RANK[to] > RANK[from];
}
