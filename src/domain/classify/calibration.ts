/**
 * Coefficients of the confidence model (see confidence.ts). Written by `npx tsx scripts/calibrate.ts`,
 * which fits them on the tuning halves of the labelled sets and prints the reliability on the
 * held-out halves; re-run it after changing the classifier and commit the result.
 */

export const FACTOR_NAMES = ['strength', 'margin', 'missing', 'fewWorkers', 'shortWindow', 'mixed', 'stable', 'driven'] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

export const CALIBRATION: { readonly intercept: number; readonly weights: Readonly<Record<FactorName, number>> } = {
  intercept: -1,
  weights: { strength: 3, margin: 3, missing: -4, fewWorkers: -1, shortWindow: -1, mixed: -0.5, stable: 0, driven: -0.3 },
};
