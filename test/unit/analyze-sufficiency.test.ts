import { describe, expect, it } from 'vitest';
import { simulatedSource } from '../../src/simulation/sample';
import { analyze, guidanceFor, type AnalyzeOptions } from '../../src/domain/analyze';
import type { AnalysisOutcome, InsufficientData, InsufficientReason } from '../../src/domain/diagnosis';
import type { Grid, GridSeries, Labels, ServiceSeries } from '../../src/domain/series';

const MIB = 1024 * 1024;
const START = Date.UTC(2026, 2, 2, 8, 0, 0);
/** 240 points at 60 s: 08:00 to 11:59. */
const GRID: Grid = { startMs: START, stepMs: 60_000, length: 240 };

function series(labels: Labels, value: (i: number) => number, grid: Grid = GRID): GridSeries {
  const values = new Float64Array(grid.length);
  for (let i = 0; i < grid.length; i++) values[i] = value(i);
  return { labels, values };
}

/** Flat around `mib` MiB with a small deterministic wobble (a constant line has no variance to fit). */
function flat(labels: Labels, mib: number): GridSeries {
  return series(labels, (i) => mib * MIB + ((i * 7919) % 13) * 0.05 * MIB);
}

function service(memory: readonly GridSeries[], grid: Grid = GRID): ServiceSeries {
  // Custom queries: what a series stands for is read from its labels.
  const source = { ...simulatedSource('checkout-api'), preset: 'custom', granularity: null };
  return { service: 'checkout-api', grid, memory, traffic: null, jobs: [], limit: null, targets: [], restarts: [], source, warnings: [] };
}

function insufficient(outcome: AnalysisOutcome): InsufficientData {
  expect(outcome.status).toBe('insufficient-data');
  if (outcome.status !== 'insufficient-data') throw new Error('diagnosed');
  return outcome.insufficient;
}

const WINDOW = {
  start: '2026-03-02T08:00:00.000Z',
  end: '2026-03-02T11:59:00.000Z',
  durationSeconds: 239 * 60,
  stepSeconds: 60,
};

const perPid = (n: number, instance = 'web-1'): GridSeries[] => Array.from({ length: n }, (_, k) => flat({ pid: String(4300 + k), instance }, 300 + k));
const perInstance = (n: number): GridSeries[] => Array.from({ length: n }, (_, k) => flat({ instance: `web-${k + 1}:8000`, job: 'checkout-api' }, 2400));

describe('analyze: data that cannot answer the question', () => {
  it('no memory series -> no-memory-series, naming the query, with per-worker guidance', () => {
    const data = insufficient(analyze(service([]), { memoryQuery: 'process_resident_memory_bytes{job="checkout-api"}' }));
    expect(data.reason).toBe('no-memory-series');
    expect(data.service).toBe('checkout-api');
    expect(data.window).toEqual(WINDOW);
    expect(data.message).toBe(
      'The memory query returned no series for checkout-api in this window (process_resident_memory_bytes{job="checkout-api"}).',
    );
    expect(data.guidance).toEqual(guidanceFor('no-memory-series'));
    const text = data.guidance.join('\n');
    expect(text).toMatch(/\bpid\b/);
    expect(text).toMatch(/multiprocess/);
    expect(text).toContain('PROMETHEUS_MULTIPROC_DIR');
    expect(data.guidance[0]).toMatch(/service name/);
  });

  it('names the memory query that was sent when none is given', () => {
    expect(insufficient(analyze(service([]))).message).toContain('(process_resident_memory_bytes{job="checkout-api"})');
  });

  it.each([
    ['container series by __name__', [0, 1, 2].map((k) => flat({ __name__: 'container_memory_working_set_bytes', pod: `checkout-api-7d9f-${k}`, container: 'app' }, 2400)), {}],
    ['a container_ memory query', [flat({ pod: 'checkout-api-0' }, 1200), flat({ pod: 'checkout-api-1' }, 1200)], { memoryQuery: 'sum by (pod) (container_memory_working_set_bytes{container="checkout-api"})' }],
    ['one series per instance while 8 workers per instance are expected', perInstance(3), { workersPerInstance: 8 }],
    ['pod labels while 4 workers per pod are expected', [0, 1].map((k) => flat({ pod: `checkout-api-${k}` }, 2400)), { workersPerInstance: 4 }],
  ] as const)('%s: diagnosed at pod granularity, not refused', (_name, memory, options: AnalyzeOptions) => {
    const outcome = analyze(service(memory), options);
    expect(outcome.status).toBe('diagnosed');
    if (outcome.status !== 'diagnosed') return;
    expect(outcome.diagnosis.granularity).toBe('pod');
    expect(outcome.diagnosis.pattern).toBe('stable');
    expect(outcome.diagnosis.findings.join(' ')).toMatch(/one series per pod/);
  });

  it('one worker per pod (configured) makes pod data as precise as process data', () => {
    const memory = [0, 1, 2].map((k) => flat({ __name__: 'container_memory_working_set_bytes', pod: `checkout-api-${k}` }, 400));
    const outcome = analyze(service(memory), { workersPerInstance: 1 });
    expect(outcome.status === 'diagnosed' && outcome.diagnosis.granularity).toBe('process');
  });

  it('too few points -> too-few-points, counting the samples', () => {
    const sparse = series({ pid: '4312', instance: 'web-1' }, (i) => (i === 10 || i === 100 || i === 200 ? 300 * MIB : Number.NaN));
    const data = insufficient(analyze(service([sparse])));
    expect(data.reason).toBe('too-few-points');
    expect(data.message).toBe(
      'Only 3 memory samples for checkout-api in this window: too few to see a trend. Try a longer window or check that the service is scraped.',
    );
    expect(data.guidance).toEqual(guidanceFor('too-few-points'));
    expect(data.guidance.join(' ')).toContain('--window 24h');
  });

  it('counts all samples but judges by the best series', () => {
    // Three series with 7 points each: 21 samples, but no single series can show a trend.
    const memory = [0, 1, 2].map((k) => series({ pid: String(k) }, (i) => (i % 30 === 0 && i < 210 ? 300 * MIB : Number.NaN)));
    const data = insufficient(analyze(service(memory)));
    expect(data.reason).toBe('too-few-points');
    expect(data.message).toMatch(/^Only 21 memory samples/);
  });

  it('too few points is too few at pod granularity too', () => {
    const sparse = series({ __name__: 'container_memory_working_set_bytes', pod: 'p' }, (i) => (i < 3 ? MIB : Number.NaN));
    expect(insufficient(analyze(service([sparse]))).reason).toBe('too-few-points');
  });
});

