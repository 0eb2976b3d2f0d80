/**
 * Axis tick labels and round axis scales. Binary units: 1 MiB = 2^20 bytes.
 * Prose on the chart (subtitle, legend) uses src/domain/format.ts, like the text report.
 */

import { GIB, MIB } from '../domain/series';

export type MemoryUnit = 'MiB' | 'GiB';

export const BYTES_PER_UNIT: Readonly<Record<MemoryUnit, number>> = { MiB: MIB, GiB: GIB };

/** Axes whose top reaches this many bytes count in GiB; below, "1,200 MiB" reads better than "1.2 GiB". */
const GIB_AXIS_FROM_BYTES = 1.5 * GIB;

export function memoryUnitFor(maxBytes: number): MemoryUnit {
  return maxBytes >= GIB_AXIS_FROM_BYTES ? 'GiB' : 'MiB';
}

const numberFormats = new Map<number, Intl.NumberFormat>();

/** en-US grouping ("1,200"), at most `fractionDigits` decimals, trailing zeros dropped. */
function formatNumber(value: number, fractionDigits = 2): string {
  let format = numberFormats.get(fractionDigits);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { maximumFractionDigits: fractionDigits });
    numberFormats.set(fractionDigits, format);
  }
  // Normalise -0 so an axis never reads "-0 MiB".
  return format.format(value === 0 ? 0 : value);
}

/** An axis value already in `unit`: "512 MiB", "1.5 GiB". */
export function formatInUnit(value: number, unit: MemoryUnit): string {
  return `${formatNumber(value, unit === 'GiB' ? 2 : 0)} ${unit}`;
}

/** Requests per second for an axis tick: "850", "1.2k", "0.5". */
export function formatRequestRate(value: number): string {
  if (Math.abs(value) >= 10_000) return `${formatNumber(value / 1000, 0)}k`;
  if (Math.abs(value) >= 1000) return `${formatNumber(value / 1000, 1)}k`;
  return formatNumber(value, value < 10 ? 2 : 0);
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is at least `raw`. */
export function niceStepAtLeast(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const exponent = Math.floor(Math.log10(raw));
  for (let e = exponent; e <= exponent + 1; e++) {
    const base = 10 ** e;
    for (const m of [1, 2, 2.5, 5]) {
      // Tolerance: 0.30000000000000004 should still pick 0.3's step, not the next one.
      if (m * base >= raw * (1 - 1e-9)) return m * base;
    }
  }
  return 10 ** (exponent + 1);
}

export interface NiceScale {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly values: readonly number[];
}

/** Round ticks covering [min, max] with at most `maxIntervals` intervals. */
export function niceScale(min: number, max: number, maxIntervals: number): NiceScale {
  const span = max > min ? max - min : Math.max(Math.abs(max), 1);
  const step = niceStepAtLeast(span / Math.max(1, maxIntervals));
  const lo = Math.floor(min / step + 1e-9) * step;
  let hi = Math.ceil(max / step - 1e-9) * step;
  if (hi <= lo) hi = lo + step;
  const values: number[] = [];
  const count = Math.round((hi - lo) / step);
  // Rounding to 10 significant digits removes float noise (0.1 + 0.2) before labels are made.
  for (let i = 0; i <= count; i++) values.push(Number((lo + i * step).toPrecision(10)));
  return { min: values[0] ?? lo, max: values[values.length - 1] ?? hi, step, values };
}
