/**
 * Decides which analysis runs next and how long a new one would wait. Each priority has its own
 * slots (jobs in progress at once): reports (interactive) are CPU-heavy and few, digest
 * measurements (background) mostly wait on the backend and come by the thousand, and a digest run
 * must never make a report wait for a slot. A job whose requesters all gave up before it started
 * is dropped rather than run. Knows nothing of threads: the engine hands it a function that starts
 * the job.
 */

export type JobPriority = 'interactive' | 'background';

export interface SchedulerStats {
  readonly slots: number;
  readonly running: number;
  readonly runningBy: Readonly<Record<JobPriority, number>>;
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
  private readonly running: Record<JobPriority, number> = { interactive: 0, background: 0 };
  private closed = false;
  private readonly queues: Record<JobPriority, Waiting[]> = { interactive: [], background: [] };
  private readonly typical: Record<JobPriority, number>;
  private readonly slots: Readonly<Record<JobPriority, number>>;

  /**
   * @param slots jobs in progress at once: one number for both priorities together, or per priority
   * @param initialTypicalMs what a job is assumed to take before any has finished, per priority
   * @param now a monotonic clock in ms
   */
  constructor(
    slots: number | Readonly<Record<JobPriority, number>>,
    initialTypicalMs: Readonly<Record<JobPriority, number>> = { interactive: 1_000, background: 300 },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.slots = typeof slots === 'number' ? { interactive: slots, background: slots } : { ...slots };
    this.shared = typeof slots === 'number';
    for (const [priority, n] of Object.entries(this.slots)) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`${priority} slots must be a whole number of at least 1, got ${n}`);
    }
    this.typical = { ...initialTypicalMs };
  }

  /** One pool of slots for both priorities (a plain number was given), rather than one each. */
  private readonly shared: boolean;

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
          this.running[priority]++;
          const finish = (): void => {
            this.running[priority]--;
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
    // With shared slots, waiting reports go first; with separate ones, each priority waits for its own.
    const ahead = !this.shared || priority === 'interactive' ? this.queues[priority].length : this.queues.interactive.length + this.queues.background.length;
    if (this.hasSlot(priority) && ahead === 0) return 0;
    const interactiveAhead = this.shared || priority === 'interactive' ? this.queues.interactive.length : 0;
    const typical = ahead === 0 ? this.typical[priority] : (interactiveAhead * this.typical.interactive + (ahead - interactiveAhead) * this.typical.background) / ahead;
    return this.typical[priority] / 2 + Math.floor(ahead / this.slots[priority]) * typical;
  }

  stats(): SchedulerStats {
    return {
      slots: this.shared ? this.slots.interactive : this.slots.interactive + this.slots.background,
      running: this.running.interactive + this.running.background,
      runningBy: { ...this.running },
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

  private hasSlot(priority: JobPriority): boolean {
    return this.shared ? this.running.interactive + this.running.background < this.slots.interactive : this.running[priority] < this.slots[priority];
  }

  private pump(): void {
    for (;;) {
      const priority = this.queues.interactive.length > 0 && this.hasSlot('interactive') ? 'interactive' : this.queues.background.length > 0 && this.hasSlot('background') ? 'background' : null;
      if (priority === null) return;
      this.queues[priority].shift()!.start();
    }
  }
}
