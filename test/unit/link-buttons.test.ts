/** The dashboard and runbook buttons in Block Kit: under a report, a re-run, and each digest entry. */

import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AnalysisEngine } from '../../src/analysis/engine';
import { DigestService } from '../../src/digest/digest-service';
import type { LinkContext } from '../../src/domain/links';
import { SqliteStore } from '../../src/store/sqlite';
import { growthStatus, rankEntries, type DigestEntry } from '../../src/domain/digest';
import { checkLinkTemplate, renderLinks, type Links } from '../../src/domain/links';
import { upgradeStoredReport, type StoredReport } from '../../src/domain/report';
import { LINK_ACTION_PREFIX, reportMessage, rerunMessage } from '../../src/slack/blocks';
import { DIGEST_ACTIONS, digestMessage, type DigestView } from '../../src/slack/digest-blocks';
import { SLACK_LIMITS } from '../../src/slack/limits';
import { AccessGate } from '../../src/bot/access-gate';
import { validateBlocks } from '../../src/slack-standin/block-validation';
import { reportFor } from '../support/report-factory';

const T = Date.UTC(2026, 2, 2, 12, 5);
const LINKS: Links = {
  dashboard: 'https://grafana.example/d/abc/memory?var-service=ow-a&from=1772431200000&to=1772452800000',
  runbook: 'https://wiki.example/runbooks/ow-a',
};

function reportView(links: Links | null): Parameters<typeof reportMessage>[0] {
  return { incidentId: 'inc-1', service: 'ow-a', windowMs: 6 * 3_600_000, createdBy: 'U0CREATOR', createdAt: T, report: reportFor('one-8w-6h', { links }), state: {}, digestsAvailable: true };
}

function block(blocks: readonly KnownBlock[], id: string): KnownBlock | undefined {
  return blocks.find((b) => b.block_id === id);
}

function buttonsOf(b: KnownBlock | undefined): Button[] {
  expect(b?.type).toBe('actions');
  return (b as ActionsBlock).elements as Button[];
}

