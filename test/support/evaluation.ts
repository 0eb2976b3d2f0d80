/**
 * Measures the diagnosis on labelled sets the way a user meets it: the data backfilled into a
 * real Prometheus, fetched through the production PrometheusSource with the default queries,
 * analysed by `analyze()`. Shared by `scripts/eval-scenarios.ts` and the accuracy tests.
 *
 * Sets:
 * - own: the hand-written scenario set the engine was first built on (test/support/scenario-set.ts);
 * - matrix: the nuisance matrix from a second, independent generator (test/support/matrix/);
 * - recorded: real Python services recorded on this machine (test/fixtures/recorded/);
 * - subtle: the matrix again with every effect shrunk towards the noise. Not held to the accuracy
 *   bar (some cases are a coin toss by design): it is where confidence learns to come down;
 * - pods: the matrix as a cluster with only cAdvisor sees it (one line per pod), found by source
 *   detection and diagnosed at pod granularity.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, serviceSettingsFor } from '../../src/config/load';
import { analyze } from '../../src/domain/analyze';
import type { AnalysisOutcome, ComponentPattern, PatternId } from '../../src/domain/diagnosis';
import { PrometheusSource } from '../../src/metrics/prometheus';
import { matrixCases } from './matrix/cases';
import { emit } from './matrix/plan';
import { emitPods } from './matrix/pods';
import { type MetricFamily, writeOpenMetrics } from './openmetrics';
import { backfill, startPrometheus, type RunningPrometheus } from './prometheus';
import { SCENARIOS, SCENARIO_END_MS } from './scenario-set';
import { familiesFor } from './scenario-metrics';
import { loadRecordings, recordingCases } from './recorded-cases';

export const SET_NAMES = ['own', 'recorded', 'matrix', 'subtle', 'pods'] as const;
export type SetName = (typeof SET_NAMES)[number];

export interface EvalCase {
  readonly set: SetName;
  readonly id: string;
  readonly label: PatternId;
  /** For `mixed`: every component that must be named. */
  readonly components: readonly ComponentPattern[];
  /** `tune` may guide changes to the classifier; `holdout` is only reported. The own set is `all`. */
  readonly split: 'tune' | 'holdout' | 'all';
  readonly service: string;
  readonly endMs: number;
  readonly windowMs: number;
  readonly notes: string;
  /** The raw scrapes; called once when the set's data directory is built. */
  families(): MetricFamily[];
}

export interface EvalResult {
  readonly case: EvalCase;
  readonly outcome: AnalysisOutcome | null;
  /** Set when fetching or analysing threw. */
  readonly error: string | null;
  readonly right: boolean;
}

const ROOT = join(__dirname, '..', '..');

export function casesOf(set: SetName): EvalCase[] {
  switch (set) {
    case 'own':
      return SCENARIOS.map((sc) => ({
        set,
        id: sc.id,
        label: sc.label,
        components: sc.components ?? [],
        split: 'all',
        service: sc.spec.service,
        endMs: SCENARIO_END_MS,
        windowMs: sc.spec.windowMs,
        notes: sc.why,
        families: () => familiesFor([sc.spec]),
      }));
    case 'matrix':
    case 'subtle':
    case 'pods':
      return matrixCases(set === 'matrix' ? 16 : 4, set === 'subtle', set === 'pods').map((c) => ({
        set,
        id: c.id,
        label: c.label,
        components: c.components,
        split: c.split,
        service: c.plan.service,
        endMs: c.plan.endMs,
        windowMs: c.plan.windowMs,
        notes: c.notes,
        families: () => (set === 'pods' ? emitPods(c.plan) : emit(c.plan)),
      }));
    case 'recorded':
      return recordingCases(loadRecordings());
    default: {
      const unknown: never = set;
      throw new Error(`unknown set ${String(unknown)}`);
    }
  }
}

