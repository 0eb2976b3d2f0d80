/**
 * The playground's demo world: the built-in demo services with a clock the reader can move on and
 * fixes the reader can deploy, so that "verify: too early, then fixed" takes minutes, not hours.
 * Playground only: the bot gets this clock and this source through BotDeps, as tests do.
 */

import { DemoSource } from '../metrics/demo';
import { PlaygroundError } from './errors';

/**
 * A deploy takes a few minutes to roll out; the demo clock moves on by this much with it, so the
 * new workers are already in the data the next verification reads (its data ends on a whole step,
 * before a deploy made this very second).
 */
export const DEPLOY_ROLLOUT_MS = 5 * 60_000;

/** The most the clock may be moved on in one run: a week is more than any window the bot reads. */
const MAX_OFFSET_MS = 7 * 24 * 3_600_000;

export interface DemoFix {
  readonly service: string;
  /** Demo time of the deploy, ms since epoch. */
  readonly at: number;
}

export interface DemoWorldState {
  /** How far the demo clock is ahead of the real one, ms. */
  readonly offsetMs: number;
  /** The demo clock now, ms since epoch. */
  readonly now: number;
  readonly fixes: readonly DemoFix[];
}

export class DemoWorld {
  private offsetMs = 0;
  private readonly fixes = new Map<string, number>();
  readonly source: DemoSource;

  constructor(private readonly realNow: () => number = Date.now) {
    this.source = new DemoSource(15, (service) => this.fixes.get(service) ?? null);
  }

  /** The demo clock: the bot's, the demo source's and the digest button's. */
  readonly now = (): number => this.realNow() + this.offsetMs;

  /**
   * A deploy of fixed code to `service`, now (demo time), and the clock moved on by its rollout. A
   * second fix to the same service is refused: the first one is what verify judges.
   */
  deployFix(service: string): DemoFix {
    if (!this.source.knownServices().includes(service)) {
      throw new PlaygroundError('bad_request', `there is no demo service called "${service}"; the demo has ${this.source.knownServices().join(', ')}`);
    }
    const earlier = this.fixes.get(service);
    if (earlier !== undefined) throw new PlaygroundError('conflict', `${service} already has its fix (deployed at ${new Date(earlier).toISOString()}); restart the playground to start over`);
    if (this.offsetMs + DEPLOY_ROLLOUT_MS > MAX_OFFSET_MS) throw new PlaygroundError('bad_request', 'the demo clock is already a week ahead; restart the playground to start over');
    const at = this.now();
    this.fixes.set(service, at);
    this.offsetMs += DEPLOY_ROLLOUT_MS;
    return { service, at };
  }

  /** Moves the demo clock on; time never goes back (reports and verifications already happened). */
  skipAhead(ms: number): DemoWorldState {
    if (this.offsetMs + ms > MAX_OFFSET_MS) throw new PlaygroundError('bad_request', 'the demo clock is already a week ahead; restart the playground to start over');
    this.offsetMs += ms;
    return this.state();
  }

  state(): DemoWorldState {
    return { offsetMs: this.offsetMs, now: this.now(), fixes: [...this.fixes].map(([service, at]) => ({ service, at })) };
  }
}
