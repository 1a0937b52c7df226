// A small FIFO semaphore capping concurrent SSH channels below the server's MaxSessions (OpenSSH default 10).
// Waiters are served in arrival order; a waiter whose AbortSignal fires leaves the queue and rejects with its reason.

interface Waiter {
  grant: () => void;
  reject: (reason: unknown) => void;
}

export class ChannelLimit {
  readonly max: number;
  #active = 0;
  readonly #queue: Waiter[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Expected \`maxChannels\` to be an integer >= 1, got ${max}`);
    this.max = max;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  // Wait for a free slot; resolves with the function that gives it back (call it exactly once).
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaser());
        },
        reject: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  // Reject every waiter (used when the transport closes); active slots are unaffected.
  rejectWaiting(reason: unknown): void {
    for (const w of this.#queue.splice(0)) w.reject(reason);
  }

  // The slot stays counted as active when handed straight to the next waiter.
  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next.grant();
      else this.#active--;
    };
  }
}
