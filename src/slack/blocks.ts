/**
 * Pure Block Kit builders for everything pymem posts. No I/O: tests snapshot them and the
 * playground renders the same JSON.
 */

import type { ActionsBlock, Button, Checkboxes, ContextBlock, KnownBlock, PlainTextOption, SectionBlock, StaticSelect } from '@slack/types';
import type { InsufficientData } from '../domain/diagnosis';
import { renderDoctorTable, sourceLine, type DoctorReport } from '../domain/doctor';
import { CHECKLIST_STEP_IDS, type ChecklistStep, type ChecklistStepId } from '../domain/checklist';
import type { ChecklistState } from '../domain/checklist-state';
import { formatDuration, formatTime } from '../domain/format';
import { LINK_KINDS, type LinkKind, type Links } from '../domain/links';
import { patternTitle } from '../domain/pattern-names';
import type { StoredReport } from '../domain/report';
import type { ActionMatcher } from './action-matchers';
import { escapeMrkdwn, joinWithinLimit, SLACK_LIMITS, trimText } from './limits';
import { headerVerdictSuffix, latestVerdictBlock, verifyButton } from './verify-blocks';

/** Every interactive element of the checklist has an action_id starting with this. */
export const CHECKLIST_ACTION_PREFIX = 'checklist';
export const ACTION_IDS = {
  rerun: 'report_rerun',
  window: 'report_window',
  subscribe: 'report_subscribe',
} as const;

/** The incident's own buttons under a report (issue 13). */
export const INCIDENT_ACTION_IDS = {
  resolve: 'report_resolve',
  timeline: 'report_timeline',
} as const;

