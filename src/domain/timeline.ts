/**
 * The incident timeline for a postmortem: what the report said, then every tick and untick, re-run,
 * verification and the resolution, in time order with who did it. One model, two renderings
 * (Markdown for people, JSON for tools). Pure: times, links and the clock come in as arguments.
 */

import { isPatternId } from './diagnosis';
import { formatDuration } from './format';
import { patternTitle } from './pattern-names';

/** The incident as the timeline needs it (a plain projection of the stored incident and its report). */
export interface TimelineIncident {
  readonly id: string;
  readonly channelId: string;
  readonly service: string;
  /** The report message; null when it was never posted. */
  readonly messageTs: string | null;
  readonly windowMs: number;
  /** The analysed window, ms since epoch. */
  readonly startMs: number;
  readonly endMs: number;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly pattern: string;
  readonly confidence: number;
  readonly verdict: string;
  readonly findings: readonly string[];
  /** The checklist's steps, to name a tick's step by its title. */
  readonly steps: readonly { readonly id: string; readonly title: string }[];
}

export interface TimelineTick {
  readonly stepId: string;
  readonly userId: string;
  readonly checked: boolean;
  readonly at: number;
}

export interface TimelineRerun {
  readonly userId: string;
  readonly at: number;
  readonly windowMs: number;
  readonly pattern: string;
  readonly confidence: number;
  readonly verdict: string;
  /** The thread reply that carried it. */
  readonly messageTs: string;
}

/** A fix verification (`verify`), however it is stored: when, by whom, and what it concluded. */
export interface TimelineVerification {
  readonly at: number;
  readonly kind: 'verify';
  readonly verdict: string;
  readonly by: string;
  /** The message that showed it, when there is one. */
  readonly messageTs?: string | null;
}

export interface TimelineInput {
  readonly incident: TimelineIncident;
  /** In the order the store applied them. */
  readonly ticks: readonly TimelineTick[];
  readonly reruns: readonly TimelineRerun[];
  readonly verifications: readonly TimelineVerification[];
  readonly resolution: { readonly userId: string; readonly at: number } | null;
  /** The configured zone; every time is also given in UTC. */
  readonly timeZone: string;
  /** The workspace's URL (`https://acme.slack.com/`), for message links; null for Slack's generic host. */
  readonly workspaceUrl: string | null;
}

export type TimelineEntry =
  | { readonly kind: 'reported'; readonly at: number; readonly userId: string; readonly link: string | null }
  | { readonly kind: 'ticked' | 'unticked'; readonly at: number; readonly userId: string; readonly stepId: string; readonly stepTitle: string }
  | {
      readonly kind: 'rerun';
      readonly at: number;
      readonly userId: string;
      readonly windowMs: number;
      readonly pattern: string;
      readonly confidence: number;
      readonly verdict: string;
      readonly link: string;
    }
  | { readonly kind: 'verify'; readonly at: number; readonly userId: string; readonly verdict: string; readonly link: string | null }
  | { readonly kind: 'resolved'; readonly at: number; readonly userId: string };

export interface Timeline {
  readonly incident: TimelineIncident;
  readonly link: string | null;
  readonly resolution: { readonly userId: string; readonly at: number } | null;
  readonly timeZone: string;
  /** Oldest first; entries at the same millisecond keep the order they were recorded in. */
  readonly entries: readonly TimelineEntry[];
  readonly generatedAt: number;
}

/** Orders everything that happened to the incident into one list. */
export function buildTimeline(input: TimelineInput, now: number): Timeline {
  const { incident } = input;
  const link = (ts: string | null): string | null => (ts === null ? null : slackMessageLink(input.workspaceUrl, incident.channelId, ts, incident.messageTs));
  const titles = new Map(incident.steps.map((s) => [s.id, s.title]));
  const entries: TimelineEntry[] = [
    { kind: 'reported', at: incident.createdAt, userId: incident.createdBy, link: link(incident.messageTs) },
    ...input.ticks.map(
      (t): TimelineEntry => ({ kind: t.checked ? 'ticked' : 'unticked', at: t.at, userId: t.userId, stepId: t.stepId, stepTitle: titles.get(t.stepId) ?? t.stepId }),
    ),
    ...input.reruns.map(
      (r): TimelineEntry => ({
        kind: 'rerun',
        at: r.at,
        userId: r.userId,
        windowMs: r.windowMs,
        pattern: r.pattern,
        confidence: r.confidence,
        verdict: r.verdict,
        link: slackMessageLink(input.workspaceUrl, incident.channelId, r.messageTs, incident.messageTs),
      }),
    ),
    ...input.verifications.map((v): TimelineEntry => ({ kind: 'verify', at: v.at, userId: v.by, verdict: v.verdict, link: link(v.messageTs ?? null) })),
    ...(input.resolution ? [{ kind: 'resolved', at: input.resolution.at, userId: input.resolution.userId } as const] : []),
  ];
  // Array.prototype.sort is stable: equal times keep the order above (report, ticks as stored, ...).
  entries.sort((a, b) => a.at - b.at);
  return { incident, link: link(incident.messageTs), resolution: input.resolution, timeZone: input.timeZone, entries, generatedAt: now };
}

/**
 * A link to a Slack message: `<workspace>/archives/<channel>/p<ts without the dot>`, with the thread
 * named for a reply. Without the workspace's URL, slack.com's generic host, which Slack sends on to
 * the workspace the reader is signed in to.
 */
export function slackMessageLink(workspaceUrl: string | null, channelId: string, ts: string, threadTs: string | null = null): string {
  const base = (workspaceUrl ?? 'https://slack.com/').replace(/\/+$/, '');
  const thread = threadTs !== null && threadTs !== ts ? `?thread_ts=${encodeURIComponent(threadTs)}&cid=${encodeURIComponent(channelId)}` : '';
  return `${base}/archives/${encodeURIComponent(channelId)}/p${ts.replace('.', '')}${thread}`;
}

