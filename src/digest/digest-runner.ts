/**
 * Runs digests on their schedules and makes sure each channel gets each period's digest exactly
 * once, however many replicas run: a digest_runs row is the claim, its holder renews a lease
 * while it works, and the others check back when the lease would run out, taking over only if
 * the holder died before posting.
 */

import cron, { type ScheduledTask } from 'node-cron';
import type { DigestSchedule, DigestSettings } from '../config/schedule';

export type { DigestSchedule, DigestSettings };
import type { Logger } from 'pino';
import { Limiter } from '../concurrency/limiter';
import type { ChannelCheck } from '../bot/channel-check';
import type { SlackGateway } from '../slack/gateway';
import { pauseReasonText, reasonFromError, type CannotPostReason } from '../slack/postability';
import type { Store } from '../store/store';
import { withInstallation, type InstallationScope } from '../installations/scope';
import type { DigestService, Measurement } from './digest-service';
import { noTelemetry, type Telemetry } from '../observability/telemetry';

export type ChannelOutcome =
  | { readonly channelId: string; readonly outcome: 'posted'; readonly ts: string; readonly takenOver: boolean }
  | { readonly channelId: string; readonly outcome: 'already-posted' | 'posted-elsewhere' | 'failed' | 'gave-up' | 'paused'; readonly detail?: string };

export interface RunnerDeps {
  readonly digest: DigestService;
  readonly store: Store;
  readonly slack: SlackGateway;
  /** Whether pymem can post in a channel, asked before measuring for it. */
  readonly channels: ChannelCheck;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly settings: DigestSettings;
  readonly telemetry?: Telemetry;
  /**
   * OAuth mode (issue 14): the installation a workspace's digests are posted with, or null when pymem
   * is not installed there (any more): its digests stop. Absent in the single-token mode.
   */
  readonly installationFor?: (workspace: { readonly teamId: string; readonly enterpriseId: string }) => Promise<InstallationScope | null>;
}

/**
 * Channels whose digest is composed and posted at once. Posting is the part Slack rate-limits (an
 * upload and a message per channel); the measurements are shared between channels anyway.
 */
export const DIGEST_CHANNELS_AT_ONCE = 4;

/** Scheduled times of a cron task, to the second, are the same on every replica: they name the period. */
export function periodKeyOf(scheduled: Date): string {
  return new Date(Math.floor(scheduled.getTime() / 1000) * 1000).toISOString();
}

export function scheduleKey(s: DigestSchedule): string {
  return `${s.cron} @ ${s.timeZone}`;
}