/** The source files a set's data is generated from: when they change, the cached data is rebuilt. */
function generatorFiles(set: SetName): string[] {
  const dirFiles = (dir: string, ext: string): string[] =>
    existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(ext)).map((f) => join(dir, f)) : [];
  switch (set) {
    case 'own':
      return ['test/support/scenario-set.ts', 'test/support/scenario-metrics.ts', ...dirFiles('src/simulation', '.ts')];
    case 'matrix':
    case 'subtle':
    case 'pods':
      return dirFiles('test/support/matrix', '.ts');
    case 'recorded':
      return ['test/support/recorded-cases.ts', 'test/support/recordings.ts', ...dirFiles('test/fixtures/recorded', '.om'), ...dirFiles('test/fixtures/recorded', '.json')];
    default: {
      const unknown: never = set;
      throw new Error(String(unknown));
    }
  }
}

function cacheKey(set: SetName): string {
  const hash = createHash('sha256');
  hash.update('v1');
  for (const file of generatorFiles(set).sort()) {
    hash.update(file);
    hash.update(readFileSync(join(ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Backfills a set into a data directory (under `cacheRoot`, reused while the generators are
 * unchanged) and starts a Prometheus on it. Cases are written in batches, one OpenMetrics file
 * each, so a set of tens of millions of samples never sits in memory at once; Prometheus 2.39+
 * serves the overlapping blocks this makes.
 */
export async function serveSet(set: SetName, cases: readonly EvalCase[], cacheRoot = join(ROOT, '.cache', 'eval'), log: (line: string) => void = () => {}): Promise<RunningPrometheus> {
  const dataDir = join(cacheRoot, `${set}-${cacheKey(set)}`);
  if (!existsSync(join(dataDir, '.complete'))) {
    rmSync(dataDir, { recursive: true, force: true });
    const building = `${dataDir}.building`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(building, { recursive: true });
    const started = Date.now();
    const batchSize = 24;
    for (let i = 0; i < cases.length; i += batchSize) {
      const batch = cases.slice(i, i + batchSize);
      const file = join(building, `batch-${i}.om`);
      await writeOpenMetrics(file, mergeFamilies(batch.map((c) => c.families())));
      await backfill(file, join(building, 'data'));
      rmSync(file);
      log(`  ${set}: backfilled ${Math.min(cases.length, i + batchSize)}/${cases.length} cases (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    renameSync(building, dataDir);
    writeFileSync(join(dataDir, '.complete'), new Date().toISOString());
    pruneOld(cacheRoot, set, dataDir);
  }
  return startPrometheus({ dataDir: join(dataDir, 'data'), readyTimeoutMs: 240_000 });
}

function pruneOld(cacheRoot: string, set: SetName, keep: string): void {
  for (const name of readdirSync(cacheRoot)) {
    const path = join(cacheRoot, name);
    if (name.startsWith(`${set}-`) && path !== keep && statSync(path).isDirectory()) rmSync(path, { recursive: true, force: true });
  }
}

/** promtool wants each family in one block: merge the cases' families by name. */
export function mergeFamilies(all: readonly MetricFamily[][]): MetricFamily[] {
  const merged = new Map<string, { name: string; type: MetricFamily['type']; series: MetricFamily['series'][number][] }>();
  for (const families of all) {
    for (const family of families) {
      let target = merged.get(family.name);
      if (!target) {
        target = { name: family.name, type: family.type, series: [] };
        merged.set(family.name, target);
      }
      target.series.push(...family.series);
    }
  }
  return [...merged.values()];
}

/** Fetches and analyses every case through the production path; `concurrency` requests at a time. */
export async function diagnoseAll(cases: readonly EvalCase[], url: string, concurrency = 4): Promise<EvalResult[]> {
  const config = loadConfig({ env: { PROMETHEUS_URL: url } });
  if (config.prometheus === null) throw new Error("no Prometheus configured");
  const source = new PrometheusSource(config.prometheus, (service) => serviceSettingsFor(config, service));
  const results: EvalResult[] = new Array<EvalResult>(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++;
      const c = cases[index]!;
      try {
        const series = await source.fetchService({ service: c.service, window: { endMs: c.endMs, durationMs: c.windowMs } });
        const settings = serviceSettingsFor(config, c.service);
        const outcome = analyze(series, { memoryQuery: settings.queries.memory, workersPerInstance: settings.workersPerInstance });
        results[index] = { case: c, outcome, error: null, right: isRight(c, outcome) };
      } catch (error) {
        results[index] = { case: c, outcome: null, error: error instanceof Error ? error.message : String(error), right: false };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** Right when the pattern is the label; a `mixed` verdict counts when it names the label; a mixed label needs every component. */
export function isRight(c: Pick<EvalCase, 'label' | 'components'>, outcome: AnalysisOutcome): boolean {
  if (outcome.status !== 'diagnosed') return false;
  const d = outcome.diagnosis;
  if (c.label === 'mixed') return d.pattern === 'mixed' && c.components.every((p) => d.secondary.includes(p));
  if (d.pattern === c.label) return true;
  return d.pattern === 'mixed' && (d.secondary as readonly string[]).includes(c.label);
}

export interface ReliabilityRow {
  readonly from: number;
  readonly to: number;
  readonly count: number;
  readonly right: number;
}

export interface Summary {
  readonly total: number;
  readonly right: number;
  readonly accuracy: number;
  /** Stable services called anything else. */
  readonly stableMissed: number;
  /** Services with a real pattern called stable. */
  readonly growthCalledStable: number;
  readonly confusion: ReadonlyMap<string, number>;
  readonly reliability: readonly ReliabilityRow[];
  /** Of the verdicts at confidence 0.9 or above, the share that were right (NaN when none). */
  readonly accuracyAtHighConfidence: number;
  readonly highConfidenceCount: number;
}

export const CONFIDENCE_BUCKETS: readonly (readonly [number, number])[] = [
  [0, 0.5],
  [0.5, 0.6],
  [0.6, 0.7],
  [0.7, 0.8],
  [0.8, 0.9],
  [0.9, 0.95],
  [0.95, 1.0001],
];

export function summarise(results: readonly EvalResult[]): Summary {
  const confusion = new Map<string, number>();
  let right = 0;
  let stableMissed = 0;
  let growthCalledStable = 0;
  let high = 0;
  let highRight = 0;
  const rows = CONFIDENCE_BUCKETS.map(([from, to]) => ({ from, to, count: 0, right: 0 }));
  for (const r of results) {
    const called = r.outcome === null ? 'error' : r.outcome.status === 'diagnosed' ? r.outcome.diagnosis.pattern : 'insufficient-data';
    const key = `${r.case.label} -> ${called}`;
    confusion.set(key, (confusion.get(key) ?? 0) + 1);
    if (r.right) right++;
    if (r.case.label === 'stable' && called !== 'stable') stableMissed++;
    if (r.case.label !== 'stable' && called === 'stable') growthCalledStable++;
    if (r.outcome?.status === 'diagnosed') {
      const c = r.outcome.diagnosis.confidence;
      const row = rows.find((b) => c >= b.from && c < b.to);
      if (row) {
        row.count++;
        if (r.right) row.right++;
      }
      if (c >= 0.9) {
        high++;
        if (r.right) highRight++;
      }
    }
  }
  return {
    total: results.length,
    right,
    accuracy: results.length === 0 ? NaN : right / results.length,
    stableMissed,
    growthCalledStable,
    confusion,
    reliability: rows,
    accuracyAtHighConfidence: high === 0 ? NaN : highRight / high,
    highConfidenceCount: high,
  };
}

export function formatSummary(title: string, s: Summary): string {
  const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
  const lines = [
    `${title}: ${s.right}/${s.total} right (${pct(s.accuracy)}); stable called something else: ${s.stableMissed}; growth called stable: ${s.growthCalledStable}`,
    `  confidence >= 0.9: ${s.highConfidenceCount} verdicts, ${pct(s.accuracyAtHighConfidence)} right`,
    '  reliability (confidence bucket: verdicts, observed accuracy):',
    ...s.reliability.map((r) => `    ${r.from.toFixed(2)}-${Math.min(1, r.to).toFixed(2)}: ${String(r.count).padStart(4)}  ${r.count === 0 ? '   -' : pct(r.right / r.count)}`),
    '  confusion (label -> verdict), mistakes only:',
    ...[...s.confusion]
      .filter(([k]) => {
        const [label, called] = k.split(' -> ');
        return label !== called;
      })
      .sort()
      .map(([k, v]) => `    ${k}: ${v}`),
  ];
  return lines.join('\n');
}
