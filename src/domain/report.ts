/**
 * Everything a report message is rendered from, stored with the incident so the message can be
 * rebuilt after a restart or on another replica. Plain JSON.
 */

import type { Diagnosis, InsufficientData } from './diagnosis';
import type { ChecklistStep } from './checklist';
import type { Links } from './links';

export interface StoredReport {
  readonly diagnosis: Diagnosis;
  readonly checklist: readonly ChecklistStep[];
  /** Slack file id of the uploaded chart, or null when the upload failed. */
  readonly chartFileId: string | null;
  /** Why there is no chart, in words, when there is none. */
  readonly chartProblem: string | null;
  readonly sourceDescription: string;
  readonly timeZone: string;
  /** The dashboard and runbook URLs rendered for this report's service and window; null when none is configured. */
  readonly links: Links | null;
}

export type { Diagnosis, InsufficientData };

/**
 * A report stored by an earlier version of pymem, brought up to the current shape: fields added
 * since (coverage, worker counts, kills, focus, auxiliary processes, the confidence note, how a job drives
 * memory, links) get the values that say "not known", so old messages still render after an upgrade.
 */
export function upgradeStoredReport(report: StoredReport): StoredReport {
  const links = (report as Partial<StoredReport>).links ?? null;
  const d = report.diagnosis as Partial<Diagnosis> & Diagnosis;
  const diagnosis: Diagnosis = {
    ...d,
    granularity: d.granularity ?? 'process',
    source: d.source ? { ...d.source, selection: d.source.selection ?? (d.source.preset === 'custom' ? 'custom' : 'auto') } : { preset: 'custom', granularity: null, selection: 'custom', queries: { memory: 'process_resident_memory_bytes', traffic: null, jobs: null, limit: null, up: null, restarts: null } },
    workerCounts: d.workerCounts ?? [],
    kills: d.kills ?? [],
    coverage: d.coverage ? { ...d.coverage, trafficMissingShare: d.coverage.trafficMissingShare ?? 0 } : { missingShare: 0, trafficMissingShare: 0, gaps: [] },
    focusWorkers: d.focusWorkers ?? d.workers.flatMap((w, i) => (w.trend === 'growing' ? [i] : [])),
    auxiliary: d.auxiliary ?? [],
    confidenceNote: d.confidenceNote ?? null,
    job: d.job ? { ...d.job, by: d.job.by ?? 'level' } : null,
    workers: d.workers.map((w) => ({ ...w, pullAwayBytes: w.pullAwayBytes ?? null })),
  };
  return { ...report, diagnosis, links };
}
