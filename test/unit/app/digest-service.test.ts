/**
 * DigestService's decisions with in-memory fakes: each service measured once and no more than the
 * configured number at a time, a service that cannot be measured listed as such, a service the
 * channel may not see named but not shown, a quiet digest posted without a chart, and a chart that
 * fails leaving a digest that says so.
 */

import { describe, expect, it } from 'vitest';
import { InlineEngine } from '../../../src/analysis/engine';
import type { MeasureRequest, MeasureResult } from '../../../src/analysis/jobs';
import { loadConfig, serviceSettingsFor } from '../../../src/config/load';
import type { GrowthStatus } from '../../../src/domain/digest';
import { MetricsError } from '../../../src/metrics/errors';
import { digestService } from '../../support/digest-fixtures';
import { cannedMeasurement, FakeAnalysisEngine, TINY_PNG } from '../../support/fakes/fake-analysis-engine';
import { demoSeries, FakeMetricsSource, type FakeAnswer } from '../../support/fakes/fake-metrics-source';
import { FakeSlackGateway } from '../../support/fakes/fake-slack-gateway';
import { InMemoryStore } from '../../support/fakes/in-memory-store';
import { RecordingTelemetry } from '../../support/fakes/recording-telemetry';
import { AccessGate } from '../../../src/bot/access-gate';

const END = Date.UTC(2026, 2, 2, 8);
const PERIOD = new Date(END).toISOString();

/** A measured entry with the given growth status. */
function measuredAs(status: GrowthStatus): (request: MeasureRequest) => MeasureResult {
  return (request) => {
    const result = cannedMeasurement(request);
    const entry = result.measurement.entry;
    if (entry.kind !== 'measured') throw new Error('the canned measurement is measured');
    return { ...result, measurement: { entry: { ...entry, status }, panel: { ...result.measurement.panel, status } } };
  };
}

async function fixture(extra: Parameters<typeof digestService>[2] = {}) {
  const store = new InMemoryStore();
  await store.migrate();
  const engine = new FakeAnalysisEngine();
  const telemetry = new RecordingTelemetry();
  const digest = digestService(engine, store, { telemetry, ...extra });
  return { store, engine, telemetry, digest, slack: new FakeSlackGateway() };
}

