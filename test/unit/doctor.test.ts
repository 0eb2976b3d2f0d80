import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { renderDiagnosisText } from '../../src/cli/text-report';
import { reportFor } from '../support/report-factory';
import {
  chooseSource,
  doctorReport,
  pinYaml,
  renderDoctorTable,
  renderDoctorText,
  sourceLine,
  type DoctorProbe,
  type PresetProbe,
  type QueryCount,
} from '../../src/domain/doctor';

const found = (series: number): QueryCount => ({ status: 'found', series });
const off: QueryCount = { status: 'off' };

function preset(id: string, memory: number | QueryCount, granularity: 'process' | 'pod' | null = id === 'cadvisor' ? 'pod' : 'process'): PresetProbe {
  return {
    preset: id,
    granularity,
    memoryQuery: `${id}_memory{job="svc"}`,
    memory: typeof memory === 'number' ? found(memory) : memory,
    traffic: found(1),
    jobs: found(2),
    limit: found(id === 'cadvisor' ? 1 : 0),
    up: found(3),
  };
}

function probe(counts: Record<string, number | QueryCount>, selection: DoctorProbe['selection'] = { kind: 'auto' }): DoctorProbe {
  return {
    service: 'svc',
    backend: 'Prometheus at http://prom:9090',
    window: { start: '2026-03-02T06:00:00.000Z', end: '2026-03-02T12:00:00.000Z' },
    selection,
    limitFromConfig: false,
    presets: Object.entries(counts).map(([id, n]) => preset(id, n)),
  };
}

const ALL_EMPTY = { 'prometheus-client': 0, 'multiprocess-gauge': 0, 'process-exporter': 0, cadvisor: 0 };

describe('chooseSource', () => {
  it('auto: the first preset in detection order with memory series, as fetchService picks it', () => {
    expect(chooseSource(probe({ ...ALL_EMPTY, 'multiprocess-gauge': 4, cadvisor: 2 }))).toEqual({ kind: 'use', preset: 'multiprocess-gauge', granularity: 'process', selection: 'auto' });
    expect(chooseSource(probe({ ...ALL_EMPTY, cadvisor: 2 }))).toEqual({ kind: 'use', preset: 'cadvisor', granularity: 'pod', selection: 'auto' });
  });

  it('auto: a refused query rules out only its preset', () => {
    const choice = chooseSource(probe({ ...ALL_EMPTY, 'prometheus-client': { status: 'failed', reason: 'bad' }, 'process-exporter': 3 }));
    expect(choice).toMatchObject({ kind: 'use', preset: 'process-exporter' });
  });

  it('auto: nothing with data is none, with no pinned source', () => {
    expect(chooseSource(probe(ALL_EMPTY))).toEqual({ kind: 'none', selection: 'auto', pinned: null, withData: [] });
  });

  it('pinned: the pinned preset even when an earlier one has data; none when it is empty, naming those that have data', () => {
    expect(chooseSource(probe({ ...ALL_EMPTY, 'prometheus-client': 4, cadvisor: 2 }, { kind: 'pinned', preset: 'cadvisor' }))).toMatchObject({ kind: 'use', preset: 'cadvisor', selection: 'pinned' });
    expect(chooseSource(probe({ ...ALL_EMPTY, cadvisor: 2 }, { kind: 'pinned', preset: 'process-exporter' }))).toEqual({
      kind: 'none',
      selection: 'pinned',
      pinned: 'process-exporter',
      withData: ['cadvisor'],
    });
  });

  it('custom: the config’s own query decides', () => {
    expect(chooseSource(probe({ custom: 3, ...ALL_EMPTY }, { kind: 'custom' }))).toMatchObject({ kind: 'use', preset: 'custom', selection: 'custom' });
    expect(chooseSource(probe({ custom: 0, ...ALL_EMPTY, cadvisor: 1 }, { kind: 'custom' }))).toMatchObject({ kind: 'none', pinned: 'custom', withData: ['cadvisor'] });
  });
});