/** Windows offered by the "change window" menu, in milliseconds. */
export const WINDOW_CHOICES: readonly { readonly label: string; readonly ms: number }[] = [
  { label: 'Last 1 hour', ms: 3_600_000 },
  { label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
];

/**
 * Every link button (dashboard, runbook) has an action_id starting with this. Slack opens the URL
 * and still sends the click to the app, which only acknowledges it.
 */
export const LINK_ACTION_PREFIX = 'link';

const LINK_LABELS: Readonly<Record<LinkKind, string>> = { dashboard: 'Dashboard', runbook: 'Runbook' };

export function checklistActionId(step: ChecklistStepId): string {
  return `${CHECKLIST_ACTION_PREFIX}:${step}`;
}

/** What handlers/actions.ts registers for the ids these builders emit, so the two cannot drift apart. */
export const ACTION_MATCHERS = {
  /** The prefix alone: a click on a step pymem does not know still reaches the handler, which says it could not read it. */
  checklist: new RegExp(`^${CHECKLIST_ACTION_PREFIX}`),
  rerun: ACTION_IDS.rerun,
  window: ACTION_IDS.window,
  subscribe: ACTION_IDS.subscribe,
  link: new RegExp(`^${LINK_ACTION_PREFIX}:`),
} as const satisfies Record<string, ActionMatcher>;

/** What handlers/incident.ts registers for the incident buttons (kept out of the catch-all like the rest). */
export const INCIDENT_ACTION_MATCHERS = {
  resolve: INCIDENT_ACTION_IDS.resolve,
  timeline: INCIDENT_ACTION_IDS.timeline,
} as const satisfies Record<string, ActionMatcher>;

export interface ReportView {
  readonly incidentId: string;
  readonly service: string;
  readonly windowMs: number;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly report: StoredReport;
  readonly state: ChecklistState;
  /** Show the subscribe button (when daily digests are available). */
  readonly digestsAvailable: boolean;
  /** The latest fix verification, shown in the header (issue 13); absent or null before any. */
  readonly latestVerification?: { readonly verdict: string; readonly summary: string; readonly requestedBy: string; readonly at: number } | null;
  /** Who resolved the incident and when; absent or null while it is open. */
  readonly resolution?: { readonly userId: string; readonly at: number } | null;
}

export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

/** A message as the answer to a slash command or a click: only the requester sees it, or the whole channel. */
export function commandResponse(message: SlackMessage, visibility: 'ephemeral' | 'in_channel' = 'ephemeral'): { response_type: 'ephemeral' | 'in_channel'; text: string; blocks: KnownBlock[] } {
  return { response_type: visibility, text: message.text, blocks: message.blocks };
}

/** A reply through a request's response_url that only the requester sees, below the message clicked (never replacing it). */
export function ephemeralReply(message: SlackMessage): { response_type: 'ephemeral'; replace_original: false; text: string; blocks: KnownBlock[] } {
  return { response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks };
}

/** The same, text only (a failure notice where no blocks are needed). */
export function ephemeralTextReply(text: string): { response_type: 'ephemeral'; replace_original: false; text: string } {
  return { response_type: 'ephemeral', replace_original: false, text };
}

/** The incident report: verdict, chart, findings, the interactive checklist and controls. */
export function reportMessage(view: ReportView): SlackMessage {
  const { report } = view;
  const d = report.diagnosis;
  const done = CHECKLIST_STEP_IDS.filter((id) => view.state[id]?.checked).length;
  const startHere = firstOpenFocus(report.checklist, view.state);
  const resolution = view.resolution ?? null;
  const blocks: KnownBlock[] = [
    header(`${resolution ? 'Resolved: ' : ''}${view.service} — ${patternTitle(d.pattern)}${view.latestVerification ? headerVerdictSuffix(view.latestVerification.verdict) : ''}`),
    ...(resolution ? [resolutionBlock(resolution, report.timeZone)] : []),
    ...(view.latestVerification ? [latestVerdictBlock(view.latestVerification, report.timeZone)] : []),
    ...analysisBlocks(view.service, report, view.windowMs),
    { type: 'divider' },
    {
      type: 'section',
      block_id: 'checklist_header',
      text: { type: 'mrkdwn', text: `*Investigation checklist* · ${done}/${report.checklist.length} done` },
    },
    ...report.checklist.flatMap((step, i) => stepBlocks(step, i, view.state, report.timeZone, i === startHere)),
    controls(view),
    {
      type: 'context',
      block_id: 'footer',
      elements: [
        {
          type: 'mrkdwn',
          text: `Run by <@${view.createdBy}> at ${formatTime(view.createdAt, report.timeZone, view.createdAt)} · data from ${escapeMrkdwn(report.sourceDescription)}`,
        },
        sourceElement(d.source),
      ],
    },
  ];
  const text = fallbackText(view.service, report, done);
  return { text: resolution ? trimText(`Resolved · ${text}`, SLACK_LIMITS.fallbackText) : text, blocks: withinBlockLimit(blocks) };
}

/** The line under a resolved report's header: who closed it and when; the checklist stays usable. */
function resolutionBlock(resolution: { readonly userId: string; readonly at: number }, timeZone: string): KnownBlock {
  return {
    type: 'context',
    block_id: 'resolution',
    elements: [
      {
        type: 'mrkdwn',
        text: `:white_check_mark: *Resolved* by <@${resolution.userId}> at ${formatTime(resolution.at, timeZone, resolution.at)}. Ticks are still recorded for the timeline.`,
      },
    ],
  };
}

/** Which source the series came from and the memory PromQL sent, for the footer. */
function sourceElement(source: StoredReport['diagnosis']['source']): { type: 'mrkdwn'; text: string } {
  const query = source.queries.memory.replace(/`/g, "'");
  return { type: 'mrkdwn', text: trimText(`${escapeMrkdwn(sourceLine(source))} · memory: \`${escapeMrkdwn(query)}\``, SLACK_LIMITS.contextElementText) };
}

