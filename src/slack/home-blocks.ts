/**
 * The App Home tab (pure): the open incidents in channels the user can see, and those channels'
 * digest subscriptions with the next digest time. A Home view takes at most 100 blocks, so long
 * lists are cut with "…and N more".
 */

import type { HomeView, KnownBlock } from '@slack/types';
import { isPatternId } from '../domain/diagnosis';
import { formatDuration, formatTime } from '../domain/format';
import { patternTitle } from '../domain/pattern-names';
import { escapeMrkdwn, SLACK_LIMITS, trimText } from './limits';

/** Slack's limit on blocks in a modal or Home view. */
export const HOME_MAX_BLOCKS = 100;

export interface HomeIncident {
  readonly service: string;
  readonly channelId: string;
  readonly pattern: string;
  readonly stepsDone: number;
  readonly stepsTotal: number;
  readonly createdAt: number;
  /** The report message, when a link can be made. */
  readonly link: string | null;
}

export interface HomeChannel {
  readonly channelId: string;
  readonly services: readonly string[];
  /** "daily at 08:00 Europe/Berlin". */
  readonly schedule: string;
  /** The next digest, ms since epoch; null when it cannot be told. */
  readonly nextDigestAt: number | null;
  /** Why digests are paused here, when they are. */
  readonly pausedReason: string | null;
}

export interface HomeInput {
  /** Newest first; possibly only the first ones of `openTotal`. */
  readonly incidents: readonly HomeIncident[];
  readonly openTotal: number;
  readonly channels: readonly HomeChannel[];
  readonly timeZone: string;
  readonly now: number;
}

/** Blocks kept for the titles, the divider and the two "…and N more" lines. */
const FRAME_BLOCKS = 7;

/** The Home tab: at most HOME_MAX_BLOCKS blocks, whatever the number of incidents and channels. */
export function homeView(input: HomeInput): HomeView {
  const room = HOME_MAX_BLOCKS - FRAME_BLOCKS;
  // Incidents first: they are what someone opens the tab for; subscriptions get what is left, at least a fifth.
  const channelRoom = Math.max(Math.floor(room / 5), room - input.incidents.length);
  const incidentRoom = room - Math.min(channelRoom, input.channels.length);
  const shown = input.incidents.slice(0, incidentRoom);
  const moreIncidents = input.openTotal - shown.length;
  const channels = input.channels.slice(0, room - shown.length);
  const moreChannels = input.channels.length - channels.length;

  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Open incidents' } },
    {
      type: 'context',
      block_id: 'home_updated',
      elements: [{ type: 'mrkdwn', text: `In channels you are in · updated ${formatTime(input.now, input.timeZone, input.now)}` }],
    },
  ];
  if (shown.length === 0) {
    blocks.push(section('home_no_incidents', 'No open incidents. Run `/pymem <service>` in a channel to start one.'));
  }
  shown.forEach((incident, i) => blocks.push(section(`home_incident_${i}`, incidentLine(incident, input.now))));
  if (moreIncidents > 0) blocks.push(more('home_incidents_more', moreIncidents, 'open incidents'));
  blocks.push({ type: 'divider' });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Digest subscriptions' } });
  if (channels.length === 0) {
    blocks.push(section('home_no_subscriptions', 'None in your channels. `/pymem subscribe <service>` in a channel sends it a daily memory digest.'));
  }
  channels.forEach((channel, i) => blocks.push(section(`home_channel_${i}`, channelLine(channel, input.timeZone, input.now))));
  if (moreChannels > 0) blocks.push(more('home_channels_more', moreChannels, 'channels'));
  return { type: 'home', blocks };
}

function incidentLine(incident: HomeIncident, now: number): string {
  const name = escapeMrkdwn(incident.service);
  const title = incident.link ? `*<${incident.link}|${name}>*` : `*${name}*`;
  const pattern = isPatternId(incident.pattern) ? patternTitle(incident.pattern) : escapeMrkdwn(incident.pattern);
  const age = formatDuration(Math.max(0, now - incident.createdAt));
  return `${title} — ${pattern}\n<#${incident.channelId}> · checklist ${incident.stepsDone}/${incident.stepsTotal} done · opened ${age} ago`;
}

function channelLine(channel: HomeChannel, timeZone: string, now: number): string {
  const services = channel.services.map((s) => `\`${escapeMrkdwn(s)}\``).join(', ');
  const when =
    channel.pausedReason !== null
      ? `:double_vertical_bar: paused: ${escapeMrkdwn(channel.pausedReason)}`
      : channel.nextDigestAt !== null
        ? `next digest ${formatTime(channel.nextDigestAt, timeZone, now)} (${escapeMrkdwn(channel.schedule)})`
        : `digests ${escapeMrkdwn(channel.schedule)}`;
  return `<#${channel.channelId}>: ${services}\n${when}`;
}

function section(blockId: string, text: string): KnownBlock {
  return { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: trimText(text, SLACK_LIMITS.sectionText) } };
}

function more(blockId: string, count: number, what: string): KnownBlock {
  return { type: 'context', block_id: blockId, elements: [{ type: 'mrkdwn', text: `…and ${count} more ${what}.` }] };
}

/** A Home tab that only explains why the lists cannot be shown (e.g. the app lacks a scope). */
export function homeProblemView(text: string): HomeView {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Open incidents' } },
      section('home_problem', text),
    ],
  };
}