/** Slack's limits on one link button. */
function expectWithinButtonLimits(button: Button): void {
  expect(button.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
  expect(button.url!.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonUrl);
  expect(button.action_id!.length).toBeLessThanOrEqual(255);
  expect(button.accessibility_label!.length).toBeLessThanOrEqual(SLACK_LIMITS.accessibilityLabel);
  expect(button.action_id!.startsWith(`${LINK_ACTION_PREFIX}:`)).toBe(true);
}

describe('link buttons under a report', () => {
  it('one button per configured link, with the rendered URL, after the findings and before the checklist', () => {
    const { blocks } = reportMessage(reportView(LINKS));
    const buttons = buttonsOf(block(blocks, 'links'));
    expect(buttons).toEqual([
      { type: 'button', action_id: 'link:dashboard', text: { type: 'plain_text', text: 'Dashboard' }, url: LINKS.dashboard, accessibility_label: 'Open the dashboard for ow-a' },
      { type: 'button', action_id: 'link:runbook', text: { type: 'plain_text', text: 'Runbook' }, url: LINKS.runbook, accessibility_label: 'Open the runbook for ow-a' },
    ]);
    const at = (id: string) => blocks.findIndex((b) => b.block_id === id);
    expect(at('links')).toBeGreaterThan(at('findings'));
    expect(at('links')).toBeLessThan(at('checklist_header'));
    for (const b of buttons) expectWithinButtonLimits(b);
    expect(validateBlocks(blocks)).toEqual([]);
  });

  it('only the configured ones, and no block at all without links', () => {
    expect(buttonsOf(block(reportMessage(reportView({ dashboard: null, runbook: LINKS.runbook })).blocks, 'links')).map((b) => b.text.text)).toEqual(['Runbook']);
    const without = reportMessage(reportView(null)).blocks;
    expect(block(without, 'links')).toBeUndefined();
    expect(JSON.stringify(without)).not.toContain('"url"');
  });

  it('the link buttons carry no value the bot would act on, and the controls are unchanged', () => {
    const { blocks } = reportMessage(reportView(LINKS));
    for (const b of buttonsOf(block(blocks, 'links'))) expect(b.value).toBeUndefined();
    expect(buttonsOf(block(blocks, 'controls')).map((e) => e.action_id)).toEqual(['report_rerun', 'report_window', 'report_verify', 'report_subscribe', 'report_timeline', 'report_resolve']);
  });

  it('a re-run in the thread has them too, for its own window', () => {
    const weekLinks = { dashboard: 'https://grafana.example/d/abc?from=1771848300000', runbook: null };
    const { blocks } = rerunMessage('ow-a', 7 * 86_400_000, reportFor('one-8w-6h', { links: weekLinks }), 'U0OTHER', T);
    expect(buttonsOf(block(blocks, 'links')).map((b) => b.url)).toEqual([weekLinks.dashboard]);
    expect(validateBlocks(blocks)).toEqual([]);
  });

  it('leaves out a URL over Slack’s 3000 characters rather than have the whole report refused', () => {
    const long = `https://grafana.example/d/abc?q=${'x'.repeat(3000)}`;
    const { blocks } = reportMessage(reportView({ dashboard: long, runbook: LINKS.runbook }));
    expect(buttonsOf(block(blocks, 'links')).map((b) => b.text.text)).toEqual(['Runbook']);
    expect(validateBlocks(blocks)).toEqual([]);
  });

  it('a report stored before links existed reads back without links, and its message has no link row', () => {
    const { links: _dropped, ...old } = reportFor('one-8w-6h', { links: LINKS });
    const upgraded = upgradeStoredReport(old as StoredReport);
    expect(upgraded.links).toBeNull();
    expect(block(reportMessage({ ...reportView(null), report: upgraded }).blocks, 'links')).toBeUndefined();
    expect(upgradeStoredReport(reportFor('one-8w-6h', { links: LINKS })).links).toEqual(LINKS);
  });

  it('the stand-in would refuse the button if its URL were over the limit (the check above can fail)', () => {
    const { blocks } = reportMessage(reportView(LINKS));
    const tampered = JSON.parse(JSON.stringify(blocks).replace(LINKS.runbook!, `https://wiki.example/${'r'.repeat(3000)}`)) as unknown;
    expect(validateBlocks(tampered).map((p) => p.pointer)).toEqual([expect.stringMatching(/^\/blocks\/\d+\/elements\/1\/url$/)]);
  });
});

// ---------------------------------------------------------------------------------------------
// The digest

const MIB = 1024 * 1024;
const grower = (service: string, i: number): DigestEntry => {
  const growthBytes = (100 + i) * MIB;
  const startBytes = 1000 * MIB;
  return { kind: 'measured', service, status: growthStatus(growthBytes, growthBytes / startBytes), pattern: 'all-workers-growing', startBytes, currentBytes: startBytes + growthBytes, growthBytes, growthFraction: growthBytes / startBytes, limitBytes: null, usedFraction: null, hoursToLimit: null, change: null };
};
const steady = (service: string): DigestEntry => ({ ...(grower(service, 0) as Extract<DigestEntry, { kind: 'measured' }>), status: 'steady', growthBytes: 0, growthFraction: 0 });

/** A name of the longest length pymem accepts, nearly all ":" (three characters each once URL-encoded), made unique by its number. */
const longName = (i: number): string => `svc-${String(i).padStart(5, '0')}-${':'.repeat(128 - 10)}`;
/** Templates as long as the start-up check lets them be (it tries the longest name there is). */
const LONG_TEMPLATES: Links = {
  dashboard: `https://grafana.example/d/abc/memory?var-service=$service&from=$from_ms&to=$to_ms&pad=${'p'.repeat(2528)}`,
  runbook: `https://wiki.example/runbooks/$service?pad=${'r'.repeat(2583)}`,
};
const END = Date.UTC(2026, 2, 2, 8);

function digestView(entries: DigestEntry[], links: (service: string) => Links | null, chart: 'file' | 'problem' | 'none' = 'file'): DigestView {
  const map = new Map<string, Links>();
  for (const e of entries) {
    const l = links(e.service);
    if (l !== null) map.set(e.service, l);
  }
  return {
    entries: rankEntries(entries),
    windowMs: 86_400_000,
    endMs: END,
    timeZone: 'Europe/Berlin',
    chartFileId: chart === 'file' ? 'F0DIGEST01' : null,
    chartProblem: chart === 'problem' ? 'the chart could not be drawn (logged).' : null,
    links: map,
  };
}

const rendered = (templates: Links) => (service: string) => renderLinks(templates, { service, startMs: END - 86_400_000, endMs: END }, SLACK_LIMITS.buttonUrl);

describe('link buttons in the digest', () => {
  it('each detailed entry gets a row with its own links, over the digest window', () => {
    const entries = [grower('checkout-api', 3), grower('search-api', 2), steady('billing-worker')];
    const { blocks } = digestMessage(digestView(entries, rendered({ dashboard: 'https://g.example/d?s=$service&from=$from&to=$to', runbook: 'https://wiki.example/$service' })));
    const row = buttonsOf(block(blocks, 'digest_links_checkout-api'));
    expect(row.map((b) => [b.action_id, b.url])).toEqual([
      ['link:dashboard:checkout-api', 'https://g.example/d?s=checkout-api&from=2026-03-01T08%3A00%3A00Z&to=2026-03-02T08%3A00%3A00Z'],
      ['link:runbook:checkout-api', 'https://wiki.example/checkout-api'],
    ]);
    // Right under its entry, whose own Analyse button stays where it was.
    const at = blocks.findIndex((b) => b.block_id === 'digest_checkout-api');
    expect(blocks[at + 1]!.block_id).toBe('digest_links_checkout-api');
    expect(blocks[at]).toMatchObject({ accessory: { action_id: `${DIGEST_ACTIONS.analyzePrefix}:checkout-api` } });
    expect(block(blocks, 'digest_links_search-api')).toBeDefined();
    // A steady service is in the compact list, without buttons.
    expect(block(blocks, 'digest_links_billing-worker')).toBeUndefined();
    expect(validateBlocks(blocks)).toEqual([]);
  });

  it('an entry without links has no row, and the digest without links is as before', () => {
    const entries = [grower('a', 2), grower('b', 1)];
    const { blocks } = digestMessage(digestView(entries, (s) => (s === 'a' ? { dashboard: 'https://g.example/a', runbook: null } : null)));
    expect(buttonsOf(block(blocks, 'digest_links_a'))).toHaveLength(1);
    expect(block(blocks, 'digest_links_b')).toBeUndefined();
    const plain = digestMessage(digestView(entries, () => null));
    expect(JSON.stringify(plain.blocks)).not.toContain(LINK_ACTION_PREFIX);
  });

  it('with links, detailed entries take two blocks each; those that do not fit join the compact list', () => {
    const entries = Array.from({ length: 40 }, (_, i) => grower(`svc-${String(i).padStart(2, '0')}`, 40 - i));
    const { blocks } = digestMessage(digestView(entries, rendered(LONG_TEMPLATES)));
    const detailed = blocks.filter((b) => b.block_id?.startsWith('digest_svc-'));
    const rows = blocks.filter((b) => b.block_id?.startsWith('digest_links_'));
    // 50 blocks: header, summary, chart, the compact list and the menu leave 45, so 22 entries with their rows.
    expect(detailed).toHaveLength(22);
    expect(rows).toHaveLength(22);
    expect(blocks.length).toBe(49);
    // The largest growers are the ones detailed; the others are named in the compact list.
    expect(detailed.map((b) => b.block_id)).toEqual(entries.slice(0, 22).map((e) => `digest_${e.service}`));
    expect(JSON.stringify(block(blocks, 'digest_steady'))).toContain('svc-22');
    // Without links, as many as before (35).
    expect(digestMessage(digestView(entries, () => null)).blocks.filter((b) => b.block_id?.startsWith('digest_svc-'))).toHaveLength(35);
  });

  it.each(['file', 'problem', 'none'] as const)('stays within 50 blocks at every size up to 60 growers, with the chart %s', (chart) => {
    for (let n = 1; n <= 60; n++) {
      const entries = Array.from({ length: n }, (_, i) => grower(`svc-${String(i).padStart(2, '0')}`, n - i));
      const { blocks } = digestMessage(digestView(entries, rendered(LONG_TEMPLATES), chart));
      expect(blocks.length, `${n} growers`).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
      expect(validateBlocks(blocks), `${n} growers`).toEqual([]);
      // Every grower is either detailed with its buttons or named in the compact list; none is dropped.
      const json = JSON.stringify(blocks);
      for (const e of entries) expect(json.includes(`"block_id":"digest_links_${e.service}"`) || JSON.stringify(block(blocks, 'digest_steady')).includes(e.service), e.service).toBe(true);
    }
  });

  it('at its largest (5,000 services with the longest names, the longest URLs, per-service links) it stays within every Slack limit', () => {
    const entries: DigestEntry[] = Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? grower(longName(i), i) : steady(longName(i))));
    entries.push({ kind: 'error', service: longName(5000), message: 'the metrics backend took longer than 30 s', change: null });
    entries.push({ kind: 'no-data', service: longName(5001), reason: 'no memory series', change: null });
    // Every fourth service has links of its own (services.<name>.links), the rest the global ones.
    const own: Links = { dashboard: 'https://grafana.example/d/own?var-service=$service', runbook: null };
    const links = (service: string) => (Number(service.slice(4, 9)) % 4 === 0 ? rendered(own)(service) : rendered(LONG_TEMPLATES)(service));
    // As long as the start-up check lets them be.
    for (const template of [LONG_TEMPLATES.dashboard!, LONG_TEMPLATES.runbook!]) expect(checkLinkTemplate(template, null, SLACK_LIMITS.buttonUrl)).toBeNull();
    const { blocks, text } = digestMessage(digestView(entries, links));
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(validateBlocks(blocks)).toEqual([]);
    // Nothing was cut off at the end to get there: the compact list and the menu are the last two blocks.
    expect(blocks.slice(-2).map((b) => b.block_id)).toEqual(['digest_steady', 'digest_controls']);
    const rows = blocks.filter((b) => b.block_id?.startsWith('digest_links_'));
    expect(rows).toHaveLength(22);
    for (const row of rows) {
      const buttons = buttonsOf(row);
      expect(buttons.length).toBeLessThanOrEqual(SLACK_LIMITS.actionsElements);
      for (const b of buttons) {
        expectWithinButtonLimits(b);
        // The URL is the one rendered for that entry's service.
        const service = row.block_id!.slice('digest_links_'.length);
        const kind = b.action_id!.split(':')[1] as keyof Links;
        expect(b.url).toBe(links(service)![kind]);
      }
    }
    // The longest URLs really are near the limit: the check above is not vacuous.
    expect(Math.max(...rows.flatMap((r) => buttonsOf(r).map((b) => b.url!.length)))).toBeGreaterThan(2950);
    expect(text).toContain('of 5002 services grew');
  });
});

