/** One shared renderer per process, created on first use: building a ChartJSNodeCanvas per chart is slow and leaks. */

import type { Diagnosis } from '../domain/diagnosis';
import type { Fleet } from '../domain/fleet';
import type { ServiceSeries } from '../domain/series';
import { ChartRenderer } from './renderer';
import { buildMemoryChartSpec } from './spec';

let shared: ChartRenderer | null = null;

export function sharedRenderer(): ChartRenderer {
  shared ??= new ChartRenderer();
  return shared;
}

export async function renderMemoryChartPng(series: ServiceSeries, diagnosis: Diagnosis, fleet: Fleet, timeZone: string): Promise<Buffer> {
  return sharedRenderer().renderMemoryChart(buildMemoryChartSpec(series, diagnosis, fleet, { timeZone }));
}
