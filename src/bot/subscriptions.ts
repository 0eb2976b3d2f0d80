/** /pymem subscribe | unsubscribe | list, and the report's subscribe button. */

import type { Store, WorkspaceRef } from '../store/store';
import { AccessGate } from './access-gate';
import { noticeMessage, type SlackMessage } from '../slack/blocks';
import { subscriptionListMessage, subscriptionMessage } from '../slack/digest-blocks';
import { cannotPostText, type ChannelHint } from '../slack/postability';
import { describeSchedule, type DigestSchedule } from '../config/schedule';
import { formatTime } from '../domain/format';
import type { ChannelCheck } from './channel-check';

export interface SubscriptionDeps {
  readonly store: Store;
  readonly clock: () => number;
  /** The digest schedule a channel follows (its own, or the default). */
  readonly scheduleFor: (channelId: string) => DigestSchedule;
  /** Services the metrics source knows, when it can tell (the demo can; Prometheus cannot). */
  readonly knownServices: () => readonly string[] | null;
  /** Whether pymem can post in a channel: checked before a subscription is confirmed. */
  readonly channels: ChannelCheck;
  /** Which channels may see which services; everything is allowed when absent. */
  readonly access?: AccessGate;
  /** The workspace of the request in progress (OAuth mode); the single workspace ('') when absent. */
  readonly workspace?: () => WorkspaceRef;
}


export class Subscriptions {
  constructor(private readonly deps: SubscriptionDeps) {}

  /** Adds the service to the channel's digest, once pymem knows it can post there; resumes a paused channel. */
  async subscribe(channelId: string, service: string, userId: string, channelName: string | null = null): Promise<SlackMessage> {
    const access = (this.deps.access ?? AccessGate.open).check(channelId, service);
    if (!access.allowed) return access.message;
    const known = this.deps.knownServices();
    if (known && !known.includes(service)) {
      return noticeMessage(`:warning: There is no service called \`${service}\` here; known ones: ${known.map((s) => `\`${s}\``).join(', ')}.`);
    }
    const hint: ChannelHint = { channelId, channelName };
    const postable = await this.deps.channels.check(hint);
    if (postable.kind === 'cannot-post') return noticeMessage(`${cannotPostText(postable.reason)} Digests could not be posted here either, so nothing was subscribed.`);
    const workspace = this.deps.workspace?.() ?? { teamId: '', enterpriseId: '' };
    const result = await this.deps.store.subscribe({ channelId, service, createdBy: userId, createdAt: this.deps.clock(), ...workspace });
    // Someone who can subscribe here shows that pymem can post again: the paused digests resume.
    const resumed = await this.deps.store.resumeChannel(channelId);
    return subscriptionMessage(result, service, describeSchedule(this.deps.scheduleFor(channelId)), resumed > 0);
  }

  async unsubscribe(channelId: string, service: string): Promise<SlackMessage> {
    const result = await this.deps.store.unsubscribe(channelId, service);
    return subscriptionMessage(result, service, describeSchedule(this.deps.scheduleFor(channelId)));
  }

  async list(channelId: string): Promise<SlackMessage> {
    const subs = await this.deps.store.subscriptions(channelId);
    const paused = subs.find((s) => s.pausedAt !== null) ?? null;
    const schedule = this.deps.scheduleFor(channelId);
    return subscriptionListMessage(
      subs.map((s) => s.service),
      describeSchedule(schedule),
      paused !== null && paused.pausedAt !== null
        ? { since: formatTime(paused.pausedAt, schedule.timeZone, this.deps.clock()), reason: paused.pausedReason ?? 'pymem could not post here' }
        : null,
    );
  }
}
