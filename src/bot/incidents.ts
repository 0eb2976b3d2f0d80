/**
 * Resolve and timeline export (issue 13), free of Bolt: a Resolve click records who closed the
 * incident and redraws the report; Export timeline (or `/pymem timeline [service]`) posts the
 * timeline as a Markdown file in the report's thread. Handlers acknowledge Slack first, then call these.
 */

import type { Logger } from 'pino';
import { formatTime } from '../domain/format';
import { renderTimelineMarkdown } from '../domain/timeline';
import { noticeMessage } from '../slack/blocks';
import { SlackCallError, type Reply, type SlackGateway } from '../slack/gateway';
import { tellRequester, type Requester } from './requester';
import type { IncidentSlack } from '../slack/incident-gateway';
import { StoreError, type IncidentRecord, type ResolveResult, type Store } from '../store/store';
import type { MessageUpdater } from './message-updater';
import { incidentStoreFailedText, timelineNotPostedText } from './notices';
import { loadTimeline, timelineFilename, type VerificationSource } from './timeline';

export interface IncidentDeps {
  readonly store: Store;
  readonly slack: IncidentSlack & Pick<SlackGateway, 'postEphemeral'>;
  /** Redraws a report from the store (the report service's updater). */
  readonly updater: Pick<MessageUpdater, 'refresh'>;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly timeZone: string;
  /** The workspace's URL for message links; null when it cannot be told (links then use slack.com). */
  readonly workspaceUrl: () => Promise<string | null>;
  readonly verifications?: VerificationSource | null;
  /** Pause between looks for an incident whose message was posted a moment ago, ms. */
  readonly lookupRetryMs?: number;
}

export interface MessageRequest {
  readonly log?: Logger;
  readonly channelId: string;
  readonly messageTs: string;
  readonly userId: string;
  /** Identity of the Slack request; a redelivery is ignored. */
  readonly requestKey: string;
  readonly reply: Reply;
}

export interface TimelineCommandRequest {
  readonly log?: Logger;
  readonly channelId: string;
  readonly userId: string;
  /** Null: the channel's only open incident. */
  readonly service: string | null;
  readonly deliveryKey: string;
  readonly reply: Reply;
}

export type IncidentOutcome = 'resolved' | 'already-resolved' | 'posted' | 'duplicate' | 'unknown-message' | 'no-incident' | 'ambiguous' | 'failed';


export class IncidentService {
  constructor(private readonly deps: IncidentDeps) {}

  /** The Resolve button: the first resolve stands; the report then says who resolved it and when. */
  async resolve(request: MessageRequest): Promise<IncidentOutcome> {
    const who = this.who(request);
    let incident: IncidentRecord | null;
    let result: ResolveResult;
    try {
      if (!(await this.deps.store.claimDelivery(`resolve:${request.requestKey}`, this.deps.clock()))) return 'duplicate';
      incident = await this.incidentOf(request.channelId, request.messageTs);
      if (!incident) {
        await this.tell(who, 'pymem has no record of this report, so it cannot be resolved here.');
        return 'unknown-message';
      }
      result = await this.deps.store.resolveIncident(incident.id, request.userId, this.deps.clock());
    } catch (error) {
      return this.storeFailed(who, 'resolve the incident', error);
    }
    if (!result.applied) {
      const { userId, at } = result.resolution;
      await this.tell(who, `This incident was already resolved by <@${userId}> at ${formatTime(at, this.deps.timeZone, this.deps.clock())}.`);
    } else {
      who.log.info({ incidentId: incident.id, service: incident.service }, 'incident resolved');
    }
    // Also after a repeat: the message may not have shown the first resolve yet.
    await this.deps.updater.refresh(incident.id);
    return result.applied ? 'resolved' : 'already-resolved';
  }

  /** The Export timeline button: the timeline as a Markdown file in the report's thread. */
  async exportTimeline(request: MessageRequest): Promise<IncidentOutcome> {
    const who = this.who(request);
    let incident: IncidentRecord | null;
    try {
      if (!(await this.deps.store.claimDelivery(`timeline:${request.requestKey}`, this.deps.clock()))) return 'duplicate';
      incident = await this.incidentOf(request.channelId, request.messageTs);
    } catch (error) {
      return this.storeFailed(who, 'read the incident', error);
    }
    if (!incident) {
      await this.tell(who, 'pymem has no record of this report, so it has no timeline to export.');
      return 'unknown-message';
    }
    return this.post(incident, who);
  }

