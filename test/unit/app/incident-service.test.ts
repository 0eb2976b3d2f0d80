/** The decisions of Resolve, timeline export and the Home tab, against an in-memory SQLite store and a recording Slack fake. */

import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HomeService } from '../../../src/bot/home';
import { IncidentService } from '../../../src/bot/incidents';
import { nextDigestRun } from '../../../src/digest/next-run';
import type { SlackMessage } from '../../../src/slack/blocks';
import { FakeSlackGateway } from '../../support/fakes/fake-slack-gateway';
import { InMemoryStore } from '../../support/fakes/in-memory-store';
import type { IncidentRecord, Store } from '../../../src/store/store';
import { makeNewIncident } from '../../support/store-suite';

const NOW = Date.UTC(2026, 2, 2, 12);
const logger = pino({ level: 'silent' });

let store: Store;
let slack: FakeSlackGateway;
let replies: SlackMessage[];
let refreshed: string[];
let service: IncidentService;

beforeEach(async () => {
  store = new InMemoryStore();
  await store.migrate();
  slack = new FakeSlackGateway();
  replies = [];
  refreshed = [];
  service = new IncidentService({
    store,
    slack,
    updater: { refresh: async (id) => void refreshed.push(id) },
    logger,
    clock: () => NOW,
    timeZone: 'Europe/Berlin',
    workspaceUrl: async () => 'https://acme.slack.com/',
    lookupRetryMs: 1,
  });
});

afterEach(async () => {
  await store.close();
});

const reply = async (message: SlackMessage): Promise<void> => void replies.push(message);
const said = (): string => replies.map((m) => JSON.stringify(m.blocks)).join('\n');

async function posted(overrides: Parameters<typeof makeNewIncident>[0] = {}, ts = '1772452800.000100'): Promise<IncidentRecord> {
  const incident = await store.createIncident(makeNewIncident({ channelId: 'C0INCIDENT1', ...overrides }));
  await store.attachMessage(incident.id, ts);
  return (await store.getIncident(incident.id))!;
}

describe('IncidentService.resolve', () => {
  it('resolves once, redraws the report, ignores a redelivery and tells a second resolver who was first', async () => {
    const incident = await posted();
    const request = { channelId: 'C0INCIDENT1', messageTs: '1772452800.000100', userId: 'U0ALICE', requestKey: 'req-1', reply };
    expect(await service.resolve(request)).toBe('resolved');
    expect(await service.resolve(request)).toBe('duplicate');
    expect(await service.resolve({ ...request, userId: 'U0BOB', requestKey: 'req-2' })).toBe('already-resolved');
    expect(said()).toContain('already resolved by <@U0ALICE> at 13:00 GMT+1');
    expect(refreshed).toEqual([incident.id, incident.id]);
    expect((await store.getIncident(incident.id))!.resolution).toEqual({ userId: 'U0ALICE', at: NOW });
  });

  it('says so for a message pymem has no record of, and when the database fails', async () => {
    expect(await service.resolve({ channelId: 'C0INCIDENT1', messageTs: '1.000001', userId: 'U0ALICE', requestKey: 'req-3', reply })).toBe('unknown-message');
    expect(said()).toContain('no record of this report');
    await store.close();
    expect(await service.resolve({ channelId: 'C0INCIDENT1', messageTs: '1.000001', userId: 'U0ALICE', requestKey: 'req-4', reply })).toBe('failed');
    expect(said()).toContain('could not resolve the incident: its database did not answer');
  });
});

