/**
 * ReportService's decisions with in-memory fakes: when to answer busy, when not to start at all,
 * when identical requests share one analysis, and what the requester hears when posting fails.
 */

import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AnalysisEngine, EngineStats } from '../../src/analysis/engine';
import type { ReportJobInput, ReportJobOutput } from '../../src/analysis/jobs';
import { ChannelCheck } from '../../src/bot/channel-check';
import { ReportService } from '../../src/bot/reports';
import { linksFor, loadConfig } from '../../src/config/load';
import { buildChecklist } from '../../src/domain/checklist';
import type { LinkContext, Links } from '../../src/domain/links';
import type { SlackMessage } from '../../src/slack/blocks';
import { SlackCallError, type ConversationInfo, type SlackGateway } from '../../src/slack/gateway';
import { SqliteStore } from '../../src/store/sqlite';
import { makeDiagnosis } from '../support/diagnosis-factory';

const NOW = Date.UTC(2026, 2, 2, 12);
const logger = pino({ level: 'silent' });

class FakeEngine implements AnalysisEngine {
  calls: ReportJobInput[] = [];
  waitMs = 0;
  release: (() => void) | null = null;
  private gate: Promise<void> = Promise.resolve();

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  async report(input: ReportJobInput): Promise<ReportJobOutput> {
    this.calls.push(input);
    await this.gate;
    const diagnosis = makeDiagnosis({ service: input.service, verdict: `${input.service} is fine.` });
    return { status: 'diagnosed', diagnosis, checklist: buildChecklist(diagnosis, 'UTC'), png: new Uint8Array([137, 80, 78, 71]), chartError: null };
  }
  async measure(): Promise<never> {
    throw new Error('not used');
  }
  async doctor(): Promise<never> {
    throw new Error('not used');
  }
  async digestChart(): Promise<Buffer> {
    throw new Error('not used');
  }
  expectedWaitMs(): number {
    return this.waitMs;
  }
  stats(): EngineStats {
    return { threads: 1, slots: 1, running: 1, runningBy: { interactive: 1, background: 0 }, queued: { interactive: 7, background: 0 }, typicalMs: { interactive: 1000, background: 100 } };
  }
  async close(): Promise<void> {}
}

class FakeSlack implements SlackGateway {
  posts: { channel: string; message: SlackMessage }[] = [];
  uploads = 0;
  info: ConversationInfo | SlackCallError = { id: 'C0INCIDENT1', kind: 'public', isArchived: false, isMember: true };
  postError: SlackCallError | null = null;

  async postMessage(channel: string, message: SlackMessage): Promise<{ ts: string }> {
    if (this.postError) throw this.postError;
    this.posts.push({ channel, message });
    return { ts: `1772452800.${String(this.posts.length).padStart(6, '0')}` };
  }
  async updateMessage(): Promise<void> {}
  async postEphemeral(): Promise<void> {}
  async uploadImage(): Promise<string> {
    this.uploads++;
    return `F0CHART${this.uploads}`;
  }
  async conversationInfo(): Promise<ConversationInfo> {
    if (this.info instanceof SlackCallError) throw this.info;
    return this.info;
  }
}

async function service(options: { maxQueueWaitMs?: number; timeZone?: string; links?: (ctx: LinkContext) => Links | null } = {}) {
  const store = SqliteStore.open(':memory:');
  await store.migrate();
  const engine = new FakeEngine();
  const slack = new FakeSlack();
  let ids = 0;
  const reports = new ReportService({
    engine,
    settingsKey: () => 'default queries',
    stepMs: () => 15_000,
    sourceDescription: 'a fake backend',
    timeZone: options.timeZone ?? 'UTC',
    store,
    slack,
    channels: new ChannelCheck({ slack, logger, now: () => NOW }),
    logger,
    clock: () => NOW,
    newId: () => `inc-${++ids}`,
    analysisTimeoutMs: 10_000,
    defaultWindowMs: 6 * 3_600_000,
    maxQueueWaitMs: options.maxQueueWaitMs ?? 30_000,
    resultCacheTtlMs: 30_000,
    digestsAvailable: true,
    storeRetryDelaysMs: [1, 1],
    ...(options.links ? { links: options.links } : {}),
  });
  const replies: { user: string; text: string }[] = [];
  const request = (user: string, extra: { channelId?: string; channelName?: string; service?: string } = {}) => ({
    channelId: extra.channelId ?? 'C0INCIDENT1',
    channelName: extra.channelName ?? 'incidents',
    userId: user,
    service: extra.service ?? 'checkout-api',
    windowMs: null,
    deliveryKey: `trigger-${user}`,
    reply: async (message: SlackMessage) => void replies.push({ user, text: message.text + JSON.stringify(message.blocks) }),
  });
  return { store, engine, slack, reports, replies, request };
}

