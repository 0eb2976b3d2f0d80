/** Pure Block Kit for the daily digest and the subscription replies. */

import type { KnownBlock, PlainTextOption, SectionBlock } from '@slack/types';
import type { DigestEntry, ResolvedNote } from '../domain/digest';
import { isQuiet } from '../domain/digest';
import { formatBytes, formatDuration, formatPercent, formatTime } from '../domain/format';
import type { Links } from '../domain/links';
import { linkButtons, type SlackMessage } from './blocks';
import type { ActionMatcher } from './action-matchers';
import { escapeMrkdwn, joinWithinLimit, SLACK_LIMITS, trimText } from './limits';

export const DIGEST_ACTIONS = {
  /** A service's own "Analyse" button; the action id carries the service so ids stay unique. */
  analyzePrefix: 'digest_analyze',
  analyzeSelect: 'digest_analyze_select',
} as const;

/** What handlers/actions.ts registers for the ids the digest emits. */
export const DIGEST_ACTION_MATCHERS = {
  analyze: new RegExp(`^${DIGEST_ACTIONS.analyzePrefix}:`),
  analyzeSelect: DIGEST_ACTIONS.analyzeSelect,
} as const satisfies Record<string, ActionMatcher>;

/** Detail sections beyond this many are folded into the compact list (Slack allows 50 blocks). */
const MAX_DETAILED = 35;
/** Blocks kept for what follows the detail sections: the compact list and the menu. */
const TAIL_BLOCKS = 2;
/** Slack's static select takes at most 100 options. */
const MAX_SELECT_OPTIONS = 100;

export interface DigestView {
  /** Ranked, with changes since the previous digest. */
  readonly entries: readonly DigestEntry[];
  readonly windowMs: number;
  /** End of the window. */
  readonly endMs: number;
  readonly timeZone: string;
  readonly chartFileId: string | null;
  readonly chartProblem: string | null;
  /** Each service's dashboard and runbook links over the digest's window; a service without any is absent. */
  readonly links?: ReadonlyMap<string, Links>;
  /** Services whose incident in this channel was resolved since the previous digest. */
  readonly resolved?: readonly ResolvedNote[];
}