export class DigestRunner {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly deps: RunnerDeps) {}

  /** Starts one cron task per distinct schedule. */
  start(): void {
    const schedules = new Map<string, DigestSchedule>([[scheduleKey(this.deps.settings.schedule), this.deps.settings.schedule]]);
    for (const s of Object.values(this.deps.settings.channels)) schedules.set(scheduleKey(s), s);
    for (const [key, schedule] of schedules) {
      const task = cron.schedule(
        schedule.cron,
        (context) => {
          const job = this.runScheduled(key, periodKeyOf(context.date), context.date.getTime()).catch((error: unknown) =>
            this.deps.logger.error({ err: error, schedule: key }, 'scheduled digest failed'),
          );
          this.track(job);
        },
        { timezone: schedule.timeZone, name: `digest ${key}`, noOverlap: false },
      );
      this.tasks.push(task);
    }
    this.deps.logger.info({ schedules: [...schedules.keys()], replica: this.deps.settings.replicaId }, 'digest schedules started');
  }

  /** Stops scheduling and waits (bounded by the caller) for digests already running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const task of this.tasks) await task.stop();
    await Promise.allSettled([...this.running]);
  }

  private track(job: Promise<unknown>): void {
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }

  /** The channels that follow at least one service, use this schedule, and are not paused. */
  async channelsFor(scheduleKeyValue: string): Promise<Map<string, string[]>> {
    const byChannel = new Map<string, string[]>();
    for (const group of (await this.workspacesFor(scheduleKeyValue)).values()) for (const [channel, services] of group.channels) byChannel.set(channel, services);
    return byChannel;
  }

  /** The same, by workspace ('\0'-joined team and enterprise ids; one group with empty ids in the single-token mode). */
  private async workspacesFor(scheduleKeyValue: string): Promise<Map<string, { readonly teamId: string; readonly enterpriseId: string; readonly channels: Map<string, string[]> }>> {
    const groups = new Map<string, { teamId: string; enterpriseId: string; channels: Map<string, string[]> }>();
    for (const sub of await this.deps.store.allSubscriptions()) {
      if (sub.pausedAt !== null) continue;
      const own = this.deps.settings.channels[sub.channelId] ?? this.deps.settings.schedule;
      if (scheduleKey(own) !== scheduleKeyValue) continue;
      const key = `${sub.teamId}\0${sub.enterpriseId}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { teamId: sub.teamId, enterpriseId: sub.enterpriseId, channels: new Map() }));
      group.channels.set(sub.channelId, [...(group.channels.get(sub.channelId) ?? []), sub.service]);
    }
    return groups;
  }

  async runScheduled(scheduleKeyValue: string, periodKey: string, endMs: number): Promise<ChannelOutcome[]> {
    const installationFor = this.deps.installationFor;
    if (installationFor === undefined) return this.runChannels(await this.channelsFor(scheduleKeyValue), periodKey, endMs);
    // OAuth mode: each workspace's digests go out with its own installation's token, one workspace
    // after another; a workspace that uninstalled pymem gets none.
    const outcomes: ChannelOutcome[] = [];
    for (const group of (await this.workspacesFor(scheduleKeyValue)).values()) {
      const installation = await installationFor(group);
      if (installation === null) {
        this.deps.logger.info({ teamId: group.teamId, channels: group.channels.size }, 'no digests for a workspace where pymem is not installed');
        continue;
      }
      outcomes.push(...(await withInstallation(installation, () => this.runChannels(group.channels, periodKey, endMs))));
    }
    return outcomes;
  }

  /** Digests for these channels and period; services measured once across channels. */
  async runChannels(channels: Map<string, string[]>, periodKey: string, endMs: number): Promise<ChannelOutcome[]> {
    const cache = new Map<string, Promise<Map<string, Measurement>>>();
    const measure = (services: readonly string[]): Promise<Map<string, Measurement>> => {
      const key = [...services].sort().join(',');
      let pending = cache.get(key);
      if (!pending) {
        pending = this.deps.digest.measureAll(services, endMs);
        cache.set(key, pending);
      }
      return pending;
    };
    const posting = new Limiter(DIGEST_CHANNELS_AT_ONCE);
    const outcomes = await Promise.all(
      [...channels].map(([channelId, services]) =>
        posting.run(() => this.runChannel(channelId, services, periodKey, endMs, (all) => measure(all.filter((s) => this.deps.digest.allowed(channelId, s))))),
      ),
    );
    for (const o of outcomes) (this.deps.telemetry ?? noTelemetry).digestRun(o.outcome);
    return outcomes;
  }

  private async runChannel(
    channelId: string,
    services: readonly string[],
    periodKey: string,
    endMs: number,
    measure: (services: readonly string[]) => Promise<Map<string, Measurement>>,
  ): Promise<ChannelOutcome> {
    const { store, settings, logger, clock } = this.deps;
    for (let attempt = 0; attempt < 6 && !this.stopped; attempt++) {
      const claim = await store.claimDigest(channelId, periodKey, settings.replicaId, clock(), settings.leaseMs);
      if (claim.claimed) {
        if (claim.takenOver) logger.warn({ channelId, periodKey }, 'took over a digest whose replica stopped before posting');
        return this.produce(channelId, services, periodKey, endMs, measure, claim.takenOver);
      }
      if (claim.run.status === 'posted') return { channelId, outcome: attempt === 0 ? 'already-posted' : 'posted-elsewhere' };
      // Another replica holds it: check back just after its lease would run out.
      const wait = Math.max(100, claim.run.leaseUntil - clock()) + 100 + Math.floor(Math.random() * 200);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return { channelId, outcome: 'gave-up', detail: 'another replica kept the claim' };
  }

  private async produce(
    channelId: string,
    services: readonly string[],
    periodKey: string,
    endMs: number,
    measure: (services: readonly string[]) => Promise<Map<string, Measurement>>,
    takenOver: boolean,
  ): Promise<ChannelOutcome> {
    const { store, settings, logger, clock } = this.deps;
    let lost = false;
    const heartbeat = setInterval(() => {
      void store.renewDigestClaim(channelId, periodKey, settings.replicaId, clock() + settings.leaseMs).then(
        (held) => {
          if (!held) lost = true;
        },
        (error: unknown) => logger.warn({ err: error, channelId }, 'could not renew the digest claim'),
      );
    }, Math.max(250, Math.floor(settings.leaseMs / 3)));
    try {
      // Before measuring: a channel pymem cannot post in gets no work, and no retry every day.
      const postable = await this.deps.channels.check({ channelId }, { fresh: true });
      if (postable.kind === 'cannot-post') return await this.pause(channelId, periodKey, postable.reason);
      const measurements = await measure(services);
      const digest = await this.deps.digest.compose(channelId, services, measurements, endMs, periodKey);
      if (lost) return { channelId, outcome: 'posted-elsewhere', detail: 'lost the claim while measuring' };
      const posted = await this.deps.digest.post(digest, this.deps.slack);
      if (!posted.ok) {
        const reason = reasonFromError(posted.code, { channelId });
        if (reason !== null) {
          this.deps.channels.forget(channelId);
          return await this.pause(channelId, periodKey, reason);
        }
        await store.finishDigest(channelId, periodKey, settings.replicaId, { status: 'failed', messageTs: null, summary: null, at: clock() });
        logger.warn({ channelId, code: posted.code }, 'posting the digest failed');
        return { channelId, outcome: 'failed', detail: posted.code };
      }
      const recorded = await store.finishDigest(channelId, periodKey, settings.replicaId, {
        status: 'posted',
        messageTs: posted.ts,
        summary: this.deps.digest.summary(digest),
        at: clock(),
      });
      if (!recorded) logger.error({ channelId, periodKey }, 'digest posted after the claim was taken over; the channel may see it twice');
      return { channelId, outcome: 'posted', ts: posted.ts, takenOver };
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Records the run as failed and pauses the channel's digests until someone subscribes there again. */
  private async pause(channelId: string, periodKey: string, reason: CannotPostReason): Promise<ChannelOutcome> {
    const { store, settings, logger, clock } = this.deps;
    const text = pauseReasonText(reason);
    await store.finishDigest(channelId, periodKey, settings.replicaId, { status: 'failed', messageTs: null, summary: null, at: clock() });
    await store.pauseChannel(channelId, text, clock());
    logger.warn({ channelId, reason }, 'pymem cannot post in this channel; its digests are paused until someone subscribes there again');
    return { channelId, outcome: 'paused', detail: text };
  }
}
