import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InlineEngine } from '../../src/analysis/engine';
import { DoctorService } from '../../src/bot/doctor';
import type { DoctorProbe } from '../../src/domain/doctor';
import { doctorReport } from '../../src/domain/doctor';
import { MetricsError } from '../../src/metrics/errors';
import type { MetricsSource, SeriesRequest } from '../../src/metrics/source';
import { doctorMessage } from '../../src/slack/blocks';
import { SLACK_LIMITS } from '../../src/slack/limits';
import { AccessGate } from '../../src/bot/access-gate';

const NOW = Date.UTC(2026, 2, 2, 12);
const log = pino({ level: 'silent' });

function probeFor(service: string, podOnly: boolean): DoctorProbe {
  const found = (series: number) => ({ status: 'found', series }) as const;
  return {
    service,
    backend: 'Prometheus at http://prom:9090',
    window: { start: new Date(NOW - 6 * 3_600_000).toISOString(), end: new Date(NOW).toISOString() },
    selection: { kind: 'auto' },
    limitFromConfig: false,
    presets: (['prometheus-client', 'multiprocess-gauge', 'process-exporter', 'cadvisor'] as const).map((id) => ({
      preset: id,
      granularity: id === 'cadvisor' ? 'pod' : 'process',
      memoryQuery: `m{job="${service}"}`,
      memory: found(id === 'cadvisor' ? 3 : podOnly ? 0 : 2),
      traffic: found(1),
      jobs: found(0),
      limit: found(1),
      up: found(2),
    })),
  };
}

/** A metrics source that answers only the doctor's probe, the way it is told to. */
class FakeSource implements MetricsSource {
  readonly description = 'a fake backend';
  requests: SeriesRequest[] = [];
  constructor(private readonly answer: (request: SeriesRequest) => Promise<DoctorProbe>) {}
  async fetchService(): Promise<never> {
    throw new Error('not used');
  }
  probeService(request: SeriesRequest): Promise<DoctorProbe> {
    this.requests.push(request);
    return this.answer(request);
  }
  knownServices(): null {
    return null;
  }
  async ping(): Promise<void> {}
}

function service(source: MetricsSource, access: AccessGate = AccessGate.open): DoctorService {
  const engine = new InlineEngine({ source, settings: () => { throw new Error('not used'); }, timeZone: 'UTC' });
  return new DoctorService({ engine, clock: () => NOW, defaultWindowMs: 6 * 3_600_000, timeoutMs: 5_000, access });
}

describe('DoctorService', () => {
  it('probes over the default window ending now and answers with the table', async () => {
    const source = new FakeSource(async (r) => probeFor(r.service, true));
    const { outcome, message } = await service(source).answer({ channelId: 'C1', service: 'k8s-api', windowMs: null, log });
    expect(outcome).toBe('answered');
    expect(source.requests[0]!.window).toEqual({ endMs: NOW, durationMs: 6 * 3_600_000 });
    expect(JSON.stringify(message.blocks)).toContain('&gt; cadvisor');
    expect(message.text).toBe('k8s-api: Would use cadvisor (cAdvisor container memory, one series per pod), auto-detected: the first source in detection order with memory series.');
  });

  it('a backend failure becomes a message that says what failed and what to do', async () => {
    const source = new FakeSource(async () => {
      throw new MetricsError('unreachable', 'Prometheus at http://prom:9090 is unreachable (ECONNREFUSED).');
    });
    const { outcome, message } = await service(source).answer({ channelId: 'C1', service: 'k8s-api', windowMs: 3_600_000, log });
    expect(outcome).toBe('failed');
    expect(message.text).toContain('pymem could not check the metrics for k8s-api: Prometheus at http://prom:9090 is unreachable (ECONNREFUSED). Try again in a minute');
  });

  it('without report.showSource, names neither the backend nor what it said when refusing a query', async () => {
    const refusing = (r: SeriesRequest): DoctorProbe => {
      const probe = probeFor(r.service, true);
      const refused = { status: 'failed', reason: 'bad_data: parse error at char 9 on prom-7.internal:9090' } as const;
      return { ...probe, presets: probe.presets.map((p, i) => (i === 2 ? { ...p, memory: refused } : p)) };
    };
    const source = new FakeSource(async (r) => refusing(r));
    const engine = new InlineEngine({ source, settings: () => { throw new Error('not used'); }, timeZone: 'UTC' });
    const quiet = new DoctorService({ engine, clock: () => NOW, defaultWindowMs: 6 * 3_600_000, timeoutMs: 5_000, showSource: false });
    const hidden = JSON.stringify((await quiet.answer({ channelId: 'C1', service: 'k8s-api', windowMs: null, log })).message);
    expect(hidden).not.toMatch(/prom:9090|prom-7\.internal|parse error/);
    expect(hidden).toContain('refused by the metrics backend');
    // With the default (shown), the same answer carries both, as the CLI does.
    const shown = JSON.stringify((await service(source).answer({ channelId: 'C1', service: 'k8s-api', windowMs: null, log })).message);
    expect(shown).toContain('parse error');
  });

  it('an unexpected error is a message too, without its stack', async () => {
    const source = new FakeSource(async () => {
      throw new TypeError('boom');
    });
    const { outcome, message } = await service(source).answer({ channelId: 'C1', service: 'k8s-api', windowMs: null, log });
    expect(outcome).toBe('failed');
    expect(message.text).not.toContain('boom');
    expect(message.text).toContain('Something unexpected went wrong');
  });

  it('a channel the access list does not allow is told so, and nothing is asked of the backend', async () => {
    const source = new FakeSource(async (r) => probeFor(r.service, false));
    const { outcome } = await service(source, new AccessGate({ channels: { C1: ['billing-*'] }, unlisted: 'deny' })).answer({ channelId: 'C1', service: 'k8s-api', windowMs: null, log });
    expect(outcome).toBe('denied');
    expect(source.requests).toHaveLength(0);
  });
});

describe('doctorMessage', () => {
  it('keeps every section within 3,000 characters and the code fences closed, however long the code', () => {
    const report = doctorReport(probeFor('k8s-api', true));
    const long = { ...report, advice: [...report.advice, { text: 'x '.repeat(2000), code: 'line\n'.repeat(2000) + '```' }] };
    const { blocks } = doctorMessage(long, 6 * 3_600_000);
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    for (const b of blocks) {
      if (b.type !== 'section' || !b.text) continue;
      expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect((b.text.text.match(/```/g) ?? []).length % 2).toBe(0);
    }
  });
});