export function digestMessage(view: DigestView): SlackMessage {
  const { entries } = view;
  const when = formatTime(view.endMs, view.timeZone, view.endMs);
  const resolved = resolvedText(view.resolved ?? [], view.timeZone, view.endMs);
  if (entries.length === 0) {
    return single(`:memo: *Memory digest*: this channel follows no services yet. Add one with \`/pymem subscribe &lt;service&gt;\`.${resolved ? `\n${resolved}` : ''}`);
  }
  if (isQuiet(entries)) {
    const largest = [...entries].filter((e) => e.kind === 'measured').sort((a, b) => Math.abs(growthOf(b)) - Math.abs(growthOf(a)))[0];
    const aside = largest && largest.kind === 'measured' ? ` (largest change ${signedPercent(largest.growthFraction)} on \`${largest.service}\`)` : '';
    return single(`:white_check_mark: *Memory digest*: all ${entries.length} ${entries.length === 1 ? 'service' : 'services'} steady over the last ${formatDuration(view.windowMs)} to ${when}${aside}.${resolved ? `\n${resolved}` : ''}`);
  }

  const grew = entries.filter((e) => e.kind === 'measured' && e.status === 'grew').length;
  const missing = entries.filter((e) => e.kind !== 'measured').length;
  const steady = entries.length - grew - missing;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: trimText(`Memory digest · ${dayOf(view.endMs, view.timeZone)}`, SLACK_LIMITS.headerText) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${entries.length} services · *${grew} grew* · ${steady} steady${missing > 0 ? ` · ${missing} not measured` : ''} · last ${formatDuration(view.windowMs)} to ${when}`,
        },
      ],
    },
  ];
  if (resolved) blocks.push({ type: 'context', block_id: 'digest_resolved', elements: [{ type: 'mrkdwn', text: trimText(resolved, SLACK_LIMITS.contextElementText) }] });
  if (view.chartFileId) {
    blocks.push({ type: 'image', block_id: 'digest_chart', slack_file: { id: view.chartFileId }, alt_text: `Total memory of each service over the last ${formatDuration(view.windowMs)}, growers first` });
  } else if (view.chartProblem) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: trimText(`:warning: No chart this time: ${escapeMrkdwn(view.chartProblem)}`, SLACK_LIMITS.contextElementText) }] });
  }

  const detailed = entries.filter((e) => !(e.kind === 'measured' && e.status !== 'grew'));
  // An entry with links takes two blocks (its section, and a row of link buttons under it): the
  // entries that fit in what is left of Slack's 50 blocks are detailed, most important first, and
  // the rest join the compact list (the menu at the bottom still analyses any of them).
  let budget = SLACK_LIMITS.blocksPerMessage - blocks.length - TAIL_BLOCKS;
  let shownCount = 0;
  for (const entry of detailed) {
    if (shownCount >= MAX_DETAILED) break;
    const links = view.links?.get(entry.service);
    const buttons = links ? linkButtons(links, entry.service, `:${entry.service}`) : [];
    const cost = buttons.length > 0 ? 2 : 1;
    if (cost > budget) break;
    blocks.push(entrySection(entry));
    if (buttons.length > 0) blocks.push({ type: 'actions', block_id: `digest_links_${entry.service}`.slice(0, 255), elements: buttons });
    budget -= cost;
    shownCount++;
  }
  const compact = [...detailed.slice(shownCount), ...entries.filter((e) => e.kind === 'measured' && e.status !== 'grew')];
  if (compact.length > 0) {
    blocks.push({
      type: 'section',
      block_id: 'digest_steady',
      text: {
        type: 'mrkdwn',
        text: joinWithinLimit(
          [`*Steady or shrinking* (${compact.length})`, compact.map(compactText).join(' · ')],
          SLACK_LIMITS.sectionText,
          (left) => `_…and ${left} more_`,
        ),
      },
    });
  }
  const options: PlainTextOption[] = entries.slice(0, MAX_SELECT_OPTIONS).map((e) => ({
    text: { type: 'plain_text', text: trimText(e.service, SLACK_LIMITS.optionText) },
    value: e.service,
  }));
  blocks.push({
    type: 'actions',
    block_id: 'digest_controls',
    elements: [
      {
        type: 'static_select',
        action_id: DIGEST_ACTIONS.analyzeSelect,
        placeholder: { type: 'plain_text', text: 'Full analysis of a service…' },
        options,
      },
    ],
  });
  const text = `Memory digest: ${grew} of ${entries.length} services grew over the last ${formatDuration(view.windowMs)}.`;
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}

function entrySection(entry: DigestEntry): SectionBlock {
  return {
    type: 'section',
    block_id: `digest_${entry.service}`.slice(0, 255),
    text: { type: 'mrkdwn', text: trimText(entryText(entry), SLACK_LIMITS.sectionText) },
    accessory: {
      type: 'button',
      action_id: `${DIGEST_ACTIONS.analyzePrefix}:${entry.service}`.slice(0, 255),
      text: { type: 'plain_text', text: 'Analyse' },
      value: entry.service,
    },
  };
}

export function entryText(entry: DigestEntry): string {
  const name = `*${entry.service}*`;
  switch (entry.kind) {
    case 'no-data':
      return `${name} :grey_question: no data: ${escapeMrkdwn(entry.reason)}${changeText(entry)}`;
    case 'error':
      return `${name} :warning: not measured: ${escapeMrkdwn(entry.message)}${changeText(entry)}`;
    case 'measured': {
      const icon = entry.status === 'grew' ? ':chart_with_upwards_trend:' : entry.status === 'shrank' ? ':chart_with_downwards_trend:' : ':heavy_minus_sign:';
      const growth = `*${signedPercent(entry.growthFraction)}* (${signedBytes(entry.growthBytes)})`;
      const now = entry.limitBytes !== null
        ? `now ${formatBytes(entry.currentBytes)} of ${formatBytes(entry.limitBytes)} (${formatPercent(entry.usedFraction ?? entry.currentBytes / entry.limitBytes)})`
        : `now ${formatBytes(entry.currentBytes)}, no limit known`;
      const forecast = entry.limitBytes === null
        ? ''
        : entry.hoursToLimit === null
          ? ' · not heading for the limit at this rate'
          : entry.hoursToLimit === 0
            ? ' · *at or over the limit*'
            : ` · reaches the limit in ~${formatDuration(entry.hoursToLimit * 3_600_000)}`;
      return `${name} ${icon} ${growth} · ${now}${forecast} · \`${entry.pattern}\`${changeText(entry)}`;
    }
    default: {
      const unknown: never = entry;
      return String(unknown);
    }
  }
}

