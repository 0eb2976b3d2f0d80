/**
 * The playground's pieces for working a whole incident (issue 13), pure: the Resolve button's
 * confirmation dialog, a shared file's card, the Home tab drawn from the real Home builder, Slack
 * message links, and the demo world that deploys a fix and moves the demo clock on.
 */

import { describe, expect, it } from 'vitest';
import { DemoSource } from '../../src/metrics/demo';
import { DemoWorld, DEPLOY_ROLLOUT_MS } from '../../src/playground/demo-world';
import { PLAYGROUND_CHANNELS, PLAYGROUND_USERS } from '../../src/playground/directory';
import { parseChange, parseHome } from '../../src/playground/page/api';
import { confirmDialog, renderBlocks, type BlockContext } from '../../src/playground/page/blocks';
import { demoStatusText } from '../../src/playground/page/demo-status';
import { fileAttachment, fileBadge, isTextFile } from '../../src/playground/page/files';
import { messageLinkTarget, renderHomeView } from '../../src/playground/page/home-view';
import { attr, textContent, toHtml, type VElement, type VNode } from '../../src/playground/page/vnode';
import { reportMessage, INCIDENT_ACTION_IDS } from '../../src/slack/blocks';
import { homeView } from '../../src/slack/home-blocks';
import { slackMessageLink } from '../../src/domain/timeline';
import { reportFor } from '../support/report-factory';

const ALICE = 'U0ALICE01';
const T = Date.UTC(2026, 2, 2, 12, 5);
const H = 3_600_000;

function context(): BlockContext {
  return {
    selfId: ALICE,
    messageTs: '1772453100.000100',
    userName: (id, label) => PLAYGROUND_USERS.find((u) => u.id === id)?.name ?? (label || id),
    channelName: (id) => PLAYGROUND_CHANNELS.find((c) => c.id === id)?.name ?? null,
  };
}

function elements(node: VNode): VElement[] {
  return node.kind === 'text' ? [] : [node, ...node.children.flatMap(elements)];
}

const byClass = (root: VNode, name: string): VElement[] => elements(root).filter((e) => (attr(e, 'class') ?? '').split(' ').includes(name));

describe('the confirmation dialog', () => {
  const message = reportMessage({
    incidentId: 'inc-1',
    service: 'checkout-api',
    windowMs: 6 * H,
    createdBy: ALICE,
    createdAt: T,
    report: reportFor('one-8w-6h'),
    state: {},
    digestsAvailable: false,
  });

  it('is what the Resolve button asks before its click is sent', () => {
    const tree = renderBlocks(message.blocks, context());
    const resolve = tree.flatMap(elements).find((e) => attr(e, 'data-action-id') === INCIDENT_ACTION_IDS.resolve)!;
    expect(resolve.behaviour?.kind).toBe('button');
    const dialog = resolve.behaviour?.kind === 'button' ? resolve.behaviour.confirm : undefined;
    expect(dialog).toMatchObject({ title: 'Resolve this incident?', confirm: 'Resolve', deny: 'Cancel', style: null });
    // The mrkdwn text is drawn like a message's: bold service name, no HTML from the text.
    expect(textContent(dialog!.text)).toBe('The report on checkout-api will say it was resolved, by you, now. Ticks are still recorded afterwards.');
    expect(toHtml(dialog!.text)).toContain('<strong>checkout-api</strong>');
  });

  it('leaves buttons without a confirm object alone', () => {
    const tree = renderBlocks(message.blocks, context());
    const exportButton = tree.flatMap(elements).find((e) => attr(e, 'data-action-id') === INCIDENT_ACTION_IDS.timeline)!;
    expect(exportButton.behaviour).not.toHaveProperty('confirm');
  });

  it('falls back to Slack-like wording for missing parts and keeps a danger style', () => {
    const dialog = confirmDialog({ text: { type: 'plain_text', text: '<b>really</b>?' }, style: 'danger' }, context())!;
    expect(dialog).toMatchObject({ title: 'Are you sure?', confirm: 'Yes', deny: 'Cancel', style: 'danger' });
    expect(toHtml(dialog.text)).toContain('&lt;b&gt;really&lt;/b&gt;?');
    expect(confirmDialog('nonsense', context())).toBeNull();
    expect(confirmDialog({ title: { type: 'plain_text', text: 'Go?' }, style: 'loud' }, context())!.style).toBeNull();
  });
});