describe('IncidentService timeline', () => {
  it('uploads the Markdown into the report thread, named after the service, with links to the workspace', async () => {
    await posted({ service: 'checkout-api' });
    expect(await service.exportTimeline({ channelId: 'C0INCIDENT1', messageTs: '1772452800.000100', userId: 'U0BOB', requestKey: 'req-1', reply })).toBe('posted');
    const [upload] = slack.files;
    expect(upload).toMatchObject({ channel: 'C0INCIDENT1', threadTs: '1772452800.000100', filename: 'checkout-api-timeline-20260302-1200.md' });
    expect(upload!.comment).toContain('exported by <@U0BOB>');
    expect(upload!.content).toContain('https://acme.slack.com/archives/C0INCIDENT1/p1772452800000100');
  });

  it('picks the only open incident for a bare /pymem timeline, and asks when there are several or none', async () => {
    const request = { channelId: 'C0INCIDENT1', userId: 'U0ALICE', service: null, reply };
    expect(await service.timelineCommand({ ...request, deliveryKey: 'a' })).toBe('no-incident');
    await posted({ service: 'checkout-api', createdAt: NOW - 2_000 }, '1772452800.000100');
    expect(await service.timelineCommand({ ...request, deliveryKey: 'b' })).toBe('posted');
    await posted({ service: 'search-api', createdAt: NOW - 1_000 }, '1772452800.000200');
    expect(await service.timelineCommand({ ...request, deliveryKey: 'c' })).toBe('ambiguous');
    expect(said()).toContain('2 open incidents (`search-api`, `checkout-api`)');
    expect(await service.timelineCommand({ ...request, service: 'search-api', deliveryKey: 'd' })).toBe('posted');
    expect(slack.files.map((u) => u.filename.split('-timeline')[0])).toEqual(['checkout-api', 'search-api']);
  });

  it('tells the requester when Slack refuses the file, and still exports without the workspace URL', async () => {
    await posted();
    slack.failNext('files.uploadV2', 'not_in_channel');
    expect(await service.exportTimeline({ channelId: 'C0INCIDENT1', messageTs: '1772452800.000100', userId: 'U0BOB', requestKey: 'req-1', reply })).toBe('failed');
    expect(said()).toContain('Slack answered `not_in_channel`');
    const noUrl = new IncidentService({ store, slack, updater: { refresh: async () => undefined }, logger, clock: () => NOW, timeZone: 'UTC', workspaceUrl: () => Promise.reject(new Error('auth.test failed')) });
    expect(await noUrl.exportTimeline({ channelId: 'C0INCIDENT1', messageTs: '1772452800.000100', userId: 'U0BOB', requestKey: 'req-2', reply })).toBe('posted');
    expect(slack.files[0]!.content).toContain('https://slack.com/archives/C0INCIDENT1/');
  });
});

describe('HomeService', () => {
  function home(): HomeService {
    return new HomeService({
      store,
      slack,
      logger,
      clock: () => NOW,
      timeZone: 'UTC',
      scheduleFor: () => ({ cron: '0 8 * * *', timeZone: 'UTC' }),
      nextRun: () => NOW + 3_600_000,
      workspaceUrl: async () => null,
    });
  }

  it('shows only what is in the viewer’s channels, with progress', async () => {
    const mine = await posted({ channelId: 'C0MINE0001', service: 'checkout-api' }, '1772452800.000100');
    await posted({ channelId: 'G0SECRET01', service: 'payroll-api' }, '1772452800.000200');
    await store.recordTick({ incidentId: mine.id, stepId: 'find-worker', userId: 'U0ALICE', checked: true, at: NOW, requestKey: 't1' });
    await store.subscribe({ channelId: 'C0MINE0001', service: 'search-api', createdBy: 'U0ALICE', createdAt: NOW });
    await store.subscribe({ channelId: 'G0SECRET01', service: 'payroll-api', createdBy: 'U0BOB', createdAt: NOW });
    slack.setMemberships('U0ALICE', ['C0MINE0001', 'C0OTHER001']);
    expect(await home().publish('U0ALICE')).toBe('published');
    const text = JSON.stringify(slack.homes.get('U0ALICE')!.blocks);
    expect(text).toContain('checkout-api');
    expect(text).toContain('checklist 1/5 done');
    expect(text).toContain('<#C0MINE0001>: `search-api`');
    expect(text).not.toContain('payroll-api');
    expect(text).not.toContain('G0SECRET01');
  });

  it('explains a missing scope instead of showing anything', async () => {
    slack.failNext('users.conversations', 'missing_scope');
    await posted();
    expect(await home().publish('U0ALICE')).toBe('published');
    const text = JSON.stringify(slack.homes.get('U0ALICE')!.blocks);
    expect(text).toContain('A workspace admin needs to add the scopes');
    expect(text).not.toContain('checkout-api');
  });

  it('reports a failed publish instead of throwing', async () => {
    slack.failNext('views.publish', 'not_enabled');
    expect(await home().publish('U0ALICE')).toBe('failed');
  });
});

describe('nextDigestRun', () => {
  it('gives the next run of a schedule in its zone, and null for an unreadable one', () => {
    const before = Date.now();
    const next = nextDigestRun({ cron: '30 8 * * *', timeZone: 'Asia/Kolkata' })!;
    expect(next).toBeGreaterThan(before);
    expect(next - before).toBeLessThanOrEqual(86_400_000);
    // 08:30 in Kolkata is 03:00 UTC.
    expect(new Date(next).toISOString()).toMatch(/T03:00:00\.000Z$/);
    expect(nextDigestRun({ cron: 'not cron', timeZone: 'UTC' })).toBeNull();
  });
});
