/** The daily digest's image, drawn by the process' one shared renderer. */

import { buildDigestChartSpec, type DigestChartOptions, type DigestPanelInput } from './digest-spec';
import { sharedRenderer } from './render-memory-chart';

/** PNG of one sparkline panel per service, in the order given (growers first), at most options.maxPanels. */
export async function renderDigestChartPng(panels: readonly DigestPanelInput[], options: DigestChartOptions): Promise<Buffer> {
  return sharedRenderer().renderDigestChart(buildDigestChartSpec(panels, options));
}
