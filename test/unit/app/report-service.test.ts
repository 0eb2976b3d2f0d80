/**
 * ReportService's decisions with in-memory fakes: when to answer busy, when not to start at all,
 * which requests are the same delivery, when identical requests share one analysis, and what the
 * requester hears when something fails after the acknowledgement.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { linksFor, loadConfig } from '../../../src/config/load';
import type { LinkContext } from '../../../src/domain/links';
import { StoreError } from '../../../src/store/store';
import { CHANNEL, reportFixture } from '../../support/app-fixtures';
import { TINY_PNG } from '../../support/fakes/fake-analysis-engine';
import { AccessGate } from '../../../src/bot/access-gate';

const HOUR = 3_600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ReportService: starting a report', () => {
  it('acknowledges with "busy" when a new analysis would wait too long, but never refuses a shared one', async () => {
    const { engine, reports, request } = await reportFixture({ maxQueueWaitMs: 30_000 });
    engine.waitMs = 60_000;
    engine.queued = 7;
    const busy = reports.accept(request('U0LATE'));
    expect(busy.kind).toBe('busy');
    expect(JSON.stringify(busy.ack.blocks)).toMatch(/busy: 7 analyses are waiting, so `checkout-api` would not start for about 60 s. Nothing was queued/);
    expect(engine.reports).toEqual([]);

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
    engine.unhold();
    if (joined.kind === 'accepted') expect(await joined.run()).toBe('posted');
    expect(await running).toBe('posted');
    expect(engine.reports).toHaveLength(1);
  });

  it('answers busy after the acknowledgement too, for a request not admitted through accept()', async () => {
    const { engine, reports, request, replies } = await reportFixture({ maxQueueWaitMs: 30_000 });
    engine.waitMs = 45_000;
    engine.queued = 1;
    expect(await reports.runCommand(request('U0DIGEST'))).toBe('busy');
    expect(replies[0]!.text).toContain('pymem is busy: one analysis is waiting');
    expect(engine.reports).toEqual([]);
  });

  it('ignores a redelivered command: one analysis, one message, one incident', async () => {
    const { engine, slack, store, reports, request } = await reportFixture();
    expect(await reports.runCommand(request('U0ALICE', { deliveryKey: 'trigger-1' }))).toBe('posted');
    // Slack sends the same trigger again (it saw no acknowledgement in time).
    expect(await reports.runCommand(request('U0ALICE', { deliveryKey: 'trigger-1' }))).toBe('duplicate');
    expect(engine.reports).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(await store.getIncident('inc-2')).toBeNull();
    // Another request by the same person is not a duplicate.
    expect(await reports.runCommand(request('U0ALICE', { deliveryKey: 'trigger-2' }))).toBe('posted');
  });

  it('treats a claim found taken after a failed attempt as its own, not a redelivery', async () => {
    const { store, reports, request } = await reportFixture();
    // The first attempt's write reached the database, but its answer was lost with the connection.
    const claim = store.claimDelivery.bind(store);
    vi.spyOn(store, 'claimDelivery').mockImplementationOnce(async (key, at) => {
      await claim(key, at);
      throw new StoreError('unavailable', 'connection lost');
    });
    expect(await reports.runCommand(request('U0RETRY'))).toBe('posted');
  });

  it('refuses a service the channel may not query, and says where access is granted', async () => {
    const { engine, slack, reports, request, replies } = await reportFixture({ access: new AccessGate({ channels: { [CHANNEL]: ['billing-*'] }, unlisted: 'deny' }) });
    expect(await reports.runCommand(request('U0NOSY', { service: 'checkout-api' }))).toBe('denied');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain(':no_entry: This channel is not allowed to query `checkout-api`');
    expect(replies[0]!.text).toContain(`access.channels.${CHANNEL}`);
    expect(engine.reports).toEqual([]);
    expect(slack.callsTo('conversations.info')).toEqual([]);
    expect(await reports.runCommand(request('U0BILL', { service: 'billing-worker' }))).toBe('posted');
  });

  it('does no work for a conversation it cannot post in, and says why', async () => {
    const { engine, slack, store, reports, request, replies } = await reportFixture();
    slack.setConversation('D0SOMEDM01', { kind: 'im', isMember: false });
    expect(await reports.runCommand(request('U0DM', { channelId: 'D0SOMEDM01', channelName: 'directmessage' }))).toBe('cannot-post');
    expect(replies[0]!.text).toContain('direct message between other people');
    expect(engine.reports).toEqual([]);
    expect(slack.callsTo('files.uploadV2')).toEqual([]);
    expect(await store.staleIncidents(10)).toEqual([]);
    expect(await store.getIncident('inc-1')).toBeNull();
  });

  it('tells the requester the database did not answer, when it cannot even claim the request', async () => {
    const { engine, store, reports, request, replies } = await reportFixture();
    vi.spyOn(store, 'claimDelivery').mockRejectedValue(new StoreError('unavailable', 'database down'));
    expect(await reports.runCommand(request('U0DOWN'))).toBe('failed');
    expect(replies[0]!.text).toContain('pymem could not start on `checkout-api`: its database did not answer. Nothing was analysed or posted');
    expect(engine.reports).toEqual([]);
  });
});

describe('ReportService: analysing and posting', () => {
  it('shares one analysis and one chart among identical requests, each with its own message and incident', async () => {
    const { engine, slack, store, reports, request, telemetry } = await reportFixture();
    engine.hold();
    const outcomes = Promise.all(['U0A', 'U0B', 'U0C'].map((u) => reports.runCommand(request(u))));
    await new Promise((r) => setTimeout(r, 10));
    engine.unhold();
    expect(await outcomes).toEqual(['posted', 'posted', 'posted']);
    expect(engine.reports).toHaveLength(1);
    expect(slack.callsTo('files.uploadV2')).toHaveLength(1);
    expect(slack.callsTo('files.uploadV2')[0]!.bytes).toBe(TINY_PNG.length);
    expect(slack.messages).toHaveLength(3);
    for (let i = 1; i <= 3; i++) expect((await store.getIncident(`inc-${i}`))?.report.chartFileId).toBe('F0CHART1');
    expect([...telemetry.sharing].sort()).toEqual(['computed', 'joined', 'joined']);
    // Another window is another analysis.
    await reports.runCommand(request('U0D', { windowMs: 24 * HOUR }));
    expect(engine.reports).toHaveLength(2);
  });

  it('tells the requester, with the finding, when Slack fails to post the report', async () => {
    const { slack, reports, request, replies } = await reportFixture();
    slack.failNext('chat.postMessage', 'http_503');
    expect(await reports.runCommand(request('U0POST'))).toBe('failed');
    expect(replies[0]!.text).toContain('Slack failed (HTTP 503) while posting the report');
    expect(replies[0]!.text).toContain('The finding was: *checkout-api is fine.*');
  });

  it('says pymem cannot post there when Slack refuses the channel while posting', async () => {
    const { slack, reports, request, replies } = await reportFixture();
    slack.failNext('chat.postMessage', 'not_in_channel');
    expect(await reports.runCommand(request('U0PRIV'))).toBe('failed');
    expect(replies[0]!.text).toMatch(/invite|\/invite/i);
    expect(replies[0]!.text).toContain('The finding was: *checkout-api is fine.*');
  });

  it('posts without the chart, saying so, when the upload fails; the next requester tries the upload again', async () => {
    const { slack, store, reports, request } = await reportFixture();
    slack.failNext('files.uploadV2', 'http_500');
    expect(await reports.runCommand(request('U0A'))).toBe('posted');
    const first = (await store.getIncident('inc-1'))!.report;
    expect(first.chartFileId).toBeNull();
    expect(first.chartProblem).toBe('uploading the chart to Slack failed (http_500); the analysis below is complete.');
    expect(await reports.runCommand(request('U0B'))).toBe('posted');
    expect((await store.getIncident('inc-2'))!.report.chartFileId).toBe('F0CHART1');
  });

  it('tells the requester which backend failure stopped the analysis, and what to do', async () => {
    const { engine, slack, reports, request, replies, telemetry } = await reportFixture();
    engine.reportFor.set('checkout-api', () => ({ status: 'failed', failure: { kind: 'metrics', code: 'unreachable', message: 'Prometheus at http://prom:9090 did not answer.' } }));
    engine.reportFor.set('slow-api', () => ({ status: 'failed', failure: { kind: 'metrics', code: 'aborted', message: 'aborted' } }));
    engine.reportFor.set('odd-api', () => ({ status: 'failed', failure: { kind: 'internal', message: 'TypeError: x is undefined' } }));
    expect(await reports.runCommand(request('U0A'))).toBe('failed');
    expect(await reports.runCommand(request('U0B', { service: 'slow-api' }))).toBe('failed');
    expect(await reports.runCommand(request('U0C', { service: 'odd-api' }))).toBe('failed');
    expect(replies.map((r) => r.text)).toEqual([
      'pymem could not analyse `checkout-api` over the last 6 h: Prometheus at http://prom:9090 did not answer. Nothing was posted; try again in a minute, and if it keeps failing, whoever runs the metrics backend needs to look at it.',
      'pymem could not analyse `slow-api` over the last 6 h: the metrics backend did not answer within 10 s; try a shorter window, or again in a minute.',
      'pymem could not analyse `odd-api` over the last 6 h: something unexpected went wrong on pymem’s side; it has been logged. Run the command again.',
    ].map((text) => expect.stringContaining(`:x: ${text}`)));
    expect(slack.messages).toEqual([]);
    expect(telemetry.backendErrors).toEqual(['unreachable', 'aborted']);
    expect(telemetry.analyses.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
  });

  it('does not cache a failed analysis: the next request asks the backend again', async () => {
    const { engine, reports, request } = await reportFixture();
    engine.reportFor.set('checkout-api', () => ({ status: 'failed', failure: { kind: 'metrics', code: 'timeout', message: 'timed out' } }));
    await reports.runCommand(request('U0A'));
    engine.reportFor.delete('checkout-api');
    expect(await reports.runCommand(request('U0B'))).toBe('posted');
    expect(engine.reports).toHaveLength(2);
  });

  it('answers "cannot diagnose" with the guidance when the data is not enough, and posts nothing', async () => {
    const { engine, slack, reports, request, replies } = await reportFixture();
    engine.reportFor.set('checkout-api', (input) => ({
      status: 'insufficient-data',
      insufficient: {
        service: input.service,
        window: { start: '2026-03-02T06:00:00.000Z', end: '2026-03-02T12:00:00.000Z', durationSeconds: 21_600, stepSeconds: 15 },
        reason: 'no-memory-series',
        message: 'No memory series matched.',
        guidance: ['Export process_resident_memory_bytes per worker.'],
      },
    }));
    expect(await reports.runCommand(request('U0A'))).toBe('no-data');
    expect(replies[0]!.text).toContain('pymem cannot diagnose `checkout-api` from this data.* No memory series matched.');
    expect(replies[0]!.text).toContain('Export process_resident_memory_bytes per worker.');
    expect(slack.messages).toEqual([]);
  });

  it('falls back to an ephemeral message when the response_url fails', async () => {
    const { engine, slack, reports, request } = await reportFixture();
    engine.reportFor.set('checkout-api', () => ({ status: 'failed', failure: { kind: 'metrics', code: 'bad-query', message: 'bad query' } }));
    const req = request('U0GONE');
    expect(await reports.runCommand({ ...req, reply: async () => Promise.reject(new Error('response_url expired')) })).toBe('failed');
    expect(slack.ephemerals).toHaveLength(1);
    expect(slack.ephemerals[0]).toMatchObject({ channel: CHANNEL, user: 'U0GONE' });
    expect(slack.ephemerals[0]!.message.text).toContain('bad query');
  });

  it('tells the requester the report went out but was not recorded when the database fails after posting', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { slack, store, reports, request, replies } = await reportFixture();
      const attach = vi.spyOn(store, 'attachMessage').mockRejectedValue(new StoreError('unavailable', 'database down'));
      const running = reports.runCommand(request('U0LATE'));
      // Recording the message is worth more tries than other calls: 0.2 s, 1 s and 3 s apart.
      await vi.advanceTimersByTimeAsync(4_300);
      expect(await running).toBe('failed');
      expect(attach).toHaveBeenCalledTimes(4);
      expect(slack.messages).toHaveLength(1);
      expect(replies[0]!.text).toContain('The report for `checkout-api` is posted, but pymem could not record it');
    } finally {
      vi.useRealTimers();
    }
  });

  it('renders the links for the analysed window, keeps them with the report, and posts them as buttons', async () => {
    const config = loadConfig({
      env: { PYMEM_CONFIG: 'cfg.yaml', PYMEM_TZ: 'Europe/Berlin' },
      readFile: () => 'links:\n  dashboard: "https://grafana.example/d/abc?var-service=$service&from=$from&to=$to_ms"\n',
    });
    const asked: LinkContext[] = [];
    const { store, slack, reports, request } = await reportFixture({
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
    const posted = JSON.stringify(slack.messages[0]!.message.blocks);
    expect(posted).toContain(`"url":"${dashboard}"`);
    expect(posted).toContain('"action_id":"link:dashboard"');
  });

  it('posts no link buttons when none is configured', async () => {
    const { store, slack, reports, request } = await reportFixture();
    expect(await reports.runCommand(request('U0NOLINK'))).toBe('posted');
    expect((await store.getIncident('inc-1'))!.report.links).toBeNull();
    expect(JSON.stringify(slack.messages[0]!.message.blocks)).not.toContain('link:');
  });
});

describe('ReportService: re-runs', () => {
  it('posts a re-run in the report’s thread and leaves the checklist alone', async () => {
    const { slack, reports, posted, replies } = await reportFixture();
    const { ts, incident } = await posted();
    const outcome = await reports.rerun({ channelId: CHANNEL, messageTs: ts, userId: 'U0BOB', windowMs: 24 * HOUR, deliveryKey: 'rerun-1', reply: async () => undefined });
    expect(outcome).toBe('posted');
    const thread = slack.messages.at(-1)!;
    expect(thread.threadTs).toBe(ts);
    expect(thread.message.text + JSON.stringify(thread.message.blocks)).toContain('<@U0BOB>');
    expect(incident.version).toBe(0);
    expect(replies).toEqual([]);
    // A redelivered click posts nothing more.
    expect(await reports.rerun({ channelId: CHANNEL, messageTs: ts, userId: 'U0BOB', windowMs: 24 * HOUR, deliveryKey: 'rerun-1', reply: async () => undefined })).toBe('duplicate');
    expect(slack.messages).toHaveLength(2);
  });

  it('says the report is unknown when its message is not in the records', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { reports, request, replies } = await reportFixture();
      const running = reports.rerun({ ...request('U0OLD'), messageTs: '1111.000001', windowMs: null });
      // It looks again for about two seconds (a click can beat the record of its message).
      await vi.advanceTimersByTimeAsync(2_500);
      expect(await running).toBe('unknown-message');
      expect(replies[0]!.text).toContain('This report is not in pymem’s records any more');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('ReportService: ticks', () => {
  it('records a tick and brings the message up to date; a redelivery is not recorded twice', async () => {
    const { slack, store, reports, posted, tick } = await reportFixture();
    const { ts, incident } = await posted();
    expect(await reports.tick(tick('U0BOB', ts, 'find-worker'))).toBe('updated');
    expect(await reports.tick(tick('U0BOB', ts, 'find-worker'))).toBe('duplicate');
    expect((await store.tickEvents(incident.id)).map((t) => t.userId)).toEqual(['U0BOB']);
    // The redelivery still refreshes (the first update may never have reached Slack).
    expect(slack.callsTo('chat.update')).toHaveLength(2);
    expect(JSON.stringify(slack.message(CHANNEL, ts)!.message.blocks)).toContain('1/5 done');
  });

  it('tells the clicker their tick was not saved when the database fails, naming the step', async () => {
    const { store, reports, posted, tick, replies } = await reportFixture();
    const { ts, incident } = await posted();
    vi.spyOn(store, 'recordTick').mockRejectedValue(new StoreError('unavailable', 'database down'));
    expect(await reports.tick(tick('U0BOB', ts, 'compare-drivers', false))).toBe('not-saved');
    expect(replies.map((r) => r.text)).toEqual([expect.stringContaining(':x: Your untick of “Compare growth with traffic, jobs and time” was not saved: pymem\'s database did not answer.')]);
    expect(await store.tickEvents(incident.id)).toEqual([]);
  });

  it('says a click on a report it has no record of was not saved', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { reports, tick, replies } = await reportFixture();
      const running = reports.tick(tick('U0BOB', '1111.000001', 'find-worker'));
      await vi.advanceTimersByTimeAsync(2_500);
      expect(await running).toBe('unknown-message');
      expect(replies[0]!.text).toContain('pymem has no record of this report, so the tick was not saved.');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('ReportService: shutting down', () => {
  it('tells a requester whose analysis was cut short by a restart to run the command again', async () => {
    const { engine, reports, request, replies } = await reportFixture();
    engine.hold();
    const running = reports.runCommand(request('U0LATE'));
    await new Promise((r) => setImmediate(r));
    await reports.drain(10);
    expect(await running).toBe('failed');
    expect(replies[0]!.text).toContain('pymem is restarting; run the command again in a minute.');
    engine.unhold();
  });

  it('refuses analyses once the engine is closed, with the same advice', async () => {
    const { engine, reports, request, replies } = await reportFixture();
    await engine.close();
    expect(await reports.runCommand(request('U0AFTER'))).toBe('failed');
    expect(replies[0]!.text).toContain('pymem is restarting');
  });

});
