// Store change notifications for the dashboard's server-sent events: one timer reads the store's change mark
// (SQLite data_version, a cheap pragma; never the cluster) while someone listens, and tells each listener on change.
import type { JobStore } from '../store/index.ts';

export type ChangeListener = (mark: string) => void;

export class StoreWatcher {
  readonly #store: JobStore;
  readonly #intervalMs: number;
  readonly #listeners = new Set<ChangeListener>();
  #timer: NodeJS.Timeout | undefined;
  #mark = '';

  constructor(store: JobStore, intervalMs = 500) {
    this.#store = store;
    this.#intervalMs = intervalMs;
  }

  /** Call `fn` after each change of the store until the returned function is called. */
  subscribe(fn: ChangeListener): () => void {
    this.#listeners.add(fn);
    if (!this.#timer) {
      this.#mark = this.#store.changeMark();
      this.#timer = setInterval(() => this.#check(), this.#intervalMs);
    }
    return () => {
      this.#listeners.delete(fn);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    let mark: string;
    try {
      mark = this.#store.changeMark();
    } catch {
      return; // locked for a moment by a writer: try again next tick
    }
    if (mark === this.#mark) return;
    this.#mark = mark;
    for (const fn of this.#listeners) fn(mark);
  }
}
