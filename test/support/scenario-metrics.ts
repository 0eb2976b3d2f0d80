/** Scenario simulations as OpenMetrics families, merged so each family appears once (promtool needs that). */

import type { MetricFamily } from './openmetrics';
import { simulate, type ScenarioSpec } from '../../src/simulation/model';
import { toMetricFamilies } from '../../src/simulation/sample';

export function familiesFor(specs: readonly ScenarioSpec[], extra: readonly MetricFamily[] = []): MetricFamily[] {
  const merged = new Map<string, { name: string; type: 'gauge' | 'counter'; help?: string; series: MetricFamily['series'][number][] }>();
  const all = [...specs.map((spec) => toMetricFamilies(simulate(spec))), extra];
  for (const families of all) {
    for (const family of families) {
      let target = merged.get(family.name);
      if (!target) {
        target = { name: family.name, type: family.type, series: [], ...(family.help ? { help: family.help } : {}) };
        merged.set(family.name, target);
      }
      target.series.push(...family.series);
    }
  }
  return [...merged.values()];
}