/** "2026-03-02 12:05:03 UTC" and the same instant in `timeZone`, "2026-03-02 13:05:03 CET". */
export function formatStamp(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(stampFormat(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}:${parts['second']} ${parts['timeZoneName']}`;
}

const stampFormats = new Map<string, Intl.DateTimeFormat>();

function stampFormat(timeZone: string): Intl.DateTimeFormat {
  let format = stampFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    // Zones come from the configuration: a handful at most.
    if (stampFormats.size >= 64) stampFormats.clear();
    stampFormats.set(timeZone, format);
  }
  return format;
}

function describePattern(pattern: string): string {
  return isPatternId(pattern) ? `\`${pattern}\` (${patternTitle(pattern)})` : `\`${pattern}\``;
}

/** What an entry says, in words, without its time and author. */
function entryText(entry: TimelineEntry, md: (text: string) => string): string {
  switch (entry.kind) {
    case 'reported':
      return `Report posted${entry.link ? ` ([message](${entry.link}))` : ''}`;
    case 'ticked':
      return `Ticked “${md(entry.stepTitle)}”`;
    case 'unticked':
      return `Unticked “${md(entry.stepTitle)}” (reopened)`;
    case 'rerun':
      return `Re-run over the last ${formatDuration(entry.windowMs)}: ${describePattern(entry.pattern)}, confidence ${entry.confidence.toFixed(2)}. ${md(entry.verdict)} ([message](${entry.link}))`;
    case 'verify':
      return `Fix verified: ${md(entry.verdict)}${entry.link ? ` ([message](${entry.link}))` : ''}`;
    case 'resolved':
      return 'Incident resolved';
    default: {
      const unknown: never = entry;
      throw new Error(`unknown timeline entry ${JSON.stringify(unknown)}`);
    }
  }
}

/** Text for a Markdown table cell: no pipes or line breaks to split the row. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline Markdown text from an outside source: the characters that would start markup are escaped. */
function inline(text: string): string {
  return text.replace(/([\\`*_[\]<>])/g, '\\$1').replace(/\r?\n/g, ' ');
}

/** The timeline as a Markdown document, for the postmortem. */
export function renderTimelineMarkdown(t: Timeline): string {
  const i = t.incident;
  const zone = t.timeZone;
  const both = (ms: number): string => (zone === 'UTC' ? formatStamp(ms, 'UTC') : `${formatStamp(ms, 'UTC')} (${formatStamp(ms, zone)})`);
  const status = t.resolution ? `Resolved by @${t.resolution.userId} at ${both(t.resolution.at)}` : 'Open';
  const lines = [
    `# Incident timeline: ${inline(i.service)}`,
    '',
    `- **Service:** ${inline(i.service)}`,
    `- **Channel:** ${i.channelId}${t.link ? ` ([report message](${t.link}))` : ''}`,
    `- **Reported by:** @${i.createdBy} at ${both(i.createdAt)}`,
    `- **Window:** last ${formatDuration(i.windowMs)}, ${both(i.startMs)} – ${both(i.endMs)}`,
    `- **Pattern:** ${describePattern(i.pattern)}, confidence ${i.confidence.toFixed(2)}`,
    `- **Verdict:** ${inline(i.verdict)}`,
    `- **Status:** ${status}`,
    `- **Times:** UTC${zone === 'UTC' ? '' : ` and ${zone}`}; generated ${both(t.generatedAt)}`,
    '',
    '## Findings at the time of the report',
    '',
    ...(i.findings.length === 0 ? ['None.'] : i.findings.map((f) => `- ${inline(f)}`)),
    '',
    '## Timeline',
    '',
    zone === 'UTC' ? '| Time (UTC) | Who | What |' : `| Time (UTC) | Time (${zone}) | Who | What |`,
    zone === 'UTC' ? '|---|---|---|' : '|---|---|---|---|',
    ...t.entries.map((e) => {
      const times = zone === 'UTC' ? [formatStamp(e.at, 'UTC')] : [formatStamp(e.at, 'UTC'), formatStamp(e.at, zone)];
      return `| ${[...times, `@${e.userId}`, entryText(e, inline)].map(cell).join(' | ')} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

/** One instant in both zones, for JSON readers. */
export interface JsonTime {
  /** ISO 8601, UTC. */
  readonly utc: string;
  /** The same instant in the configured zone, "2026-03-02 13:05:03 CET". */
  readonly local: string;
}

/** The timeline as plain JSON (what `pymem timeline --json` prints). */
export function timelineJson(t: Timeline): Record<string, unknown> {
  const i = t.incident;
  const time = (ms: number): JsonTime => ({ utc: new Date(ms).toISOString(), local: formatStamp(ms, t.timeZone) });
  return {
    incident: {
      id: i.id,
      service: i.service,
      channelId: i.channelId,
      messageTs: i.messageTs,
      link: t.link,
      reportedBy: i.createdBy,
      reportedAt: time(i.createdAt),
      window: { ms: i.windowMs, start: time(i.startMs), end: time(i.endMs) },
      pattern: i.pattern,
      confidence: i.confidence,
      verdict: i.verdict,
      findings: i.findings,
      status: t.resolution ? 'resolved' : 'open',
      resolution: t.resolution ? { by: t.resolution.userId, at: time(t.resolution.at) } : null,
    },
    timeZone: t.timeZone,
    generatedAt: time(t.generatedAt),
    events: t.entries.map((e) => {
      const { at, userId, ...rest } = e;
      return { ...rest, at: time(at), user: userId };
    }),
  };
}
