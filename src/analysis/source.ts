/**
 * The metrics source and analysis settings as plain data, so a worker thread can build its own from
 * what the composition root hands the pool (functions and sockets cannot cross a thread boundary).
 */

import { serviceSettingsFor, type AppConfig } from '../config/load';
import { DemoSource } from '../metrics/demo';
import { PrometheusSource } from '../metrics/prometheus';
import type { MetricsSource } from '../metrics/source';
import { planRange } from '../metrics/step';
import type { AnalysisDeps } from './analyze-service';

/** Everything needed to fetch and analyse, structured-cloneable. */
export interface AnalysisSpec {
  readonly app: AppConfig;
  /** Serve the built-in demo services instead of the configured backend. */
  readonly demo: boolean;
}

/** The demo source when asked for, or when no backend is configured; the configured Prometheus otherwise. */
export function metricsSourceFor(spec: AnalysisSpec): MetricsSource {
  if (spec.demo || spec.app.prometheus === null) return new DemoSource();
  const app = spec.app;
  return new PrometheusSource(app.prometheus!, (s) => serviceSettingsFor(app, s));
}

export function analysisDepsFor(spec: AnalysisSpec, source: MetricsSource = metricsSourceFor(spec)): AnalysisDeps {
  return { source, settings: (s: string) => serviceSettingsFor(spec.app, s), timeZone: spec.app.analysis.timeZone };
}

/** The query step a window is fetched at, in ms: requests whose ends round to the same step ask the same thing. */
export function stepMsFor(spec: AnalysisSpec, windowMs: number, endMs: number): number {
  const minStep = spec.demo || spec.app.prometheus === null ? 15 : spec.app.prometheus.minStepSeconds;
  return planRange({ endMs, durationMs: windowMs }, minStep).grid.stepMs;
}
