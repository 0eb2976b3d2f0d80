/**
 * Block Kit for verifying a fix (issue 13): the result posted in the report's thread, the buttons
 * that ask for it, and what the report's header says about the latest verdict. Pure.
 */

import type { Button, KnownBlock } from '@slack/types';
import { formatDuration, formatTime } from '../domain/format';
import { patternTitle } from '../domain/pattern-names';
import { formatPeriodRate, judgedWorkers, verdictTitle, type PeriodSummary, type Verification, type VerifyVerdict } from '../domain/verify';
import type { ActionMatcher } from './action-matchers';
import { escapeMrkdwn, joinWithinLimit, SLACK_LIMITS, trimText } from './limits';

/** action_ids of the verification buttons. */
export const VERIFY_ACTIONS = {
  /** "Verify fix" under a report. Value: the incident id. */
  verify: 'report_verify',
  /** "Check again in 1 h" under a verification. Value: the incident id. */
  recheck: 'report_verify_recheck',
} as const;

/** What handlers/verify.ts registers for these ids (see action-matchers.ts); the catch-all leaves them out. */
export const VERIFY_ACTION_MATCHERS = {
  verify: VERIFY_ACTIONS.verify,
  recheck: VERIFY_ACTIONS.recheck,
} as const satisfies Record<string, ActionMatcher>;

/** How long after the click a "Check again" runs. */
export const RECHECK_AFTER_MS = 60 * 60_000;

const VERDICT_EMOJI: Readonly<Record<VerifyVerdict, string>> = {
  fixed: ':white_check_mark:',
  'not-fixed': ':x:',
  improved: ':small_orange_diamond:',
  'too-early': ':hourglass:',
  'no-growth-before': ':grey_question:',
};


export function verifyButton(incidentId: string): Button {
  return { type: 'button', action_id: VERIFY_ACTIONS.verify, text: { type: 'plain_text', text: 'Verify fix' }, value: incidentId };
}

export function recheckButton(incidentId: string): Button {
  return { type: 'button', action_id: VERIFY_ACTIONS.recheck, text: { type: 'plain_text', text: 'Check again in 1 h' }, value: incidentId };
}

/** What the report's header says after a verification: "· fixed". Plain text (a header block). */
export function headerVerdictSuffix(verdict: string): string {
  const known = isVerdict(verdict) ? verdictTitle(verdict) : verdict;
  return ` · ${known}`;
}

/** The context line under the report's header: the latest verdict, who asked and when. */
export function latestVerdictBlock(latest: { readonly verdict: string; readonly summary: string; readonly requestedBy: string; readonly at: number }, timeZone: string): KnownBlock {
  const emoji = isVerdict(latest.verdict) ? VERDICT_EMOJI[latest.verdict] : ':mag:';
  const who = latest.requestedBy === 'schedule' ? 'scheduled re-check' : `<@${latest.requestedBy}>`;
  return {
    type: 'context',
    block_id: 'latest_verification',
    elements: [
      {
        type: 'mrkdwn',
        text: trimText(`${emoji} *Latest fix verification* (${who}, ${formatTime(latest.at, timeZone, latest.at)}): ${escapeMrkdwn(latest.summary)}`, SLACK_LIMITS.contextElementText),
      },
    ],
  };
}

export interface VerificationView {
  readonly incidentId: string;
  readonly verification: Verification;
  readonly chartFileId: string | null;
  readonly chartProblem: string | null;
  /** Slack user id, or null for a scheduled re-check. */
  readonly requestedBy: string | null;
  readonly at: number;
  readonly timeZone: string;
  readonly sourceDescription: string;
}