describe('a shared file', () => {
  const timeline = { id: 'F0TIMELINE', name: 'checkout-api-timeline-20261208-0447.md', title: 'Timeline of the checkout-api incident', mimetype: 'text/markdown' };

  it('is a card with its title, name, a download link and a plain-text preview for text', () => {
    const card = fileAttachment(timeline);
    expect(attr(card, 'data-file-id')).toBe('F0TIMELINE');
    expect(textContent(byClass(card, 'file-title')[0]!)).toBe(timeline.title);
    expect(textContent(byClass(card, 'file-name')[0]!)).toBe(timeline.name);
    expect(textContent(byClass(card, 'file-icon')[0]!)).toBe('MD');
    const download = byClass(card, 'file-download')[0]!;
    expect(attr(download, 'href')).toBe('/files/F0TIMELINE');
    expect(attr(download, 'download')).toBe(timeline.name);
    expect(byClass(card, 'file-preview-toggle')[0]!.behaviour).toEqual({ kind: 'file_preview', url: '/files/F0TIMELINE' });
  });

  it('offers no preview for a binary file, and escapes a hostile name', () => {
    const card = fileAttachment({ id: 'F0ZIP', name: '<img src=x onerror=alert(1)>.zip', title: '', mimetype: 'application/zip' });
    expect(byClass(card, 'file-preview-toggle')).toEqual([]);
    expect(toHtml(card)).not.toContain('<img');
    // No title: the name stands in.
    expect(textContent(byClass(card, 'file-title')[0]!)).toBe('<img src=x onerror=alert(1)>.zip');
  });

  it('tells text files and their badges', () => {
    expect(isTextFile({ mimetype: 'application/octet-stream', name: 'notes.md' })).toBe(true);
    expect(isTextFile({ mimetype: 'text/plain', name: 'x' })).toBe(true);
    expect(isTextFile({ mimetype: 'application/pdf', name: 'x.pdf' })).toBe(false);
    expect(fileBadge({ mimetype: 'application/pdf', name: 'report' })).toBe('FILE');
    expect(fileBadge({ mimetype: 'text/plain', name: 'report' })).toBe('TXT');
  });
});

describe('the Home tab', () => {
  const link = slackMessageLink('https://playground.slack.com/', 'C0CHECKOUT1', '1772453100.000100');

  it('draws the view the bot publishes, with the incident linking to its report', () => {
    const view = homeView({
      incidents: [{ service: 'checkout-api', channelId: 'C0CHECKOUT1', pattern: 'one-worker-growing', stepsDone: 2, stepsTotal: 5, createdAt: T - H, link }],
      openTotal: 1,
      channels: [],
      timeZone: 'UTC',
      now: T,
    });
    const home = parseHome(JSON.parse(JSON.stringify({ user: ALICE, view: { blocks: view.blocks, publishes: 2, publishedAt: T } })));
    const tree = renderHomeView(home, context());
    expect(attr(tree, 'data-publishes')).toBe('2');
    expect(byClass(tree, 'b-header').map(textContent)).toEqual(['Open incidents', 'Digest subscriptions']);
    const anchor = elements(tree).find((e) => e.tag === 'a' && textContent(e) === 'checkout-api')!;
    expect(attr(anchor, 'href')).toBe(link);
    expect(textContent(tree)).toContain('#incident-checkout · checklist 2/5 done · opened 60 min ago');
  });

  it('says so before the bot has published anything', () => {
    expect(textContent(renderHomeView(parseHome({ user: ALICE, view: null }), context()))).toContain('pymem has not published this Home tab yet');
    expect(() => parseHome({ view: { blocks: 'x' } })).toThrow('the playground sent a Home view without a list blocks');
  });

  it('reads message links so the page can jump to the message', () => {
    expect(messageLinkTarget(link)).toEqual({ channel: 'C0CHECKOUT1', ts: '1772453100.000100' });
    expect(messageLinkTarget(`${link}?thread_ts=1772453000.000100&cid=C0CHECKOUT1`)).toEqual({ channel: 'C0CHECKOUT1', ts: '1772453100.000100' });
    expect(messageLinkTarget('https://grafana.example/d/memory')).toBeNull();
    expect(messageLinkTarget('not a url')).toBeNull();
  });

  it('hears whose Home tab was published', () => {
    expect(parseChange('{"kind":"home_published","user":"U0ALICE01"}')).toEqual({ kind: 'home_published', user: ALICE });
  });
});

