/**
 * The recordings of real Python services (test/fixtures/recorded/) as evaluation cases.
 *
 * A recording is ten minutes of real processes scraped every second; incidents are looked at over
 * hours or days. Each recording is used three ways:
 * - as it is: a 10-minute window at 1 s spacing, so short-window behaviour is tested as recorded;
 * - stretched x6: one hour at 6 s spacing;
 * - stretched x36: six hours at 36 s spacing (still under Prometheus's five-minute lookback, and
 *   with several samples in every rate(...[5m]) window).
 * Stretching multiplies every timestamp's distance from the start, so shapes, orders and gaps are
 * kept; rates (MiB/h, requests/s) shrink by the factor, which the classifier never compares with
 * absolute thresholds. Each variant gets its own job label, so all of them live in one TSDB.
 *
 * Half of the recordings (every other one of each pattern, by id) may guide changes to the
 * classifier; the other half is held out.
 */

import type { ComponentPattern } from '../../src/domain/diagnosis';
import type { EvalCase } from './evaluation';
import type { MetricFamily } from './openmetrics';
import { loadRecordings, stretchRecording, type Recording } from './recordings';

export const STRETCHES: readonly { readonly factor: number; readonly tag: string }[] = [
  { factor: 1, tag: 'as-recorded' },
  { factor: 6, tag: 'x6' },
  { factor: 36, tag: 'x36' },
];

/** Every stretched variant ends here; the recordings as they are keep their own times. */
export const STRETCHED_END = '2026-11-02T12:00:00.000Z';

export { loadRecordings };

export function recordingCases(recordings: readonly Recording[]): EvalCase[] {
  const splitOf = halves(recordings);
  const out: EvalCase[] = [];
  for (const rec of recordings) {
    for (const { factor, tag } of STRETCHES) {
      const service = `${rec.meta.service}-${tag}`;
      const stretched = factor === 1 ? rec : stretchRecording(rec, factor, STRETCHED_END);
      const startMs = Date.parse(stretched.meta.start);
      const endMs = Date.parse(stretched.meta.end);
      out.push({
        set: 'recorded',
        id: `${rec.meta.id}~${tag}`,
        label: rec.meta.pattern,
        components: rec.meta.components.filter((c): c is ComponentPattern => c !== 'mixed' && c !== 'stable'),
        split: splitOf.get(rec.meta.id) ?? 'holdout',
        service,
        endMs,
        windowMs: endMs - startMs,
        notes: `${rec.meta.server}; ${rec.meta.cause}${rec.meta.nuisances.length > 0 ? `; nuisances: ${rec.meta.nuisances.join(' / ')}` : ''}`,
        families: () => renamed(stretched.families, rec.meta.service, service),
      });
    }
  }
  return out;
}

/** Every other recording of each pattern (by id) is for tuning; the rest is held out. */
function halves(recordings: readonly Recording[]): Map<string, 'tune' | 'holdout'> {
  const byPattern = new Map<string, string[]>();
  for (const r of recordings) byPattern.set(r.meta.pattern, [...(byPattern.get(r.meta.pattern) ?? []), r.meta.id]);
  const out = new Map<string, 'tune' | 'holdout'>();
  for (const ids of byPattern.values()) ids.sort().forEach((id, k) => out.set(id, k % 2 === 0 ? 'tune' : 'holdout'));
  return out;
}

/** The families with the service's name (the job label, and the limit's container label) replaced. */
function renamed(families: readonly MetricFamily[], from: string, to: string): MetricFamily[] {
  return families.map((f) => ({
    ...f,
    series: f.series.map((s) => ({
      labels: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, (k === 'job' || k === 'container') && v === from ? to : v])),
      samples: s.samples,
    })),
  }));
}