describe('DigestService', () => {
  it('measures each service once, never more at a time than allowed, and reports how many are in flight', async () => {
    const { engine, telemetry, digest } = await fixture({ concurrency: 2 });
    const release: (() => void)[] = [];
    const inFlight: string[] = [];
    for (const service of ['a-api', 'b-api', 'c-api', 'd-api', 'e-api']) {
      engine.measureFor.set(service, async (request) => {
        inFlight.push(service);
        await new Promise<void>((resolve) => release.push(resolve));
        return cannedMeasurement(request);
      });
    }
    const all = digest.measureAll(['a-api', 'b-api', 'a-api', 'c-api', 'd-api', 'e-api', 'b-api'], END);
    await new Promise((r) => setImmediate(r));
    expect(inFlight).toEqual(['a-api', 'b-api']);
    expect(telemetry.measurementsInFlight.current).toBe(2);
    while (release.length > 0) {
      release.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    const measured = await all;
    expect([...measured.keys()]).toEqual(['a-api', 'b-api', 'c-api', 'd-api', 'e-api']);
    expect(engine.measures.map((m) => m.service)).toEqual(['a-api', 'b-api', 'c-api', 'd-api', 'e-api']);
    expect(telemetry.measurementsInFlight).toEqual({ current: 0, peak: 2 });
  });

  it('lists a service the engine failed on as not measured, and measures the rest', async () => {
    const { engine, digest } = await fixture();
    engine.measureFor.set('broken-api', () => Promise.reject(new Error('a worker thread died')));
    const measured = await digest.measureAll(['broken-api', 'checkout-api'], END);
    expect(measured.get('broken-api')!.entry).toEqual({ kind: 'error', service: 'broken-api', message: 'an unexpected error (logged)', change: null });
    expect(measured.get('checkout-api')!.entry.kind).toBe('measured');
  });

  it('names a service the channel may not see without showing its figures', async () => {
    const { digest } = await fixture({ access: new AccessGate({ channels: { C0TEAM1: ['checkout-*'] }, unlisted: 'deny' }) });
    const measured = await digest.measureAll(['checkout-api', 'billing-worker'], END);
    const composed = await digest.compose('C0TEAM1', ['checkout-api', 'billing-worker'], measured, END, PERIOD);
    const billing = composed.entries.find((e) => e.service === 'billing-worker')!;
    expect(billing).toEqual({ kind: 'error', service: 'billing-worker', message: 'this channel may not query it (access list)', change: null });
    expect(composed.panels.find((p) => p.service === 'billing-worker')!.totalBytes).toHaveLength(0);
    expect(composed.entries.find((e) => e.service === 'checkout-api')!.kind).toBe('measured');
  });

  it('compares with the channel’s previous posted digest', async () => {
    const { store, digest } = await fixture();
    const measured = await digest.measureAll(['checkout-api'], END);
    const first = await digest.compose('C0TEAM1', ['checkout-api'], measured, END, PERIOD);
    expect(first.entries[0]!.change).toBeNull();
    const yesterday = new Date(END - 86_400_000).toISOString();
    await store.claimDigest('C0TEAM1', yesterday, 'replica-a', END - 86_400_000, 60_000);
    await store.finishDigest('C0TEAM1', yesterday, 'replica-a', { status: 'posted', messageTs: '1.1', summary: digest.summary(first), at: END - 86_400_000 });
    const second = await digest.compose('C0TEAM1', ['checkout-api'], measured, END, PERIOD);
    expect(second.entries[0]!.change).not.toBeNull();
  });

  it('posts a quiet digest (everything steady) in one line, without drawing a chart', async () => {
    const { engine, digest, slack } = await fixture();
    engine.measureFor.set('checkout-api', measuredAs('steady'));
    engine.measureFor.set('search-api', measuredAs('steady'));
    const measured = await digest.measureAll(['checkout-api', 'search-api'], END);
    const posted = await digest.post(await digest.compose('C0TEAM1', ['checkout-api', 'search-api'], measured, END, PERIOD), slack);
    expect(posted.ok).toBe(true);
    expect(engine.digestCharts).toEqual([]);
    expect(slack.callsTo('files.uploadV2')).toEqual([]);
    expect(slack.messages[0]!.message.text + JSON.stringify(slack.messages[0]!.message.blocks)).toContain('all 2 services steady');
  });

  it('draws and uploads the chart when a service grew; says so when drawing or uploading fails', async () => {
    const { engine, digest, slack } = await fixture();
    engine.measureFor.set('checkout-api', measuredAs('grew'));
    const composed = await digest.compose('C0TEAM1', ['checkout-api'], await digest.measureAll(['checkout-api'], END), END, PERIOD);

    const drawn = await digest.render(composed, slack);
    expect(drawn.image).toEqual({ fileId: 'F0CHART1', problem: null });
    expect(drawn.png).toEqual(TINY_PNG);
    expect(engine.digestCharts[0]!.options.title).toBe('Memory digest — 1 service, 1 growing');

    slack.failNext('files.uploadV2', 'http_500');
    expect((await digest.render(composed, slack)).image).toEqual({ fileId: null, problem: 'uploading the chart to Slack failed.' });

    engine.digestChartError = new Error('canvas failed');
    expect((await digest.render(composed, slack)).image).toEqual({ fileId: null, problem: 'the chart could not be drawn (logged).' });
    expect(slack.callsTo('files.uploadV2')).toHaveLength(2);
  });

  it('measures through a real job: a backend failure is listed without the backend’s address, data is measured', async () => {
    const source = new FakeMetricsSource(
      new Map<string, FakeAnswer>([
        ['checkout-api', demoSeries('checkout-api')],
        ['billing-worker', new MetricsError('unreachable', 'Prometheus at http://prom.internal:9090 refused the connection')],
      ]),
    );
    const config = loadConfig({ env: {} });
    const charts = { memory: async () => Buffer.from(TINY_PNG), digest: async () => Buffer.from(TINY_PNG), verify: async () => Buffer.from(TINY_PNG) };
    const engine = new InlineEngine({ source, settings: (service) => serviceSettingsFor(config, service), timeZone: 'UTC' }, { charts });
    const store = new InMemoryStore();
    await store.migrate();
    const digest = digestService(engine, store, { showSource: false });
    const measured = await digest.measureAll(['checkout-api', 'billing-worker'], END);
    const billing = measured.get('billing-worker')!.entry;
    expect(billing.kind).toBe('error');
    if (billing.kind === 'error') {
      expect(billing.message).not.toContain('prom.internal');
      expect(billing.message).toMatch(/metrics backend/);
    }
    expect(measured.get('checkout-api')!.entry.kind).toBe('measured');
    expect(source.requests.map((r) => [r.service, r.window.durationMs])).toEqual([
      ['checkout-api', 86_400_000],
      ['billing-worker', 86_400_000],
    ]);
  });
});
