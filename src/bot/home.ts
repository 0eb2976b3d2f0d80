/**
 * The App Home tab (issue 13): on app_home_opened, the open incidents and digest subscriptions of
 * the channels the user is in, published with views.publish. Free of Bolt.
 */

import type { Logger } from 'pino';
import { CHECKLIST_STEP_IDS } from '../domain/checklist';
import { slackMessageLink } from '../domain/timeline';
import type { DigestSchedule } from '../config/schedule';
import { SlackCallError } from '../slack/gateway';
import { homeProblemView, homeView, HOME_MAX_BLOCKS, type HomeChannel, type HomeIncident } from '../slack/home-blocks';
import type { IncidentSlack } from '../slack/incident-gateway';
import type { Store } from '../store/store';
import { describeSchedule } from '../config/schedule';

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

const MISSING_SCOPE_TEXT =
  'pymem cannot tell which channels you are in, so it shows no incidents here. A workspace admin needs to add the scopes `channels:read`, `groups:read`, `im:read` and `mpim:read` to the app (see `manifest.yml`) and reinstall it.';

export class HomeService {
  constructor(private readonly deps: HomeDeps) {}

  /** Builds and publishes `userId`'s Home tab. Never rejects: a failure is logged and reported as 'failed'. */
  async publish(userId: string, log: Logger = this.deps.logger): Promise<HomeOutcome> {
    try {
      const { store } = this.deps;
      let member: string[];
      try {
        member = await this.deps.slack.memberChannels(userId);
      } catch (error) {
        if (!(error instanceof SlackCallError) || error.code !== 'missing_scope') throw error;
        // Without knowing who is in which channel, nothing can be shown safely: say what the admin must add.
        log.warn({ err: error }, 'the Home tab needs users.conversations; the app lacks a scope');
        await this.deps.slack.publishHome(userId, homeProblemView(MISSING_SCOPE_TEXT));
        return 'published';
      }
      const [withIncidents, subscriptions] = await Promise.all([store.channelsWithOpenIncidents(), store.allSubscriptions()]);
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
