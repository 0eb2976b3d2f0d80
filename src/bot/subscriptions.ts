/** /pymem subscribe | unsubscribe | list, and the report's subscribe button. */

import type { Store } from '../store/store';
import { accessAllows, deniedText, type AccessPolicy } from '../domain/access';
import { noticeMessage, type SlackMessage } from '../slack/blocks';
import { subscriptionListMessage, subscriptionMessage } from '../slack/digest-blocks';
import { describeSchedule, type DigestSchedule } from '../digest/digest-runner';

export interface SubscriptionDeps {
  readonly store: Store;
  readonly clock: () => number;
  /** The digest schedule a channel follows (its own, or the default). */
  readonly scheduleFor: (channelId: string) => DigestSchedule;
  /** Services the metrics source knows, when it can tell (the demo can; Prometheus cannot). */
  readonly knownServices: () => readonly string[] | null;
  readonly access?: AccessPolicy | null;
}

export class Subscriptions {
  constructor(private readonly deps: SubscriptionDeps) {}

  async subscribe(channelId: string, service: string, userId: string): Promise<SlackMessage> {
    if (!accessAllows(this.deps.access ?? null, channelId, service)) return noticeMessage(`:no_entry: ${deniedText(service)}`);
    const known = this.deps.knownServices();
    if (known && !known.includes(service)) {
      return noticeMessage(`:warning: There is no service called \`${service}\` here; known ones: ${known.map((s) => `\`${s}\``).join(', ')}.`);
    }
    const result = await this.deps.store.subscribe({ channelId, service, createdBy: userId, createdAt: this.deps.clock() });
    return subscriptionMessage(result, service, describeSchedule(this.deps.scheduleFor(channelId)));
  }

  async unsubscribe(channelId: string, service: string): Promise<SlackMessage> {
    const result = await this.deps.store.unsubscribe(channelId, service);
    return subscriptionMessage(result, service, describeSchedule(this.deps.scheduleFor(channelId)));
  }

  async list(channelId: string): Promise<SlackMessage> {
    const subs = await this.deps.store.subscriptions(channelId);
    return subscriptionListMessage(
      subs.map((s) => s.service),
      describeSchedule(this.deps.scheduleFor(channelId)),
    );
  }
}
