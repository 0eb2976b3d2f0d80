/**
 * The App Home tab (issue 13): on app_home_opened, the open incidents and digest subscriptions of
 * the channels the user is in, published with views.publish. Free of Bolt.
 */

import type { Logger } from 'pino';
import { CHECKLIST_STEP_IDS } from '../domain/checklist';
import { slackMessageLink } from '../domain/timeline';
import type { DigestSchedule } from '../config/schedule';
import { homeView, HOME_MAX_BLOCKS, type HomeChannel, type HomeIncident } from '../slack/home-blocks';
import type { IncidentSlack } from '../slack/incident-gateway';
import type { Store } from '../store/store';
import { describeSchedule } from '../digest/digest-runner';

export interface HomeDeps {
  readonly store: Store;
  readonly slack: IncidentSlack;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly timeZone: string;
  /** The digest schedule a channel follows (its own, or the default). */
  readonly scheduleFor: (channelId: string) => DigestSchedule;
  /** When a schedule fires next after the wall clock, ms since epoch; null when it cannot be told. */
  readonly nextRun: (schedule: DigestSchedule) => number | null;
  readonly workspaceUrl: () => Promise<string | null>;
}

export type HomeOutcome = 'published' | 'failed';

export class HomeService {
  constructor(private readonly deps: HomeDeps) {}

  /** Builds and publishes `userId`'s Home tab. Never rejects: a failure is logged and reported as 'failed'. */
  async publish(userId: string, log: Logger = this.deps.logger): Promise<HomeOutcome> {
    try {
      const { store } = this.deps;
      const [withIncidents, subscriptions, member] = await Promise.all([store.channelsWithOpenIncidents(), store.allSubscriptions(), this.deps.slack.memberChannels(userId)]);
      // Only conversations the user is in: a private channel's incidents are not shown to outsiders.
      const mine = new Set(member);
      const visible = [...new Set([...withIncidents, ...subscriptions.map((s) => s.channelId)])].filter((c) => mine.has(c));
      const open = await store.openIncidents(visible, HOME_MAX_BLOCKS);
      const workspaceUrl = await this.deps.workspaceUrl().catch(() => null);
      const incidents: HomeIncident[] = await Promise.all(
        open.incidents.map(async (incident) => {
          const state = await store.checklistState(incident.id);
          return {
            service: incident.service,
            channelId: incident.channelId,
            pattern: incident.report.diagnosis.pattern,
            stepsDone: CHECKLIST_STEP_IDS.filter((id) => state[id]?.checked).length,
            stepsTotal: incident.report.checklist.length,
            createdAt: incident.createdAt,
            link: incident.messageTs === null ? null : slackMessageLink(workspaceUrl, incident.channelId, incident.messageTs),
          };
        }),
      );
      const byChannel = new Map<string, typeof subscriptions>();
      for (const sub of subscriptions) if (mine.has(sub.channelId)) byChannel.set(sub.channelId, [...(byChannel.get(sub.channelId) ?? []), sub]);
      const channels: HomeChannel[] = [...byChannel].map(([channelId, subs]) => {
        const schedule = this.deps.scheduleFor(channelId);
        const paused = subs.find((s) => s.pausedAt !== null);
        return { channelId, services: subs.map((s) => s.service), schedule: describeSchedule(schedule), nextDigestAt: this.deps.nextRun(schedule), pausedReason: paused ? (paused.pausedReason ?? 'pymem could not post here') : null };
      });
      await this.deps.slack.publishHome(userId, homeView({ incidents, openTotal: open.total, channels, timeZone: this.deps.timeZone, now: this.deps.clock() }));
      return 'published';
    } catch (error) {
      log.error({ err: error, userId }, 'could not publish the Home tab');
      return 'failed';
    }
  }
}