/** A fresh analysis posted in the incident's thread (re-run or another window); the checklist stays on the original. */
export function rerunMessage(service: string, windowMs: number, report: StoredReport, requestedBy: string, at: number): SlackMessage {
  const blocks: KnownBlock[] = [
    header(`${service} — ${patternTitle(report.diagnosis.pattern)}`),
    ...analysisBlocks(service, report, windowMs),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Re-run by <@${requestedBy}> at ${formatTime(at, report.timeZone, at)} over the last ${formatDuration(windowMs)}. The checklist stays on the original message.`,
        },
        sourceElement(report.diagnosis.source),
      ],
    },
  ];
  return { text: fallbackText(service, report, null), blocks: withinBlockLimit(blocks) };
}

function analysisBlocks(service: string, report: StoredReport, windowMs: number): KnownBlock[] {
  const d = report.diagnosis;
  const end = Date.parse(d.window.end);
  const start = Date.parse(d.window.start);
  const mixed = d.pattern === 'mixed' ? ` (${d.secondary.map((p) => patternTitle(p)).join(' + ')})` : '';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'verdict',
      text: {
        type: 'mrkdwn',
        text: trimText(
          `*${escapeMrkdwn(d.verdict)}*\nPattern \`${d.pattern}\`${mixed} · confidence ${d.confidence.toFixed(2)}${d.confidenceNote ? ` (${escapeMrkdwn(d.confidenceNote)})` : ''} · last ${formatDuration(windowMs)} (${formatTime(start, report.timeZone, end)} – ${formatTime(end, report.timeZone, end)})`,
          SLACK_LIMITS.sectionText,
        ),
      },
    },
  ];
  if (report.chartFileId) {
    blocks.push({
      type: 'image',
      block_id: 'chart',
      slack_file: { id: report.chartFileId },
      alt_text: trimText(`Memory per worker of ${service} over the last ${formatDuration(windowMs)}: ${patternTitle(d.pattern)}`, SLACK_LIMITS.altText),
    });
  } else if (report.chartProblem) {
    blocks.push({
      type: 'context',
      block_id: 'chart_missing',
      elements: [{ type: 'mrkdwn', text: trimText(`:warning: No chart this time: ${escapeMrkdwn(report.chartProblem)}`, SLACK_LIMITS.contextElementText) }],
    });
  }
  const findings = d.findings.map((f) => `• ${escapeMrkdwn(f)}`);
  if (findings.length > 0) {
    blocks.push({
      type: 'section',
      block_id: 'findings',
      text: {
        type: 'mrkdwn',
        text: joinWithinLimit(['*Findings*', ...findings], SLACK_LIMITS.sectionText, (left) => `_…and ${left} more; run \`pymem analyze ${service} --json\` for all of them._`),
      },
    });
  }
  if (d.warnings.length > 0) {
    blocks.push({
      type: 'context',
      block_id: 'warnings',
      elements: [{ type: 'mrkdwn', text: trimText(`:warning: ${d.warnings.map(escapeMrkdwn).join(' · ')}`, SLACK_LIMITS.contextElementText) }],
    });
  }
  const links = report.links ? linkButtons(report.links, service, '') : [];
  if (links.length > 0) blocks.push({ type: 'actions', block_id: 'links', elements: links });
  return blocks;
}

/**
 * One button per configured link, in a fixed order. `idSuffix` keeps action_ids unique when a
 * message has several sets (a digest: one per service). A URL over Slack's limit is left out (the
 * configuration check makes that unlikely): Slack would refuse the whole message for it.
 */
export function linkButtons(links: Links, service: string, idSuffix: string): Button[] {
  return LINK_KINDS.flatMap((kind): Button[] => {
    const url = links[kind];
    if (url === null || url.length > SLACK_LIMITS.buttonUrl) return [];
    return [
      {
        type: 'button',
        action_id: `${LINK_ACTION_PREFIX}:${kind}${idSuffix}`.slice(0, 255),
        text: { type: 'plain_text', text: LINK_LABELS[kind] },
        url,
        accessibility_label: trimText(`Open the ${kind} for ${service}`, SLACK_LIMITS.accessibilityLabel),
      },
    ];
  });
}

/**
 * The step to point at: the first open one the pattern makes most relevant. Only one says
 * "start here"; any other relevant open step is marked as such, so two arrows never compete.
 */
function firstOpenFocus(checklist: readonly ChecklistStep[], state: ChecklistState): number {
  return checklist.findIndex((step) => step.focus && !(state[step.id]?.checked ?? false));
}

function focusMark(step: ChecklistStep, checked: boolean, startHere: boolean): string {
  if (!step.focus || checked) return '';
  return startHere ? '  :point_left: start here' : '  · _key for this pattern_';
}

