// The progress events of one autoparallelize call (items done / failed / cached, jobs per state), as plain data,
// and the emitter that sends the same events to the progress display and to the caller's onProgress.
import { JOB_STATES, OUTCOME_STATE, type JobRow, type JobState } from '../store/index.ts';

/** Jobs of a call per state. A job already marked processed counts under the state it ended in (succeeded, or died). */
export type JobStateCounts = Record<JobState, number>;

/** Item and job counts at one moment. */
export interface ProgressSnapshot {
  items: {
    /** Items with a result, including cached ones. */
    done: number;
    /** Items whose op threw or whose job ended without their result. */
    failed: number;
    /** Of `done`: results that were already there (item cache or outputs file), not computed by this call. */
    cached: number;
  };
  /** All zero for a call running in the local worker pool (it has no jobs). */
  jobs: JobStateCounts;
}

/**
 * What `onProgress` receives: one `start` (before anything runs), `update`s as items end or jobs change state, and
 * one `end` (also when the call throws or is aborted). Item counts never go down between events of one call; jobs
 * move between states (with resubmit_killed_jobs, the jobs counted are those of the latest round).
 */
export interface AutoparaProgressEvent extends ProgressSnapshot {
  phase: 'start' | 'update' | 'end';
  /** The op's export name (or 'collect' for collectCall). */
  op: string;
  /** Where the items run: the local worker pool, or queued jobs on a system. */
  where: 'local' | 'remote';
  /** The call's key (as collectCall takes it), or null for a local call without an outputs file. */
  callKey: string | null;
  /** Items in the call. */
  total: number;
}

export type ProgressListener = (event: AutoparaProgressEvent) => void;

// Zero jobs in every state.
export function noJobs(): JobStateCounts {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobStateCounts;
}

// Jobs per state; processed jobs count under the state of their outcome (succeeded when it has none).
export function countJobs(rows: Iterable<Pick<JobRow, 'state' | 'outcome'>>): JobStateCounts {
  const counts = noJobs();
  for (const r of rows) {
    const state: JobState = r.state === 'processed' ? (r.outcome ? OUTCOME_STATE[r.outcome] : 'succeeded') : r.state;
    counts[state]++;
  }
  return counts;
}

/** Fans each event out to the listeners; a listener that throws is reported once through `warn` and not called again. */
export class ProgressEmitter {
  readonly #base: Omit<AutoparaProgressEvent, 'phase' | keyof ProgressSnapshot>;
  readonly #listeners: ProgressListener[];
  readonly #warn: (message: string) => void;
  #last: ProgressSnapshot = { items: { done: 0, failed: 0, cached: 0 }, jobs: noJobs() };
  #ended = false;

  constructor(base: Omit<AutoparaProgressEvent, 'phase' | keyof ProgressSnapshot>, listeners: Array<ProgressListener | undefined>, warn: (message: string) => void) {
    this.#base = base;
    this.#listeners = listeners.filter((l): l is ProgressListener => typeof l === 'function');
    this.#warn = warn;
  }

  start(snapshot?: ProgressSnapshot): void {
    if (snapshot) this.#last = snapshot;
    this.#emit('start');
  }

  update(snapshot: ProgressSnapshot): void {
    this.#last = snapshot;
    this.#emit('update');
  }

  /** The last event; later calls of any method do nothing. */
  end(snapshot?: ProgressSnapshot): void {
    if (snapshot) this.#last = snapshot;
    this.#emit('end');
    this.#ended = true;
  }

  #emit(phase: AutoparaProgressEvent['phase']): void {
    if (this.#ended) return;
    const event: AutoparaProgressEvent = { phase, ...this.#base, items: { ...this.#last.items }, jobs: { ...this.#last.jobs } };
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#listeners.splice(this.#listeners.indexOf(listener), 1);
        this.#warn(`onProgress threw (${(error as Error)?.message ?? String(error)}); it gets no further events of this call`);
      }
    }
  }
}