describe('ReportService', () => {
  it('acknowledges with "busy" when a new analysis would wait too long, but never refuses a shared one', async () => {
    const { engine, reports, request } = await service({ maxQueueWaitMs: 30_000 });
    engine.waitMs = 60_000;
    const busy = reports.accept(request('U0LATE'));
    expect(busy.kind).toBe('busy');
    expect(JSON.stringify(busy.ack.blocks)).toMatch(/busy: 7 analyses are waiting, so `checkout-api` would not start for about 60 s. Nothing was queued/);

    engine.waitMs = 0;
    engine.hold();
    const first = reports.accept(request('U0FIRST'));
    expect(first.kind).toBe('accepted');
    if (first.kind !== 'accepted') return;
    expect(JSON.stringify(first.ack.blocks)).toContain('Analysing `checkout-api` over the last 6 h');
    const running = first.run();
    await new Promise((r) => setImmediate(r));
    // The queue is long now, but this request joins the analysis already running.
    engine.waitMs = 60_000;
    const joined = reports.accept(request('U0SECOND'));
    expect(joined.kind).toBe('accepted');
    engine.release!();
    if (joined.kind === 'accepted') expect(await joined.run()).toBe('posted');
    expect(await running).toBe('posted');
  });

  it('shares one analysis and one chart among identical requests, each with its own message and incident', async () => {
    const { engine, slack, store, reports, request } = await service();
    engine.hold();
    const outcomes = Promise.all(['U0A', 'U0B', 'U0C'].map((u) => reports.runCommand(request(u))));
    await new Promise((r) => setTimeout(r, 10));
    engine.release!();
    expect(await outcomes).toEqual(['posted', 'posted', 'posted']);
    expect(engine.calls).toHaveLength(1);
    expect(slack.uploads).toBe(1);
    expect(slack.posts).toHaveLength(3);
    for (let i = 1; i <= 3; i++) expect((await store.getIncident(`inc-${i}`))?.report.chartFileId).toBe('F0CHART1');
    // Another window is another analysis.
    await reports.runCommand({ ...request('U0D'), windowMs: 24 * 3_600_000 });
    expect(engine.calls).toHaveLength(2);
  });

  it('does no work for a conversation it cannot post in, and says why', async () => {
    const { engine, slack, store, reports, request, replies } = await service();
    slack.info = new SlackCallError('conversations.info', 'channel_not_found', 'hidden');
    expect(await reports.runCommand(request('U0DM', { channelId: 'D0SOMEDM01', channelName: 'directmessage' }))).toBe('cannot-post');
    expect(replies[0]!.text).toContain('direct message between other people');
    expect(engine.calls).toEqual([]);
    expect(slack.uploads).toBe(0);
    expect(await store.findIncidentByMessage('D0SOMEDM01', '1772452800.000001')).toBeNull();
  });

  it('tells the requester, with the finding, when Slack fails to post the report', async () => {
    const { slack, reports, request, replies } = await service();
    slack.postError = new SlackCallError('chat.postMessage', 'http_503', 'Slack answered HTTP 503');
    expect(await reports.runCommand(request('U0POST'))).toBe('failed');
    expect(replies[0]!.text).toContain('Slack failed (HTTP 503) while posting the report');
    expect(replies[0]!.text).toContain('The finding was: *checkout-api is fine.*');
  });

  it('renders the links for the analysed window, keeps them with the report, and posts them as buttons', async () => {
    const config = loadConfig({
      env: { PYMEM_CONFIG: 'cfg.yaml', PYMEM_TZ: 'Europe/Berlin' },
      readFile: () => 'links:\n  dashboard: "https://grafana.example/d/abc?var-service=$service&from=$from&to=$to_ms"\n',
    });
    const asked: LinkContext[] = [];
    const { store, slack, reports, request } = await service({
      timeZone: config.analysis.timeZone,
      links: (ctx) => {
        asked.push(ctx);
        return linksFor(config, ctx);
      },
    });
    expect(await reports.runCommand(request('U0LINK', { service: 'shop:checkout.v2' }))).toBe('posted');
    const incident = (await store.getIncident('inc-1'))!;
    const window = incident.report.diagnosis.window;
    expect(asked).toEqual([{ service: 'shop:checkout.v2', startMs: Date.parse(window.start), endMs: Date.parse(window.end) }]);
    // The time zone changes how times read in the message, not the instants in a link: RFC 3339 in UTC.
    const dashboard = `https://grafana.example/d/abc?var-service=shop%3Acheckout.v2&from=${encodeURIComponent(window.start.replace('.000Z', 'Z'))}&to=${Date.parse(window.end)}`;
    expect(window.start.endsWith('Z')).toBe(true);
    expect(incident.report.links).toEqual({ dashboard, runbook: null });
    const posted = JSON.stringify(slack.posts[0]!.message.blocks);
    expect(posted).toContain(`"url":"${dashboard}"`);
    expect(posted).toContain('"action_id":"link:dashboard"');
  });

  it('posts no link buttons when none is configured', async () => {
    const { store, slack, reports, request } = await service();
    expect(await reports.runCommand(request('U0NOLINK'))).toBe('posted');
    expect((await store.getIncident('inc-1'))!.report.links).toBeNull();
    expect(JSON.stringify(slack.posts[0]!.message.blocks)).not.toContain('link:');
  });
});
