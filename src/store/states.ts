// The job state machine: the closed set of states and which transitions are legal.
// Forward-only along created → … → cleaned; `cancelled` from any live state; a died job may still succeed on re-sync.

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

/** States with an outcome (the job will not change by itself any more). */
export const ENDED_STATES: readonly JobState[] = ['succeeded', 'failed', 'died', 'cancelled', 'processed', 'cleaned'];

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