  /**
   * `/pymem timeline [service]`. A slash command carries no thread, so the incident is the latest
   * report on the service in this channel, or without a service the channel's only open one.
   */
  async timelineCommand(request: TimelineCommandRequest): Promise<IncidentOutcome> {
    const who = this.who(request);
    let incident: IncidentRecord | null;
    try {
      if (!(await this.deps.store.claimDelivery(`timeline-command:${request.deliveryKey}`, this.deps.clock()))) return 'duplicate';
      if (request.service !== null) {
        incident = await this.deps.store.latestIncident(request.channelId, request.service);
        if (!incident) {
          await this.tell(who, `There is no pymem report on \`${request.service}\` in this channel, so there is no timeline to export. Run \`/pymem ${request.service}\` first.`);
          return 'no-incident';
        }
      } else {
        const open = await this.deps.store.openIncidents([request.channelId], 10);
        if (open.total !== 1) {
          const services = [...new Set(open.incidents.map((i) => `\`${i.service}\``))];
          await this.tell(
            who,
            open.total === 0
              ? 'There is no open incident in this channel. Name the service: `/pymem timeline <service>` exports the timeline of its latest report here.'
              : `This channel has ${open.total} open incidents (${services.join(', ')}). Name one: \`/pymem timeline <service>\`, or use *Export timeline* under its report.`,
          );
          return open.total === 0 ? 'no-incident' : 'ambiguous';
        }
        incident = open.incidents[0]!;
      }
    } catch (error) {
      return this.storeFailed(who, 'read the incident', error);
    }
    return this.post(incident, who);
  }

  private async post(incident: IncidentRecord, who: Requester): Promise<IncidentOutcome> {
    const now = this.deps.clock();
    let markdown: string;
    try {
      const timeline = await loadTimeline({ store: this.deps.store, timeZone: this.deps.timeZone, verifications: this.deps.verifications ?? null }, incident, await this.workspaceUrl(who.log), now);
      markdown = renderTimelineMarkdown(timeline);
    } catch (error) {
      return this.storeFailed(who, 'read the incident’s timeline', error);
    }
    try {
      await this.deps.slack.uploadThreadFile({
        channel: incident.channelId,
        threadTs: incident.messageTs,
        content: Buffer.from(markdown, 'utf8'),
        filename: timelineFilename(incident.service, now),
        title: `Timeline of the ${incident.service} incident`,
        comment: `Timeline of the \`${incident.service}\` incident, exported by <@${who.userId}>. Times in UTC${this.deps.timeZone === 'UTC' ? '' : ` and ${this.deps.timeZone}`}.`,
      });
    } catch (error) {
      const code = error instanceof SlackCallError ? error.code : 'unknown';
      who.log.warn({ err: error, incidentId: incident.id, code }, 'posting the timeline failed');
      await this.tell(who, timelineNotPostedText(incident.service, code, incident.channelId, incident.messageTs));
      return 'failed';
    }
    who.log.info({ incidentId: incident.id, service: incident.service }, 'timeline exported');
    return 'posted';
  }

  /** The workspace URL for links; a failure costs the links their host, never the export. */
  private async workspaceUrl(log: Logger): Promise<string | null> {
    try {
      return await this.deps.workspaceUrl();
    } catch (error) {
      log.warn({ err: error }, 'could not find the workspace URL; the timeline links to slack.com instead');
      return null;
    }
  }

  /** The message's incident; a click right after posting (or on another replica) may arrive first, so look again briefly. */
  private async incidentOf(channelId: string, messageTs: string): Promise<IncidentRecord | null> {
    for (let attempt = 0; ; attempt++) {
      const incident = await this.deps.store.findIncidentByMessage(channelId, messageTs);
      if (incident || attempt >= 5) return incident;
      await new Promise((resolve) => setTimeout(resolve, this.deps.lookupRetryMs ?? 200));
    }
  }

  private who(request: { readonly log?: Logger; readonly reply: Reply; readonly channelId: string; readonly userId: string }): Requester {
    return { reply: request.reply, channelId: request.channelId, userId: request.userId, log: request.log ?? this.deps.logger };
  }

  private async storeFailed(who: Requester, what: string, error: unknown): Promise<IncidentOutcome> {
    who.log.error({ err: error }, `could not ${what}: the database failed`);
    await this.tell(who, incidentStoreFailedText(what, error instanceof StoreError && error.code === 'unavailable'));
    return 'failed';
  }

  /** Replies to the clicker only; when the response_url fails, as an ephemeral message in the channel. */
  private tell(who: Requester, text: string): Promise<void> {
    return tellRequester(this.deps.slack, who, noticeMessage(text));
  }
}
