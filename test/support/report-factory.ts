/** A realistic StoredReport from a real classification of a labelled scenario. */

import { analyze } from '../../src/domain/analyze';
import { buildChecklist } from '../../src/domain/checklist';
import type { StoredReport } from '../../src/domain/report';
import { planRange } from '../../src/metrics/step';
import { simulate } from '../../src/simulation/model';
import { toServiceSeries } from '../../src/simulation/sample';
import { SCENARIOS } from './scenario-set';

export function reportFor(scenarioId: string, overrides: Partial<StoredReport> = {}): StoredReport {
  const sc = SCENARIOS.find((s) => s.id === scenarioId);
  if (!sc) throw new Error(`no scenario ${scenarioId}`);
  const plan = planRange({ endMs: sc.spec.endMs, durationMs: sc.spec.windowMs }, 15);
  const outcome = analyze(toServiceSeries(simulate(sc.spec), plan.grid));
  if (outcome.status !== 'diagnosed') throw new Error(`scenario ${scenarioId} was not diagnosable`);
  return {
    diagnosis: outcome.diagnosis,
    checklist: buildChecklist(outcome.diagnosis),
    chartFileId: 'F0CHART01',
    chartProblem: null,
    sourceDescription: 'Prometheus at http://prometheus:9090',
    timeZone: 'UTC',
    links: null,
    ...overrides,
  };
}
