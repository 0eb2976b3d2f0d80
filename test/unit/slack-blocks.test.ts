import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '@slack/types';
import { ACTION_IDS, checklistActionId, helpMessage, insufficientDataMessage, reportMessage, rerunMessage, WINDOW_CHOICES } from '../../src/slack/blocks';
import { joinWithinLimit, SLACK_LIMITS, trimText } from '../../src/slack/limits';
import { CHECKLIST_STEP_IDS } from '../../src/domain/checklist';
import { guidanceFor } from '../../src/domain/analyze';
import { reportFor } from '../support/report-factory';

const T = Date.UTC(2026, 2, 2, 12, 5);

function view(overrides: Partial<Parameters<typeof reportMessage>[0]> = {}): Parameters<typeof reportMessage>[0] {
  return {
    incidentId: 'inc-1',
    service: 'ow-a',
    windowMs: 6 * 3_600_000,
    createdBy: 'U0CREATOR',
    createdAt: T,
    report: reportFor('one-8w-6h'),
    state: {},
    digestsAvailable: false,
    ...overrides,
  };
}

/** Every text a block carries, to check Slack's length limits. */
function texts(blocks: readonly KnownBlock[]): { kind: string; text: string }[] {
  const out: { kind: string; text: string }[] = [];
  for (const b of blocks) {
    if (b.type === 'section' && b.text) out.push({ kind: 'section', text: b.text.text });
    if (b.type === 'header') out.push({ kind: 'header', text: b.text.text });
    if (b.type === 'context') for (const e of b.elements) if ('text' in e && typeof e.text === 'string') out.push({ kind: 'context', text: e.text });
  }
  return out;
}

describe('the report message', () => {
  it('has the verdict, the chart, the findings, five checklist steps and the controls', () => {
    const { blocks, text } = reportMessage(view());
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'ow-a — one worker growing', emoji: true } });
    expect(blocks.find((b) => b.type === 'image')).toMatchObject({ slack_file: { id: 'F0CHART01' } });
    const findings = blocks.find((b) => b.block_id === 'findings');
    expect(JSON.stringify(findings)).toMatch(/pid \d+ on web-\d grew/);
    for (const id of CHECKLIST_STEP_IDS) {
      const step = blocks.find((b) => b.block_id === `step_${id}`);
      expect(step, id).toMatchObject({ accessory: { type: 'checkboxes', action_id: checklistActionId(id) } });
    }
    const actions = blocks.find((b) => b.type === 'actions');
    expect(JSON.stringify(actions)).toContain(ACTION_IDS.rerun);
    expect(JSON.stringify(actions)).toContain(ACTION_IDS.window);
    expect(JSON.stringify(actions)).not.toContain(ACTION_IDS.subscribe);
    expect(text).toMatch(/^ow-a: one worker growing \(confidence/);
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  });

  it('every interactive checklist element has an action_id starting with "checklist"', () => {
    const { blocks } = reportMessage(view());
    const ids = JSON.stringify(blocks).match(/"action_id":"[^"]+"/g) ?? [];
    const checklist = ids.filter((id) => id.includes('checklist'));
    expect(checklist).toHaveLength(5);
    for (const id of checklist) expect(id).toMatch(/"action_id":"checklist/);
  });

  it('shows ticks, who ticked and when, and the progress', () => {
    const state = {
      'find-worker': { checked: true, userId: 'U0ALICE', at: T + 60_000 },
      'worker-changes': { checked: false, userId: 'U0BOB', at: T + 120_000 },
    } as const;
    const { blocks, text } = reportMessage(view({ state }));
    expect(JSON.stringify(blocks.find((b) => b.block_id === 'checklist_header'))).toContain('1/5 done');
    expect(blocks.find((b) => b.block_id === 'step_find-worker')).toMatchObject({ accessory: { initial_options: [{ value: 'find-worker' }] } });
    expect(blocks.find((b) => b.block_id === 'step_worker-changes')).not.toHaveProperty('accessory.initial_options');
    expect(JSON.stringify(blocks.find((b) => b.block_id === 'status_find-worker'))).toContain('Done by <@U0ALICE> at 12:06 UTC');
    expect(JSON.stringify(blocks.find((b) => b.block_id === 'status_worker-changes'))).toContain('Reopened by <@U0BOB>');
    expect(JSON.stringify(blocks.find((b) => b.block_id === 'status_cache-queue-bounds'))).toContain('Not done yet');
    expect(text).toContain('checklist 1/5');
  });

  it('points at one step to start with, and moves on when that one is done', () => {
    const titleOf = (blocks: readonly KnownBlock[], id: string): string => {
      const block = blocks.find((b) => b.block_id === `step_${id}`);
      return block?.type === 'section' ? (block.text?.text.split('\n')[0] ?? '') : '';
    };
    // One worker growing: finding the worker and its allocation paths both matter; only the first says so first.
    const fresh = reportMessage(view()).blocks;
    expect(titleOf(fresh, 'find-worker')).toMatch(/:point_left: start here$/);
    expect(titleOf(fresh, 'allocation-paths')).toMatch(/key for this pattern_$/);
    expect(JSON.stringify(fresh).match(/start here/g)).toHaveLength(1);
    const next = reportMessage(view({ state: { 'find-worker': { checked: true, userId: 'U0ALICE', at: T } } })).blocks;
    expect(titleOf(next, 'find-worker')).not.toMatch(/start here|key for/);
    expect(titleOf(next, 'allocation-paths')).toMatch(/:point_left: start here$/);
  });

  it('says why there is no chart when the upload failed', () => {
    const { blocks } = reportMessage(view({ report: reportFor('one-8w-6h', { chartFileId: null, chartProblem: 'uploading the chart to Slack failed (internal_error).' }) }));
    expect(blocks.some((b) => b.type === 'image')).toBe(false);
    expect(JSON.stringify(blocks)).toContain('No chart this time: uploading the chart to Slack failed (internal_error).');
  });

  it('offers the four windows and preselects the current one', () => {
    const { blocks } = reportMessage(view({ windowMs: 24 * 3_600_000 }));
    const select = JSON.stringify(blocks.find((b) => b.type === 'actions'));
    expect(WINDOW_CHOICES.map((w) => w.label)).toEqual(['Last 1 hour', 'Last 6 hours', 'Last 24 hours', 'Last 7 days']);
    expect(select).toContain('"initial_option":{"text":{"type":"plain_text","text":"Last 24 hours"},"value":"86400000"}');
  });

  it('shows the subscribe button when digests are available', () => {
    expect(JSON.stringify(reportMessage(view({ digestsAvailable: true })).blocks)).toContain(ACTION_IDS.subscribe);
  });

  it('stays within Slack limits however long the findings get, without cutting words', () => {
    const base = reportFor('mixed-one-and-traffic-24h');
    const long = { ...base, diagnosis: { ...base.diagnosis, findings: Array.from({ length: 80 }, (_, i) => `Finding number ${i} says something rather long about pid ${1000 + i} and its memory growth over the window.`) } };
    const { blocks } = reportMessage(view({ report: long }));
    for (const { kind, text } of texts(blocks)) {
      const max = kind === 'header' ? SLACK_LIMITS.headerText : kind === 'context' ? SLACK_LIMITS.contextElementText : SLACK_LIMITS.sectionText;
      expect(text.length, kind).toBeLessThanOrEqual(max);
    }
    const findings = JSON.stringify(blocks.find((b) => b.block_id === 'findings'));
    expect(findings).toMatch(/more; run `pymem analyze ow-a --json` for all of them/);
    expect(findings).not.toMatch(/memory gro…/);
  });

  it('escapes mrkdwn control characters coming from label values', () => {
    const base = reportFor('one-8w-6h');
    const evil = { ...base, diagnosis: { ...base.diagnosis, findings: ['pid 1 on <!channel> & friends grew'] } };
    expect(JSON.stringify(reportMessage(view({ report: evil })).blocks)).toContain('&lt;!channel&gt; &amp; friends');
  });
});