describe('analyze: data that can answer', () => {
  it('one series per instance without workersPerInstance is treated as one process per instance', () => {
    const outcome = analyze(service(perInstance(3)));
    expect(outcome.status).toBe('diagnosed');
  });

  it.each([
    ['workersPerInstance 1', perInstance(3), { workersPerInstance: 1 }],
    ['workersPerInstance null', perInstance(3), { workersPerInstance: null }],
    ['pid labels win over workersPerInstance', perPid(4), { workersPerInstance: 8 }],
    ['worker_id label', [0, 1, 2].map((k) => flat({ worker_id: String(k), pod: 'p-0' }, 300)), { workersPerInstance: 8 }],
    ['pid on container-named series', [0, 1].map((k) => flat({ __name__: 'container_memory_rss', pid: String(k) }, 300)), {}],
  ] as const)('%s -> diagnosed', (_name, memory, options: AnalyzeOptions) => {
    expect(analyze(service(memory), options).status).toBe('diagnosed');
  });

  it('exactly 8 points in one series is enough', () => {
    const eight = series({ pid: '1' }, (i) => (i >= 232 ? 300 * MIB + i : Number.NaN));
    const seven = series({ pid: '1' }, (i) => (i >= 233 ? 300 * MIB + i : Number.NaN));
    expect(analyze(service([eight])).status).toBe('diagnosed');
    expect(insufficient(analyze(service([seven]))).reason).toBe('too-few-points');
  });

  it('flat workers with pid labels are stable', () => {
    const outcome = analyze(service(perPid(6)), { timeZone: 'UTC' });
    expect(outcome.status).toBe('diagnosed');
    if (outcome.status !== 'diagnosed') return;
    const d = outcome.diagnosis;
    expect(d.pattern).toBe('stable');
    expect(d.service).toBe('checkout-api');
    expect(d.window).toEqual(WINDOW);
    expect(d.workers).toHaveLength(6);
    expect(d.workers.map((w) => w.pid).sort()).toEqual(['4300', '4301', '4302', '4303', '4304', '4305']);
    expect(d.totals.workersAtStart).toBe(6);
    expect(d.totals.workersAtEnd).toBe(6);
    expect(d.confidence).toBeGreaterThan(0);
    expect(d.confidence).toBeLessThanOrEqual(1);
    expect(d.findings.length).toBeGreaterThan(0);
  });
});

describe('guidanceFor', () => {
  it.each([
    ['no-memory-series', 5],
    ['too-few-points', 1],
  ] as const)('%s has %i items', (reason: InsufficientReason, count) => {
    expect(guidanceFor(reason)).toHaveLength(count);
  });

  it('no-memory-series explains the name check, then how to export a per-worker series', () => {
    const text = guidanceFor('no-memory-series').join('\n');
    expect(guidanceFor('no-memory-series')[0]).toMatch(/service name/);
    expect(text).toContain("multiprocess_mode='liveall'");
    expect(text).toContain('process-exporter');
    expect(text).toContain('$service');
  });

  it('returns a fresh array each time', () => {
    const a = guidanceFor('too-few-points');
    a.push('mutated');
    expect(guidanceFor('too-few-points')).toHaveLength(1);
  });
});
