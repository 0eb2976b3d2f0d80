/**
 * A worker thread of the analysis pool. Builds its own metrics source and chart renderer once, from
 * the plain-data settings the pool passes as workerData, and runs one job per call.
 */

import { workerData } from 'node:worker_threads';
import { renderDigestChartPng } from '../charts/render-digest-chart';
import { renderMemoryChartPng } from '../charts/render-memory-chart';
import { renderVerifyChartPng } from '../charts/render-verify-chart';
import { runJob, type Job, type JobContext, type JobResult } from './jobs';
import { analysisDepsFor, type AnalysisSpec } from './source';

let context: JobContext | null = null;

/** Piscina calls the default export with each task. */
export default function run(job: Job): Promise<JobResult> {
  context ??= {
    analysis: analysisDepsFor((workerData as { spec: AnalysisSpec }).spec),
    // The process-wide renderer of render-memory-chart.ts is per thread here: each thread has its own modules.
    charts: { memory: renderMemoryChartPng, digest: renderDigestChartPng, verify: renderVerifyChartPng },
  };
  return runJob(context, job);
}
