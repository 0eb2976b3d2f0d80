/** The before/after chart of a fix verification as PNG bytes, drawn by the process's shared renderer. */

import type { Fleet } from '../domain/fleet';
import type { Verification } from '../domain/verify';
import { sharedRenderer } from './render-memory-chart';
import { buildVerifyChartSpec } from './verify-spec';

export async function renderVerifyChartPng(verification: Verification, fleet: Fleet, timeZone: string): Promise<Buffer> {
  return sharedRenderer().renderMemoryChart(buildVerifyChartSpec(verification, fleet, { timeZone }));
}