/** The verification, posted in the report's thread. */
export function verificationMessage(view: VerificationView): { readonly text: string; readonly blocks: KnownBlock[] } {
  const v = view.verification;
  const endMs = Date.parse(v.after.end);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: trimText(`${v.service} — fix verification: ${verdictTitle(v.verdict)}`, SLACK_LIMITS.headerText), emoji: true } },
    {
      type: 'section',
      block_id: 'verification_verdict',
      text: {
        type: 'mrkdwn',
        text: trimText(
          `${VERDICT_EMOJI[v.verdict]} *${escapeMrkdwn(v.summary)}*\nVerdict \`${v.verdict}\`${v.confidence === null ? '' : ` · confidence ${v.confidence.toFixed(2)}`} · change at ${formatTime(Date.parse(v.since), view.timeZone, endMs)}${originText(v)}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    },
    {
      type: 'section',
      block_id: 'verification_periods',
      fields: [periodField('Before', v.before, view.timeZone, endMs), periodField('After', v.after, view.timeZone, endMs)],
    },
  ];
  if (view.chartFileId !== null) {
    blocks.push({
      type: 'image',
      block_id: 'verification_chart',
      slack_file: { id: view.chartFileId },
      alt_text: trimText(`Memory per worker of ${v.service} before and after ${v.since}: ${verdictTitle(v.verdict)}`, SLACK_LIMITS.altText),
    });
  } else if (view.chartProblem !== null) {
    blocks.push({
      type: 'context',
      block_id: 'verification_chart_missing',
      elements: [{ type: 'mrkdwn', text: trimText(`:warning: No chart this time: ${escapeMrkdwn(view.chartProblem)}`, SLACK_LIMITS.contextElementText) }],
    });
  }
  if (v.findings.length > 0) {
    blocks.push({
      type: 'section',
      block_id: 'verification_findings',
      text: {
        type: 'mrkdwn',
        text: joinWithinLimit(['*Findings*', ...v.findings.map((f) => `• ${escapeMrkdwn(f)}`)], SLACK_LIMITS.sectionText, (left) => `_…and ${left} more; run \`pymem verify ${v.service} --json\` for all of them._`),
      },
    });
  }
  blocks.push({ type: 'actions', block_id: 'verification_controls', elements: [recheckButton(view.incidentId)] });
  const who = view.requestedBy === null ? 'Scheduled re-check' : `Verified for <@${view.requestedBy}>`;
  blocks.push({
    type: 'context',
    block_id: 'verification_footer',
    elements: [{ type: 'mrkdwn', text: trimText(`${who} at ${formatTime(view.at, view.timeZone, view.at)} · data from ${escapeMrkdwn(view.sourceDescription)}`, SLACK_LIMITS.contextElementText) }],
  });
  return { text: trimText(`${v.service}: fix verification — ${verdictTitle(v.verdict)}. ${v.summary}`, SLACK_LIMITS.fallbackText), blocks };
}

function originText(v: Verification): string {
  switch (v.sinceOrigin) {
    case 'deploy':
      return ' (the latest deploy: every worker replaced)';
    case 'report':
      return ' (when the report was posted: no deploy in the window)';
    case 'given':
      return '';
    default: {
      const unknown: never = v.sinceOrigin;
      return String(unknown);
    }
  }
}

function periodField(title: string, p: PeriodSummary, timeZone: string, endMs: number): { type: 'mrkdwn'; text: string } {
  const rate = formatPeriodRate(p, 'range');
  const grew = p.workers.filter((w) => w.grew).length;
  const judged = judgedWorkers(p).length;
  const lines = [
    `*${title}* · ${formatDuration(p.durationSeconds * 1000)} from ${formatTime(Date.parse(p.start), timeZone, endMs)}`,
    `All workers: ${rate}`,
    judged === 0 ? 'Too few samples to judge each worker' : `${grew} of ${judged} workers grew`,
    p.pattern === null ? 'Pattern: too few samples' : `Pattern: ${patternTitle(p.pattern)}`,
  ];
  return { type: 'mrkdwn', text: trimText(lines.join('\n'), 2000) };
}

/** The acknowledgement: the work starts now. */
export function verifyingText(service: string): string {
  return `:hourglass_flowing_sand: Verifying the fix for \`${service}\`: comparing memory growth before and after the change…`;
}

export function recheckScheduledText(service: string, dueAt: number, timeZone: string): string {
  return `:alarm_clock: pymem will verify \`${service}\` again at ${formatTime(dueAt, timeZone, dueAt)} and post the result in the report's thread.`;
}

function isVerdict(value: string): value is VerifyVerdict {
  return value in VERDICT_EMOJI;
}