function changeText(entry: DigestEntry): string {
  const c = entry.change;
  if (!c) return entry.kind === 'measured' ? ' · _new in this digest_' : '';
  if (c.wasMissing && entry.kind === 'measured') return ' · _not measured last time_';
  const parts: string[] = [];
  if (c.previousGrowthFraction !== null) parts.push(`last digest ${signedPercent(c.previousGrowthFraction)}`);
  if (entry.kind === 'measured' && c.previousPattern !== null && c.previousPattern !== entry.pattern) parts.push(`was \`${c.previousPattern}\``);
  return parts.length > 0 ? ` · _${parts.join(', ')}_` : '';
}

function compactText(entry: DigestEntry): string {
  if (entry.kind !== 'measured') return `${entry.service} (${entry.kind === 'error' ? 'not measured' : 'no data'})`;
  return `${entry.service} ${signedPercent(entry.growthFraction)}`;
}

function growthOf(e: DigestEntry): number {
  return e.kind === 'measured' ? e.growthFraction : 0;
}

function signedPercent(fraction: number): string {
  const text = formatPercent(fraction);
  return fraction > 0 ? `+${text}` : text.replace('-', '−');
}

function signedBytes(bytes: number): string {
  const text = formatBytes(Math.abs(bytes));
  return bytes >= 0 ? `+${text}` : `−${text}`;
}

function dayOf(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', month: 'short', day: 'numeric' }).format(new Date(ms));
}

/** "Resolved since the last digest: `checkout-api` (by @alice, 14:05 CET) · …"; empty when none was. */
function resolvedText(resolved: readonly ResolvedNote[], timeZone: string, endMs: number): string {
  if (resolved.length === 0) return '';
  const items = resolved.map((r) => `\`${escapeMrkdwn(r.service)}\` (by <@${r.userId}>, ${formatTime(r.at, timeZone, endMs)})`);
  return joinWithinLimit([`:white_check_mark: Resolved since the last digest: ${items.join(' · ')}`], SLACK_LIMITS.contextElementText, (left) => `_…and ${left} more_`);
}

function single(text: string): SlackMessage {
  return { text: text.replace(/[*_`]|:[a-z_]+:/g, '').trim(), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: trimText(text, SLACK_LIMITS.sectionText) } }] };
}

/** Digests resumed by this subscription (they had been paused because pymem could not post here). */
const RESUMED = ' Digests in this channel had been paused because pymem could not post here; they go out again from now on.';

/** Replies to subscribe / unsubscribe / list. */
export function subscriptionMessage(kind: 'added' | 'exists' | 'removed' | 'absent', service: string, schedule: string, resumed = false): SlackMessage {
  switch (kind) {
    case 'added':
      return single(`:white_check_mark: This channel now gets \`${service}\` in its memory digest (${schedule}).${resumed ? RESUMED : ''}`);
    case 'exists':
      return single(`:information_source: This channel already follows \`${service}\` in its digest (${schedule}).${resumed ? RESUMED : ''}`);
    case 'removed':
      return single(`:wave: \`${service}\` is out of this channel’s digest.`);
    case 'absent':
      return single(`:information_source: This channel’s digest did not include \`${service}\`; nothing changed.`);
    default: {
      const unknown: never = kind;
      return single(String(unknown));
    }
  }
}

/** When a channel's digests are paused: since when (formatted), and why. */
export interface PausedDigests {
  readonly since: string;
  readonly reason: string;
}

export function subscriptionListMessage(services: readonly string[], schedule: string, paused: PausedDigests | null = null): SlackMessage {
  if (services.length === 0) return single(`:memo: This channel follows no services. Add one with \`/pymem subscribe &lt;service&gt;\`; digests go out ${schedule}.`);
  const pausedLine =
    paused === null
      ? []
      : [`:double_vertical_bar: *Paused since ${paused.since}:* pymem could not post here (${paused.reason}). Fix that, then \`/pymem subscribe &lt;service&gt;\` any service to resume.`];
  return single(
    joinWithinLimit(
      [
        `:memo: This channel’s digest (${schedule}) follows ${services.length} ${services.length === 1 ? 'service' : 'services'}:`,
        ...pausedLine,
        services.map((s) => `\`${s}\``).join(', '),
      ],
      SLACK_LIMITS.sectionText,
      (left) => `…and ${left} more`,
    ),
  );
}