describe('other messages', () => {
  it('re-run messages carry the analysis but no checklist', () => {
    const { blocks } = rerunMessage('ow-a', 24 * 3_600_000, reportFor('one-8w-6h'), 'U0BOB', T);
    expect(blocks.some((b) => b.type === 'image')).toBe(true);
    expect(JSON.stringify(blocks)).not.toContain('checklist:');
    expect(JSON.stringify(blocks)).toContain('Re-run by <@U0BOB>');
  });

  it('help names the command it was called with', () => {
    expect(JSON.stringify(helpMessage('/memory').blocks)).toContain('`/memory &lt;service&gt; [window]`');
  });

  it('insufficient data explains how to export per-worker memory', () => {
    const message = insufficientDataMessage({
      service: 'multiproc-api',
      window: { start: '', end: '', durationSeconds: 0, stepSeconds: 15 },
      reason: 'no-memory-series',
      message: 'The memory query returned no series.',
      guidance: guidanceFor('no-memory-series'),
    });
    expect(JSON.stringify(message.blocks)).toContain('multiprocess');
  });
});

describe('trimming', () => {
  it('cuts at a word boundary and never inside code or a mention', () => {
    expect(trimText('alpha beta gamma delta', 12)).toBe('alpha beta…');
    expect(trimText('run `py-spy dump --pid 4312` now', 20)).toBe('run…');
    expect(trimText('done by <@U012345678> today', 15)).toBe('done by…');
    const joined = joinWithinLimit(['one', 'two', 'three', 'four'], 14, (n) => `+${n}`);
    expect(joined).toBe('one\ntwo\n+2');
  });
});

describe('the source in the footer', () => {
  const podSource = {
    preset: 'cadvisor',
    granularity: 'pod',
    selection: 'auto',
    queries: { memory: 'container_memory_working_set_bytes{container="ow-a"}', traffic: null, jobs: null, limit: null, up: null, restarts: null },
  } as const;
  const withSource = (): Parameters<typeof reportMessage>[0] => {
    const report = reportFor('one-8w-6h');
    return view({ report: { ...report, diagnosis: { ...report.diagnosis, source: podSource } } });
  };

  it('names the source, how it was chosen and the memory PromQL, in the report and a re-run', () => {
    const footer = reportMessage(withSource()).blocks.find((b) => b.block_id === 'footer');
    expect(JSON.stringify(footer)).toContain('Source: cAdvisor container memory, one series per pod (auto-detected) · memory: `container_memory_working_set_bytes{container=\\"ow-a\\"}`');
    const rerun = rerunMessage('ow-a', 3_600_000, withSource().report, 'U0OTHER', T);
    expect(JSON.stringify(rerun.blocks)).toContain('Source: cAdvisor container memory, one series per pod (auto-detected)');
  });

  it('a memory query with backticks or thousands of characters stays within the context limit', () => {
    const base = withSource();
    const memory = `sum(${'x`'.repeat(3000)})`;
    const report = { ...base.report, diagnosis: { ...base.report.diagnosis, source: { ...podSource, queries: { ...podSource.queries, memory } } } };
    const { blocks } = reportMessage({ ...base, report });
    for (const t of texts(blocks)) expect(t.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElementText);
    const footer = JSON.stringify(blocks.find((b) => b.block_id === 'footer'));
    expect(footer).toContain('Source: cAdvisor');
    expect(footer).not.toContain('x`');
  });
});
