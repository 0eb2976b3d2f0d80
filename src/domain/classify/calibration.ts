/**
 * Coefficients of the confidence model (see confidence.ts). Written by `npx tsx scripts/calibrate.ts --write`,
 * which fits them on the tuning halves of the labelled sets and prints the reliability on the
 * held-out halves; re-run it after changing the classifier and commit the result.
 */

export const FACTOR_NAMES = ['strength', 'margin', 'missing', 'blindTraffic', 'fewWorkers', 'shortWindow', 'mixed', 'stable', 'driven'] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

export const CALIBRATION: { readonly intercept: number; readonly weights: Readonly<Record<FactorName, number>> } = {
  intercept: -0.717,
  weights: { strength: 3.458, margin: 1.803, missing: 0, blindTraffic: -1.201, fewWorkers: 0, shortWindow: -0.278, mixed: 1.569, stable: -0.487, driven: 0.313 },
};