function stepBlocks(step: ChecklistStep, index: number, state: ChecklistState, timeZone: string, startHere: boolean): KnownBlock[] {
  const current = state[step.id];
  const checked = current?.checked ?? false;
  const option = { text: { type: 'mrkdwn' as const, text: checked ? '*Done*' : 'Done' }, value: step.id };
  const checkbox: Checkboxes = {
    type: 'checkboxes',
    action_id: checklistActionId(step.id),
    options: [option],
    ...(checked ? { initial_options: [option] } : {}),
  };
  const title = `${checked ? '~' : ''}*${index + 1}. ${step.title}*${checked ? '~' : ''}${focusMark(step, checked, startHere)}`;
  const next = step.next.map((n) => `› ${n}`);
  const section: SectionBlock = {
    type: 'section',
    block_id: `step_${step.id}`,
    text: {
      type: 'mrkdwn',
      text: joinWithinLimit([title, `_Found:_ ${escapeMrkdwn(step.found)}`, ...next], SLACK_LIMITS.sectionText, (left) => `_…${left} more suggestions_`),
    },
    accessory: checkbox,
  };
  const status: ContextBlock = {
    type: 'context',
    block_id: `status_${step.id}`,
    elements: [
      {
        type: 'mrkdwn',
        text: current
          ? current.checked
            ? `:white_check_mark: Done by <@${current.userId}> at ${formatTime(current.at, timeZone, current.at)}`
            : `:arrow_backward: Reopened by <@${current.userId}> at ${formatTime(current.at, timeZone, current.at)}`
          : 'Not done yet',
      },
    ],
  };
  return [section, status];
}

function controls(view: ReportView): ActionsBlock {
  const current = WINDOW_CHOICES.find((w) => w.ms === view.windowMs);
  const options: PlainTextOption[] = WINDOW_CHOICES.map((w) => ({ text: { type: 'plain_text', text: w.label }, value: String(w.ms) }));
  const select: StaticSelect = {
    type: 'static_select',
    action_id: ACTION_IDS.window,
    placeholder: { type: 'plain_text', text: 'Change window' },
    options,
    ...(current ? { initial_option: options[WINDOW_CHOICES.indexOf(current)]! } : {}),
  };
  const rerun: Button = {
    type: 'button',
    action_id: ACTION_IDS.rerun,
    text: { type: 'plain_text', text: 'Re-run analysis' },
    value: view.incidentId,
  };
  const elements: ActionsBlock['elements'] = [rerun, select, verifyButton(view.incidentId)];
  if (view.digestsAvailable) {
    elements.push({
      type: 'button',
      action_id: ACTION_IDS.subscribe,
      text: { type: 'plain_text', text: 'Subscribe to daily digest' },
      value: view.service,
    });
  }
  elements.push({ type: 'button', action_id: INCIDENT_ACTION_IDS.timeline, text: { type: 'plain_text', text: 'Export timeline' }, value: view.incidentId });
  if (!view.resolution) {
    elements.push({
      type: 'button',
      action_id: INCIDENT_ACTION_IDS.resolve,
      text: { type: 'plain_text', text: 'Resolve' },
      style: 'primary',
      value: view.incidentId,
      // A click by mistake would tell the whole channel the incident is over.
      confirm: {
        title: { type: 'plain_text', text: 'Resolve this incident?' },
        text: { type: 'mrkdwn', text: trimText(`The report on *${escapeMrkdwn(view.service)}* will say it was resolved, by you, now. Ticks are still recorded afterwards.`, 300) },
        confirm: { type: 'plain_text', text: 'Resolve' },
        deny: { type: 'plain_text', text: 'Cancel' },
      },
    });
  }
  return { type: 'actions', block_id: 'controls', elements };
}

