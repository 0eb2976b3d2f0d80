/**
 * Decides which analysis runs next and how long a new one would wait. A fixed number of slots (jobs
 * in progress at once); requesters waiting on a report go before digest measurements; a job whose
 * requesters all gave up before it started is dropped rather than run. Knows nothing of threads:
 * the engine hands it a function that starts the job.
 */

export type JobPriority = 'interactive' | 'background';

export interface SchedulerStats {
  readonly slots: number;
  readonly running: number;
  readonly queued: Readonly<Record<JobPriority, number>>;
  /** Recent job duration, ms (moving average), per priority. */
  readonly typicalMs: Readonly<Record<JobPriority, number>>;
}

export class SchedulerError extends Error {
  override readonly name = 'SchedulerError';
  constructor(
    readonly code: 'cancelled' | 'closed',
    message: string,
  ) {
    super(message);
  }
}

interface Waiting {
  readonly priority: JobPriority;
  readonly start: () => void;
  readonly cancel: (error: SchedulerError) => void;
}

/** Weight of the newest job in the moving average of job durations. */
const SMOOTHING = 0.2;

export class TaskScheduler {
  private running = 0;
  private closed = false;
  private readonly queues: Record<JobPriority, Waiting[]> = { interactive: [], background: [] };
  private readonly typical: Record<JobPriority, number>;

  /**
   * @param slots jobs in progress at once
   * @param initialTypicalMs what a job is assumed to take before any has finished, per priority
   * @param now a monotonic clock in ms
   */
  constructor(
    readonly slots: number,
    initialTypicalMs: Readonly<Record<JobPriority, number>> = { interactive: 1_000, background: 300 },
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a whole number of at least 1, got ${slots}`);
    this.typical = { ...initialTypicalMs };
  }

  /** Runs `job` when a slot is free and nothing of higher priority waits; rejects with 'cancelled' if `signal` aborts first. */
  run<T>(priority: JobPriority, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new SchedulerError('closed', 'the analysis pool is shutting down'));
    if (signal?.aborted) return Promise.reject(new SchedulerError('cancelled', 'the request was given up before its analysis started'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        const queue = this.queues[priority];
        const index = queue.indexOf(entry);
        if (index < 0) return; // already started: it finishes, and its result is simply not waited for
        queue.splice(index, 1);
        reject(new SchedulerError('cancelled', 'the request was given up before its analysis started'));
      };
      const entry: Waiting = {
        priority,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          const started = this.now();
          this.running++;
          const finish = (): void => {
            this.running--;
            this.typical[priority] = (1 - SMOOTHING) * this.typical[priority] + SMOOTHING * (this.now() - started);
            this.pump();
          };
          let pending: Promise<T>;
          try {
            pending = job();
          } catch (error) {
            pending = Promise.reject(error);
          }
          pending.then(
            (value) => {
              finish();
              resolve(value);
            },
            (error: unknown) => {
              finish();
              reject(error);
            },
          );
        },
        cancel: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queues[priority].push(entry);
      this.pump();
    });
  }

  /**
   * About how long a job of this priority submitted now would wait before it starts, in ms: 0 with a
   * free slot; otherwise the jobs ahead of it, spread over the slots, at the recent job duration (a
   * running job has about half of its time left).
   */
  expectedWaitMs(priority: JobPriority): number {
    const ahead = priority === 'interactive' ? this.queues.interactive.length : this.queues.interactive.length + this.queues.background.length;
    if (this.running < this.slots && ahead === 0) return 0;
    const typical = ahead === 0 ? this.typical[priority] : (this.queues.interactive.length * this.typical.interactive + (ahead - this.queues.interactive.length) * this.typical.background) / ahead;
    return this.typical[priority] / 2 + Math.floor(ahead / this.slots) * typical;
  }

  stats(): SchedulerStats {
    return {
      slots: this.slots,
      running: this.running,
      queued: { interactive: this.queues.interactive.length, background: this.queues.background.length },
      typicalMs: { ...this.typical },
    };
  }

  /** Refuses new jobs and rejects the ones still waiting; running jobs finish. */
  close(): void {
    this.closed = true;
    for (const priority of ['interactive', 'background'] as const) {
      for (const waiting of this.queues[priority].splice(0)) waiting.cancel(new SchedulerError('closed', 'the analysis pool is shutting down'));
    }
  }

  private pump(): void {
    while (this.running < this.slots) {
      const next = this.queues.interactive.shift() ?? this.queues.background.shift();
      if (next === undefined) return;
      next.start();
    }
  }
}
