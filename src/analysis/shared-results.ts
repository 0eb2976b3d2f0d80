/**
 * Identical requests share one computation: while one runs, later askers wait for the same result;
 * once it is done, it serves repeats for a short while. The cache is bounded in entries and bytes
 * (oldest dropped first). A computation is cancelled only when everyone waiting for it gave up.
 */

export interface SharedResultsOptions<V> {
  /** How long a result serves repeats, ms; 0 shares only computations still running. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** About how many bytes a result holds. */
  readonly sizeOf: (value: V) => number;
  /** Results worth keeping (a failure is not: the next asker should try again). */
  readonly cacheable: (value: V) => boolean;
  /** Clock in ms. */
  readonly now: () => number;
}

/** How an asker got its result: computed for it, joined a computation running for someone else, or from the cache. */
export type Sharing = 'computed' | 'joined' | 'cached';

export class SharedResultsError extends Error {
  override readonly name = 'SharedResultsError';
  constructor(message: string) {
    super(message);
  }
}

interface Running<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  waiters: number;
}

interface Cached<V> {
  readonly value: V;
  readonly bytes: number;
  readonly expiresAt: number;
}

export class SharedResults<V> {
  private readonly running = new Map<string, Running<V>>();
  /** Insertion order is age order: Map iterates oldest first. */
  private readonly cache = new Map<string, Cached<V>>();
  private bytes = 0;

  constructor(private readonly options: SharedResultsOptions<V>) {}

  /** Whether `key` would be answered without new work (cached, or being computed). */
  has(key: string): boolean {
    return this.running.has(key) || this.fresh(key) !== undefined;
  }

  /**
   * The result for `key`: from the cache, from the computation already running, or from `compute`
   * (started now and shared with whoever asks meanwhile). Rejects when `signal` aborts first; the
   * computation goes on for the others, and is aborted when no one waits any more.
   */
  async get(key: string, compute: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<{ value: V; sharing: Sharing }> {
    const cached = this.fresh(key);
    if (cached !== undefined) return { value: cached.value, sharing: 'cached' };
    let entry = this.running.get(key);
    let sharing: Sharing = 'joined';
    if (entry === undefined) {
      sharing = 'computed';
      const controller = new AbortController();
      const promise = Promise.resolve().then(() => compute(controller.signal));
      const created: Running<V> = { promise, controller, waiters: 0 };
      entry = created;
      this.running.set(key, created);
      promise.then(
        (value) => {
          this.running.delete(key);
          if (this.options.ttlMs > 0 && this.options.cacheable(value)) this.store(key, value);
        },
        () => this.running.delete(key),
      );
    }
    const value = await this.wait(entry, signal);
    return { value, sharing };
  }

  /** Entries and bytes held by the cache. */
  size(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.bytes };
  }

  private wait(entry: Running<V>, signal: AbortSignal | undefined): Promise<V> {
    if (signal?.aborted) {
      if (entry.waiters === 0) entry.controller.abort(new SharedResultsError('every request for this result was given up'));
      return Promise.reject(new SharedResultsError('the request was given up'));
    }
    entry.waiters++;
    if (signal === undefined) {
      // Nobody can give up on this asker's behalf: it holds the computation until it settles.
      const settle = (): void => void entry.waiters--;
      entry.promise.then(settle, settle);
      return entry.promise;
    }
    return new Promise<V>((resolve, reject) => {
      const leave = (): void => {
        entry.waiters--;
        if (entry.waiters === 0) entry.controller.abort(new SharedResultsError('every request for this result was given up'));
      };
      const onAbort = (): void => {
        leave();
        reject(new SharedResultsError('the request was given up'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          entry.waiters--;
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          entry.waiters--;
          reject(error);
        },
      );
    });
  }

  private fresh(key: string): Cached<V> | undefined {
    const cached = this.cache.get(key);
    if (cached === undefined) return undefined;
    if (cached.expiresAt > this.options.now()) return cached;
    this.drop(key, cached);
    return undefined;
  }

  private store(key: string, value: V): void {
    const bytes = this.options.sizeOf(value);
    if (bytes > this.options.maxBytes) return;
    const old = this.cache.get(key);
    if (old !== undefined) this.drop(key, old);
    const now = this.options.now();
    // Expired first, then the oldest, until the new one fits.
    for (const [k, c] of this.cache) if (c.expiresAt <= now) this.drop(k, c);
    for (const [k, c] of this.cache) {
      if (this.cache.size < this.options.maxEntries && this.bytes + bytes <= this.options.maxBytes) break;
      this.drop(k, c);
    }
    this.cache.set(key, { value, bytes, expiresAt: now + this.options.ttlMs });
    this.bytes += bytes;
  }

  private drop(key: string, cached: Cached<V>): void {
    this.cache.delete(key);
    this.bytes -= cached.bytes;
  }
}
