/**
 * Runs the re-checks "Check again in 1 h" stored, exactly once across replicas, the way digests are
 * claimed (src/digest/digest-runner.ts): a scheduled_checks row is the claim, its holder renews a lease
 * while it works, and a claim whose lease ran out (its replica died) is taken over. Due rows are looked
 * for on start and then every `intervalMs`, so a check scheduled before a restart still runs.
 */

import type { Logger } from 'pino';
import type { ScheduledCheck, Store } from '../store/store';

export interface RecheckRunnerDeps {
  readonly store: Store;
  readonly run: (check: ScheduledCheck, log: Logger) => Promise<'done' | 'failed'>;
  readonly logger: Logger;
  readonly clock: () => number;
  /** This replica's name in the claims (the digest's PYMEM_REPLICA_ID). */
  readonly owner: string;
  /** A claim holds this long without a heartbeat (the digest's lease). */
  readonly leaseMs: number;
  /** How often due checks are looked for. */
  readonly intervalMs: number;
}

/** Checks claimed per sweep; the rest wait for the next one. */
const CLAIM_BATCH = 4;

export class RecheckRunner {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | null = null;
  private stopped = false;

  constructor(private readonly deps: RecheckRunnerDeps) {}

  start(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** Claims the due checks and runs them; returns how many ran. One sweep at a time per replica. */
  sweep(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.sweeping ??= this.sweepNow().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  private async sweepNow(): Promise<number> {
    const { store, clock, owner, leaseMs, logger } = this.deps;
    let claimed: ScheduledCheck[];
    try {
      claimed = await store.claimDueChecks(owner, clock(), leaseMs, CLAIM_BATCH);
    } catch (error) {
      logger.warn({ err: error }, 'could not look for due re-checks; trying again at the next sweep');
      return 0;
    }
    await Promise.all(claimed.map((check) => this.runOne(check)));
    return claimed.length;
  }

  private async runOne(check: ScheduledCheck): Promise<void> {
    const { store, clock, owner, leaseMs } = this.deps;
    const log = this.deps.logger.child({ checkId: check.id, incidentId: check.incidentId, attempt: check.attempts });
    const heartbeat = setInterval(
      () => {
        void store.renewCheckClaim(check.id, owner, clock() + leaseMs).then(
          (held) => {
            if (!held) log.warn('lost the claim on a re-check while running it (its lease ran out); another replica may run it too');
          },
          (error: unknown) => log.warn({ err: error }, 'could not renew the claim on a re-check'),
        );
      },
      Math.max(250, Math.floor(leaseMs / 3)),
    );
    let status: 'done' | 'failed';
    try {
      status = await this.deps.run(check, log);
    } catch (error) {
      log.error({ err: error }, 'a re-check failed');
      status = 'failed';
    } finally {
      clearInterval(heartbeat);
    }
    try {
      if (!(await store.finishCheck(check.id, owner, { status, at: clock() }))) log.warn('a re-check finished after another replica had taken it over');
    } catch (error) {
      log.error({ err: error }, 'could not record that a re-check finished; it may run again once its lease runs out');
    }
  }
}
