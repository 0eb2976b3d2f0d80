import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { INCIDENT_ACTION_IDS, reportMessage } from '../../src/slack/blocks';
import { HOME_MAX_BLOCKS, homeView, type HomeChannel, type HomeIncident } from '../../src/slack/home-blocks';
import { validateBlocks } from '../../src/slack-standin/block-validation';
import { makeStoredReport } from '../support/store-suite';

const T = Date.UTC(2026, 2, 2, 12);

function view(resolution: { userId: string; at: number } | null): Parameters<typeof reportMessage>[0] {
  return { incidentId: 'inc-1', service: 'checkout-api', windowMs: 6 * 3_600_000, createdBy: 'U0CREATOR', createdAt: T, report: makeStoredReport({ chartFileId: null, chartProblem: 'no chart' }), state: {}, digestsAvailable: true, resolution };
}

const byId = (blocks: readonly (KnownBlock | { readonly block_id?: string })[], id: string) => blocks.find((b) => b.block_id === id);
const buttons = (blocks: readonly KnownBlock[]) => ((byId(blocks, 'controls') as ActionsBlock).elements as Button[]).filter((e) => e.type === 'button');

describe('resolve in the report', () => {
  it('offers Resolve with a confirmation and Export timeline while open', () => {
    const { blocks, text } = reportMessage(view(null));
    expect(validateBlocks(blocks)).toEqual([]);
    const resolve = buttons(blocks).find((b) => b.action_id === INCIDENT_ACTION_IDS.resolve)!;
    expect(resolve.confirm).toMatchObject({ title: { text: 'Resolve this incident?' }, confirm: { text: 'Resolve' }, deny: { text: 'Cancel' } });
    expect(buttons(blocks).map((b) => b.action_id)).toContain(INCIDENT_ACTION_IDS.timeline);
    expect(JSON.stringify(blocks[0])).not.toContain('Resolved');
    expect(byId(blocks, 'resolution')).toBeUndefined();
    expect(text).not.toMatch(/^Resolved/);
  });

  it('says who resolved it and when under the header, drops the button, keeps the checklist', () => {
    const { blocks, text } = reportMessage(view({ userId: 'U0ALICE', at: T + 3_600_000 }));
    expect(validateBlocks(blocks)).toEqual([]);
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: 'Resolved: checkout-api — one worker growing' } });
    expect(JSON.stringify(byId(blocks, 'resolution'))).toContain('Resolved* by <@U0ALICE> at 14:00 GMT+1');
    expect(buttons(blocks).map((b) => b.action_id)).not.toContain(INCIDENT_ACTION_IDS.resolve);
    expect(buttons(blocks).map((b) => b.action_id)).toContain(INCIDENT_ACTION_IDS.timeline);
    expect(JSON.stringify(blocks)).toContain('checklist:find-worker');
    expect(text).toMatch(/^Resolved · checkout-api/);
  });
});

function incident(i: number): HomeIncident {
  return { service: `svc-${i}`, channelId: 'C0INCIDENT1', pattern: 'one-worker-growing', stepsDone: i % 6, stepsTotal: 5, createdAt: T - i * 60_000, link: `https://acme.slack.com/archives/C0INCIDENT1/p17724528000${String(i).padStart(5, '0')}` };
}

function channel(i: number): HomeChannel {
  return { channelId: `C0CHAN${String(i).padStart(4, '0')}`, services: ['checkout-api', 'search-api'], schedule: 'daily at 08:00 UTC', nextDigestAt: T + 3_600_000, pausedReason: null };
}

describe('homeView', () => {
  it('lists each open incident with its service, pattern, progress, age and link, and each channel’s digest', () => {
    const home = homeView({ incidents: [incident(1)], openTotal: 1, channels: [channel(1), { ...channel(2), pausedReason: 'pymem was removed from the channel' }], timeZone: 'UTC', now: T });
    expect(home.type).toBe('home');
    expect(validateBlocks(home.blocks, { maxBlocks: HOME_MAX_BLOCKS })).toEqual([]);
    const text = JSON.stringify(home.blocks);
    expect(text).toContain('*<https://acme.slack.com/archives/C0INCIDENT1/p1772452800000001|svc-1>* — one worker growing');
    expect(text).toContain('<#C0INCIDENT1> · checklist 1/5 done · opened 60 s ago');
    expect(text).toContain('<#C0CHAN0001>: `checkout-api`, `search-api`\\nnext digest 13:00 UTC (daily at 08:00 UTC)');
    expect(text).toContain('paused: pymem was removed from the channel');
    expect(text).not.toContain('more');
  });

  it('says so when there is nothing to show', () => {
    const home = homeView({ incidents: [], openTotal: 0, channels: [], timeZone: 'UTC', now: T });
    expect(validateBlocks(home.blocks, { maxBlocks: HOME_MAX_BLOCKS })).toEqual([]);
    expect(JSON.stringify(home.blocks)).toContain('No open incidents');
    expect(JSON.stringify(home.blocks)).toContain('None in your channels');
  });

  it.each([
    [300, 0],
    [0, 300],
    [300, 300],
    [150, 10],
    [10, 150],
    [93, 0],
    [92, 1],
  ])('stays within 100 blocks with %i incidents and %i channels, and counts what it left out', (incidents, channels) => {
    const shownIncidents = Array.from({ length: Math.min(incidents, HOME_MAX_BLOCKS) }, (_, i) => incident(i));
    const home = homeView({ incidents: shownIncidents, openTotal: incidents, channels: Array.from({ length: channels }, (_, i) => channel(i)), timeZone: 'UTC', now: T });
    expect(home.blocks.length).toBeLessThanOrEqual(HOME_MAX_BLOCKS);
    expect(validateBlocks(home.blocks, { maxBlocks: HOME_MAX_BLOCKS })).toEqual([]);
    const listed = (prefix: string) => home.blocks.filter((b) => b.block_id?.startsWith(prefix) && !b.block_id.endsWith('more')).length;
    const moreOf = (id: string) => Number(/…and (\d+) more/.exec(JSON.stringify(byId(home.blocks, id) ?? ''))?.[1] ?? 0);
    expect(listed('home_incident_') + moreOf('home_incidents_more')).toBe(incidents);
    expect(listed('home_channel_') + moreOf('home_channels_more')).toBe(channels);
    // Both lists get room when both are long.
    if (incidents > 0 && channels > 0) {
      expect(listed('home_incident_')).toBeGreaterThan(0);
      expect(listed('home_channel_')).toBeGreaterThan(0);
    }
  });
});