describe('the digest service', () => {
  it('asks for each entry’s links over the digest window, and gives none for a service the channel may not query', async () => {
    const store = SqliteStore.open(':memory:');
    await store.migrate();
    const engine: Pick<AnalysisEngine, 'digestChart'> = { digestChart: async () => Buffer.from('png') };
    const asked: LinkContext[] = [];
    const digest = new DigestService({
      engine: engine as AnalysisEngine,
      timeZone: 'UTC',
      store,
      logger: pino({ level: 'silent' }),
      concurrency: 1,
      serviceTimeoutMs: 1_000,
      windowMs: 86_400_000,
      access: new AccessGate({ channels: { C0TEAM0001: ['checkout-api', 'search-api'] }, unlisted: 'deny' }),
      links: (ctx) => {
        asked.push(ctx);
        return { dashboard: `https://g.example/d?s=${ctx.service}`, runbook: null };
      },
    });
    const entries = [grower('checkout-api', 2), grower('search-api', 1), { kind: 'error' as const, service: 'payroll-api', message: 'this channel may not query it (access list)', change: null }];
    const rendered = await digest.render({ channelId: 'C0TEAM0001', entries: rankEntries(entries), panels: [], endMs: END, resolved: [] }, null);
    const { blocks } = rendered.message({ fileId: null, problem: null });
    expect(asked).toEqual([
      { service: 'checkout-api', startMs: END - 86_400_000, endMs: END },
      { service: 'search-api', startMs: END - 86_400_000, endMs: END },
    ]);
    expect(buttonsOf(block(blocks, 'digest_links_checkout-api')).map((b) => b.url)).toEqual(['https://g.example/d?s=checkout-api']);
    expect(block(blocks, 'digest_links_payroll-api')).toBeUndefined();
    expect(block(blocks, 'digest_payroll-api')).toBeDefined();
    await store.close();
  });
});
