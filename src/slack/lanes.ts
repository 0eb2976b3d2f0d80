/**
 * Slack's rate limits apply per method, and for chat.postMessage per channel. Calls therefore queue in
 * lanes, one per method and channel: a lane that got a 429 waits out its Retry-After while every other
 * lane carries on (the Web API client's own queue would stop every call). A call is retried until its
 * deadline, not a fixed number of times; a wait that would end past the deadline fails at once.
 */

import { SlackCallError } from './gateway';

/** What to do about a failed attempt. */
export type AttemptFailure =
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number }
  /** Slack's side failed (5xx, no answer): trying again may work. */
  | { readonly kind: 'retryable' }
  | { readonly kind: 'final' };

export interface LaneSettings {
  /** How long a call may keep being retried, ms (from when it was queued). */
  readonly deadlineMs: number;
  /** Calls in flight at once per lane. */
  readonly concurrency: number;
  readonly classify: (error: unknown) => AttemptFailure;
  /** Each 429 answer, for metrics. */
  readonly onRateLimited?: (method: string, retryAfterMs: number) => void;
  /** Clock in ms; timers use real time. */
  readonly now?: () => number;
}

export interface CallOptions {
  /** Overrides the lanes' deadline for this call, ms. */
  readonly deadlineMs?: number;
  /**
   * Retry 5xx and network failures too (default). Off for calls that must not run twice, such as
   * posting a message: Slack may have posted it before failing.
   */
  readonly retryServerErrors?: boolean;
}

interface Waiter {
  readonly deadline: number;
  readonly grant: () => void;
  readonly refuse: (retryAfterMs: number) => void;
}

interface Lane {
  active: number;
  pausedUntil: number;
  readonly queue: Waiter[];
  timer: NodeJS.Timeout | null;
}

/** Backoff after a 5xx or network failure: 250 ms doubling to 5 s, with jitter. */
function backoffMs(attempt: number): number {
  const base = Math.min(5_000, 250 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

export class SlackLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;

  constructor(private readonly settings: LaneSettings) {
    this.now = settings.now ?? Date.now;
  }

  /** Runs `call` in the lane of `method` (and `channel`, when the limit is per channel), retrying as described above. */
  async run<T>(method: string, channel: string | null, call: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    const key = channel === null ? method : `${method} ${channel}`;
    const deadline = this.now() + (options.deadlineMs ?? this.settings.deadlineMs);
    for (let attempt = 0; ; attempt++) {
      const lane = this.lane(key);
      await this.turn(lane, key, method, deadline, attempt > 0);
      let failure: AttemptFailure;
      let error: unknown;
      try {
        return await call();
      } catch (caught) {
        error = caught;
        failure = this.settings.classify(caught);
        // Before the slot is released below, so the calls queued behind this one wait too.
        if (failure.kind === 'rate-limited') lane.pausedUntil = Math.max(lane.pausedUntil, this.now() + failure.retryAfterMs);
      } finally {
        lane.active--;
        this.pump(key, lane);
      }
      switch (failure.kind) {
        case 'rate-limited': {
          this.settings.onRateLimited?.(method, failure.retryAfterMs);
          if (this.now() + failure.retryAfterMs > deadline) throw error;
          continue; // turn() waits until the lane resumes
        }
        case 'retryable': {
          if (options.retryServerErrors === false) throw error;
          const wait = backoffMs(attempt);
          if (this.now() + wait > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        case 'final':
          throw error;
        default: {
          const unknown: never = failure;
          throw new Error(`unknown failure ${JSON.stringify(unknown)}`);
        }
      }
    }
  }

  /** Lanes that hold calls or are waiting out a rate limit (for tests and metrics). */
  busyLanes(): string[] {
    return [...this.lanes.keys()];
  }

  private lane(key: string): Lane {
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = { active: 0, pausedUntil: 0, queue: [], timer: null };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Resolves when this call may go; a retry goes before calls that have not had their first attempt. */
  private turn(lane: Lane, key: string, method: string, deadline: number, retry: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        deadline,
        grant: resolve,
        refuse: (retryAfterMs) =>
          reject(new SlackCallError(method, 'ratelimited', `${method} is rate limited by Slack for another ${Math.ceil(retryAfterMs / 1000)} s, past this call's deadline`, { retryAfterMs })),
      };
      if (retry) lane.queue.unshift(waiter);
      else lane.queue.push(waiter);
      this.pump(key, lane);
    });
  }

  private pump(key: string, lane: Lane): void {
    const now = this.now();
    if (lane.pausedUntil > now) {
      // Whoever cannot wait that long is told now rather than at its deadline.
      for (let i = lane.queue.length - 1; i >= 0; i--) {
        const waiter = lane.queue[i]!;
        if (waiter.deadline < lane.pausedUntil) {
          lane.queue.splice(i, 1);
          waiter.refuse(lane.pausedUntil - now);
        }
      }
      if (lane.timer === null) {
        // Also when nothing waits: the lane then forgets itself once the pause is over.
        lane.timer = setTimeout(() => {
          lane.timer = null;
          this.pump(key, lane);
        }, lane.pausedUntil - now);
        lane.timer.unref();
      }
    } else {
      while (lane.active < this.settings.concurrency && lane.queue.length > 0) {
        lane.active++;
        lane.queue.shift()!.grant();
      }
    }
    if (lane.active === 0 && lane.queue.length === 0 && lane.timer === null && lane.pausedUntil <= now) this.lanes.delete(key);
  }
}