/** Short ephemeral messages: help, progress, errors. */
export function noticeMessage(text: string, details: readonly string[] = []): SlackMessage {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: trimText(text, SLACK_LIMITS.sectionText) } }];
  if (details.length > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: joinWithinLimit(details.map((d) => `• ${d}`), SLACK_LIMITS.sectionText, (left) => `_…and ${left} more_`) },
    });
  }
  return { text: trimText(text.replace(/[*_`]/g, ''), SLACK_LIMITS.fallbackText), blocks };
}

export function insufficientDataMessage(data: InsufficientData): SlackMessage {
  return noticeMessage(`:mag: *pymem cannot diagnose \`${data.service}\` from this data.* ${escapeMrkdwn(data.message)}`, data.guidance.map(escapeMrkdwn));
}

export function helpMessage(commandName: string): SlackMessage {
  const lines = [
    `*\`${commandName} &lt;service&gt; [window]\`* analyses a Python service's memory and posts the chart and an investigation checklist in this channel. Window: \`1h\`, \`6h\` (default), \`24h\`, \`7d\`.`,
    `*\`${commandName} verify &lt;service&gt; [since &lt;time&gt;]\`* checks whether a fix worked: it compares the memory growth before and after the change (by default the latest deploy, else the report) and posts the verdict in the report's thread. Time: \`14:05\`, \`2026-03-02T14:05:00Z\` or \`deploy\`.`,
    `*\`${commandName} doctor &lt;service&gt; [window]\`* shows which metrics pymem finds for the service (per process or per pod), which it would read, and how to pin or improve that. Only you see the answer.`,
    `*\`${commandName} timeline [service]\`* posts the timeline of the service's latest report in this channel (every tick, re-run and the resolution, with who and when) as a Markdown file in the report's thread; without a service, of the channel's only open incident. *Export timeline* under a report does the same for that report.`,
    `*\`${commandName} help\`* shows this.`,
  ];
  return noticeMessage(lines.join('\n'), [
    'Each checklist step shows what pymem already found and what to run next; tick it off when done, the whole channel sees who did what and when.',
    'Re-run or change the window from the buttons under the report; the fresh analysis goes into the thread.',
    'After a fix, press *Verify fix* under the report; *Check again in 1 h* under the result asks pymem to look again later.',
  ]);
}

/** `/pymem doctor`: the sources table as a code block, the choice, and what to pin or add; only the requester sees it. */
export function doctorMessage(report: DoctorReport, windowMs: number): SlackMessage {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'doctor_title',
      text: {
        type: 'mrkdwn',
        text: trimText(`*Which metrics pymem reads for \`${report.service}\`* · last ${formatDuration(windowMs)} · data from ${escapeMrkdwn(report.backend)}`, SLACK_LIMITS.sectionText),
      },
    },
    codeSection('doctor_table', '', renderDoctorTable(report.rows)),
    { type: 'section', block_id: 'doctor_choice', text: { type: 'mrkdwn', text: trimText(`*${escapeMrkdwn(report.summary)}*`, SLACK_LIMITS.sectionText) } },
    ...report.advice.map((a, i) => (a.code === null ? noticeSection(`doctor_advice_${i}`, escapeMrkdwn(a.text)) : codeSection(`doctor_advice_${i}`, escapeMrkdwn(a.text), a.code))),
  ];
  if (report.failures.length > 0) {
    blocks.push({
      type: 'context',
      block_id: 'doctor_failures',
      elements: [{ type: 'mrkdwn', text: joinWithinLimit(['Queries the backend refused (those sources are ruled out):', ...report.failures.map((f) => `• ${escapeMrkdwn(f)}`)], SLACK_LIMITS.contextElementText, (left) => `_…and ${left} more_`) }],
    });
  }
  return { text: trimText(`${report.service}: ${report.summary}`, SLACK_LIMITS.fallbackText), blocks: withinBlockLimit(blocks) };
}

function noticeSection(blockId: string, text: string): KnownBlock {
  return { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: trimText(text, SLACK_LIMITS.sectionText) } };
}

/** Words, then a code block; the code is cut (by whole lines) so the closing fence always fits in 3,000 characters. */
function codeSection(blockId: string, text: string, code: string): KnownBlock {
  const intro = text === '' ? '' : `${trimText(text, 1000)}\n`;
  const room = SLACK_LIMITS.sectionText - intro.length - '```\n```'.length;
  const lines = escapeMrkdwn(code.replace(/```/g, "'''")).split('\n');
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (length + line.length + 1 > room - 2) {
      kept.push('…');
      break;
    }
    kept.push(line);
    length += line.length + 1;
  }
  return { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: `${intro}\`\`\`${kept.join('\n')}\`\`\`` } };
}

function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: trimText(text, SLACK_LIMITS.headerText), emoji: true } };
}

function fallbackText(service: string, report: StoredReport, done: number | null): string {
  const d = report.diagnosis;
  const progress = done === null ? '' : ` · checklist ${done}/${report.checklist.length}`;
  return trimText(`${service}: ${patternTitle(d.pattern)} (confidence ${d.confidence.toFixed(2)})${progress}. ${d.verdict}`, SLACK_LIMITS.fallbackText);
}

/** The report has far fewer than 50 blocks by construction; this guards the invariant if that ever changes. */
function withinBlockLimit(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocksPerMessage) return blocks;
  return [...blocks.slice(0, SLACK_LIMITS.blocksPerMessage - 1), { type: 'context', elements: [{ type: 'mrkdwn', text: '_Some parts were left out to fit Slack’s limits._' }] }];
}