describe('doctorReport', () => {
  it('a cAdvisor-only service: per-pod row chosen, pin YAML, and how to get per-process data', () => {
    const report = doctorReport(probe({ ...ALL_EMPTY, cadvisor: 2 }));
    expect(report.rows.map((r) => [r.source, r.series, r.per, r.chosen])).toEqual([
      ['prometheus-client', '0', 'process', false],
      ['multiprocess-gauge', '0', 'process', false],
      ['process-exporter', '0', 'process', false],
      ['cadvisor', '2', 'pod', true],
    ]);
    expect(report.pinYaml).toBe('services:\n  svc:\n    source: cadvisor');
    const text = report.advice.map((a) => `${a.text}\n${a.code ?? ''}`).join('\n');
    expect(text).toContain('python_worker_rss_bytes');
    expect(text).toContain('multiprocess_mode="liveall"');
    expect(text).toContain('svc-{{.PID}}');
  });

  it('a per-process source gets no per-pod advice', () => {
    const report = doctorReport(probe({ ...ALL_EMPTY, 'prometheus-client': 4, cadvisor: 2 }));
    expect(report.choice).toMatchObject({ preset: 'prometheus-client' });
    expect(report.advice.map((a) => a.code).join('\n')).not.toContain('python_worker_rss_bytes');
  });

  it('nothing found: says what each preset needs, with the service filled in', () => {
    const report = doctorReport(probe(ALL_EMPTY));
    expect(report.choice.kind).toBe('none');
    expect(report.pinYaml).toBeNull();
    expect(report.summary).toBe('No source found memory series for svc in this window.');
    expect(report.advice[0]!.code).toContain('process-exporter: process-exporter with a group per process: name "svc-{{.PID}}"');
  });

  it('a pinned source without data points at one that has data', () => {
    const report = doctorReport(probe({ ...ALL_EMPTY, cadvisor: 2 }, { kind: 'pinned', preset: 'prometheus-client' }));
    expect(report.summary).toBe('The config pins prometheus-client, which found no memory series for svc; cadvisor has data.');
    expect(report.advice[0]!.code).toBe(pinYaml('svc', 'cadvisor'));
  });

  it('cells: off, error, counts, and a limit from the config', () => {
    const p = probe({ ...ALL_EMPTY, 'prometheus-client': 4 });
    const first = { ...p.presets[0]!, traffic: off, jobs: { status: 'failed', reason: 'refused: unknown function' } as const, up: found(1) };
    const report = doctorReport({ ...p, limitFromConfig: true, presets: [first, ...p.presets.slice(1)] });
    expect(report.rows[0]).toMatchObject({ traffic: 'off', jobs: 'error', limit: 'config', up: '1 target' });
    expect(report.failures).toEqual(['prometheus-client jobs: refused: unknown function']);
    expect(renderDoctorText(report)).toContain('prometheus-client jobs: refused: unknown function');
  });

  it('a shared query that fails is one line naming every preset it failed for', () => {
    const p = probe(ALL_EMPTY);
    const refused = { status: 'failed', reason: 'unknown function' } as const;
    const presets = p.presets.map((x, i) => ({ ...x, traffic: refused, memory: i === 3 ? refused : x.memory }));
    expect(doctorReport({ ...p, presets }).failures).toEqual([
      'prometheus-client, multiprocess-gauge, process-exporter, cadvisor traffic: unknown function',
      'cadvisor memory: unknown function',
    ]);
  });

  it('the table lines up and marks the chosen row', () => {
    const table = renderDoctorTable(doctorReport(probe({ ...ALL_EMPTY, cadvisor: 12 })).rows);
    const lines = table.split('\n');
    expect(lines[0]).toBe('  source              series  per      traffic  jobs     limit  up');
    expect(lines[4]).toBe('> cadvisor            12      pod      yes      2 types  yes    3 targets');
  });

  it('quotes a service name YAML would misread', () => {
    expect(pinYaml('shop:checkout', 'cadvisor')).toBe('services:\n  "shop:checkout":\n    source: cadvisor');
  });
});

describe('sourceLine', () => {
  const queries = { memory: 'm', traffic: null, jobs: null, limit: null, up: null, restarts: null };
  it.each([
    [{ preset: 'cadvisor', granularity: 'pod', selection: 'auto' }, 'Source: cAdvisor container memory, one series per pod (auto-detected)'],
    [{ preset: 'prometheus-client', granularity: 'process', selection: 'pinned' }, 'Source: prometheus_client process metrics, one series per process (pinned in the config)'],
    [{ preset: 'custom', granularity: null, selection: 'custom' }, 'Source: the config’s own memory query (set in the config)'],
  ] as const)('%j', (source, line) => {
    expect(sourceLine({ ...source, queries })).toBe(line);
  });
});

describe('pymem doctor (in process, demo data)', () => {
  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {}, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), now: () => Date.parse('2026-03-02T12:00:00Z') });
    return { code, stdout, stderr };
  }

  it('prints the table for a demo service and exits 0', async () => {
    const r = await run(['doctor', 'checkout-api', '--demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/> prometheus-client +8 +process/);
    expect(r.stdout).toContain('source: prometheus-client');
  });

  it('--json carries the rows, the choice and the probe', async () => {
    const r = await run(['doctor', 'checkout-api', '--demo', '--json']);
    const out = JSON.parse(r.stdout) as { choice: { kind: string; preset: string }; rows: unknown[]; probe: { presets: unknown[] } };
    expect(out.choice).toMatchObject({ kind: 'use', preset: 'prometheus-client' });
    expect(out.rows).toHaveLength(4);
    expect(out.probe.presets).toHaveLength(4);
  });

  it.each([
    [['doctor'], 2, /a service name is required/],
    [['doctor', 'a', 'b', '--demo'], 2, /one service at a time/],
    [['doctor', 'checkout-api', '--demo', '--png', 'x.png'], 2, /Unknown option '--png'/],
    [['doctor', 'checkout-api', '--demo', '--window', 'soon'], 2, /--window: expected a duration/],
    [['doctor', 'checkout-api'], 2, /no metrics backend/],
    [['doctor', 'no-such-service', '--demo'], 5, /no demo service called "no-such-service"/],
    [['doctor', 'checkout-api', '--config', '/nonexistent/pymem.yml'], 3, /pymem\.yml/],
  ])('%j exits %i', async (args, code, message) => {
    const r = await run(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.startsWith('pymem: ')).toBe(true);
  });
});

describe('the CLI text report names its source', () => {
  it('prints the source line and the memory PromQL', () => {
    const report = reportFor('one-8w-6h');
    const source = { ...report.diagnosis.source, preset: 'process-exporter', selection: 'pinned' as const, queries: { ...report.diagnosis.source.queries, memory: 'namedprocess_namegroup_memory_bytes{memtype="resident", groupname=~"ow-a-[0-9]+"}' } };
    const text = renderDiagnosisText({ ...report.diagnosis, source }, report.checklist, { sourceDescription: 'Prometheus at http://p:9090', timeZone: 'UTC' });
    expect(text).toContain('\nSource: process-exporter, one group per pid (pinned in the config)\n  Memory query: namedprocess_namegroup_memory_bytes{memtype="resident", groupname=~"ow-a-[0-9]+"}\n');
  });
});