describe('the demo world', () => {
  const request = (service: string, endMs: number, durationMs: number) => ({ service, window: { endMs, durationMs } });

  it('moves the demo clock on, never back, and tells the page', () => {
    let real = T;
    const world = new DemoWorld(() => real);
    expect(world.now()).toBe(T);
    world.skipAhead(30 * 60_000);
    real += 1_000;
    expect(world.now()).toBe(T + 30 * 60_000 + 1_000);
    expect(world.state()).toEqual({ offsetMs: 30 * 60_000, now: T + 30 * 60_000 + 1_000, fixes: [] });
    expect(() => world.skipAhead(8 * 24 * H)).toThrow('a week ahead');
  });

  it('deploys a fix once per known service, and the rollout moves the clock on', () => {
    const world = new DemoWorld(() => T);
    expect(world.deployFix('checkout-api')).toEqual({ service: 'checkout-api', at: T });
    expect(world.now()).toBe(T + DEPLOY_ROLLOUT_MS);
    expect(() => world.deployFix('checkout-api')).toThrow('already has its fix');
    expect(() => world.deployFix('nope-api')).toThrow('there is no demo service called "nope-api"');
  });

  it('leaves the data before the fix as it was, and stops the growth after it', async () => {
    const end = T + 3 * H;
    const fixedAt = T + H;
    const plain = await new DemoSource().fetchService(request('checkout-api', end, 6 * H));
    const fixed = await new DemoSource(15, (s) => (s === 'checkout-api' ? fixedAt : null)).fetchService(request('checkout-api', end, 6 * H));
    const { grid } = plain;
    const fixIndex = Math.floor((fixedAt - grid.startMs) / grid.stepMs);
    // Every worker's samples before the fix are the same as without it.
    const key = (labels: object): string => JSON.stringify(labels);
    const fixedByPid = new Map(fixed.memory.map((m) => [key(m.labels), m]));
    for (const m of plain.memory) {
      const same = fixedByPid.get(key(m.labels));
      expect(same, `worker ${key(m.labels)}`).toBeDefined();
      expect(Array.from(same!.values.slice(0, fixIndex))).toEqual(Array.from(m.values.slice(0, fixIndex)));
    }
    // After it: every one of the 8 workers is a new process, and none of them grows (the leaking one did 68 MiB/h).
    const finite = (values: Float64Array): number[] => Array.from(values).map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
    const bornAfter = fixed.memory.filter((s) => (finite(s.values)[0] ?? -1) >= fixIndex);
    expect(bornAfter).toHaveLength(8);
    for (const s of bornAfter) {
      const idx = finite(s.values);
      // Past the warm-up (30 min), over the last hour and a half.
      const from = s.values[idx[Math.floor(idx.length / 4)]!]!;
      const to = s.values[idx[idx.length - 1]!]!;
      expect(Math.abs(to - from) / 1024 / 1024).toBeLessThan(30);
    }
    // Without the fix, the leaking worker is far bigger by the end.
    const last = (values: Float64Array): number => values[finite(values).at(-1)!]!;
    expect(Math.max(...plain.memory.map((m) => last(m.values)))).toBeGreaterThan(Math.max(...bornAfter.map((m) => last(m.values))) + 150 * 1024 * 1024);
  });

  it('says how far ahead the clock is', () => {
    expect(demoStatusText({ offsetMs: 0, now: T, fixes: [] }, 'UTC')).toBe('Demo clock 12:05 (real time)');
    expect(demoStatusText({ offsetMs: 125 * 60_000, now: T, fixes: [{ service: 'checkout-api', at: T - H }] }, 'UTC')).toBe('Demo clock 12:05 (2 h 5 min ahead)\nFix deployed to checkout-api at 11:05');
  });
});
