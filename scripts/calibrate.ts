/**
 * Fits the confidence model (src/domain/classify/calibration.ts) and shows how well it is calibrated:
 * `npx tsx scripts/calibrate.ts [--write]`.
 *
 * Fitted on the tuning halves (own set, matrix tune, subtle tune); the reliability tables that
 * count are the held-out ones (matrix holdout, subtle holdout, recorded). A logistic regression
 * with the signs fixed where the direction is known (more missing data, fewer workers or a shorter
 * window never raise confidence), and a little L2 so a factor the data barely exercises stays small.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { confidenceCeiling, confidenceFactors, confidenceInputOf, factorVector } from '../src/domain/classify/confidence';
import { CALIBRATION, FACTOR_NAMES, type FactorName } from '../src/domain/classify/calibration';
import { CONFIDENCE_BUCKETS, casesOf, diagnoseAll, serveSet, type EvalResult, type SetName } from '../test/support/evaluation';

interface Row {
  readonly set: string;
  readonly split: string;
  readonly x: Record<FactorName, number>;
  readonly right: boolean;
  readonly current: number;
}

const SIGNS: Readonly<Partial<Record<FactorName, 1 | -1>>> = { strength: 1, margin: 1, missing: -1, blindTraffic: -1, fewWorkers: -1, shortWindow: -1 };
const L2 = 0.5;

async function collect(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const set of ['own', 'matrix', 'subtle', 'recorded'] as SetName[]) {
    const cases = casesOf(set);
    if (cases.length === 0) continue;
    const prom = await serveSet(set, cases, undefined, (l) => console.error(l));
    try {
      const results: EvalResult[] = await diagnoseAll(cases, prom.url);
      for (const r of results) {
        if (r.outcome?.status !== 'diagnosed') continue;
        const d = r.outcome.diagnosis;
        rows.push({ set, split: r.case.split, x: factorVector(confidenceFactors(confidenceInputOf(d))), right: r.right, current: d.confidence });
      }
    } finally {
      await prom.stop();
    }
  }
  return rows;
}

function predict(w: { intercept: number; weights: Record<FactorName, number> }, x: Record<FactorName, number>): number {
  let z = w.intercept;
  for (const n of FACTOR_NAMES) z += w.weights[n] * x[n];
  return 1 / (1 + Math.exp(-z));
}

function fit(rows: readonly Row[]): { intercept: number; weights: Record<FactorName, number> } {
  const w = { intercept: 0, weights: Object.fromEntries(FACTOR_NAMES.map((n) => [n, 0])) as Record<FactorName, number> };
  const rate = 0.5;
  for (let iter = 0; iter < 20_000; iter++) {
    let g0 = 0;
    const g = Object.fromEntries(FACTOR_NAMES.map((n) => [n, 0])) as Record<FactorName, number>;
    for (const r of rows) {
      const err = predict(w, r.x) - (r.right ? 1 : 0);
      g0 += err;
      for (const n of FACTOR_NAMES) g[n] += err * r.x[n];
    }
    w.intercept -= (rate * g0) / rows.length;
    for (const n of FACTOR_NAMES) {
      w.weights[n] -= rate * (g[n] / rows.length + (L2 * w.weights[n]) / rows.length);
      const sign = SIGNS[n];
      if (sign === 1 && w.weights[n] < 0) w.weights[n] = 0;
      if (sign === -1 && w.weights[n] > 0) w.weights[n] = 0;
    }
  }
  return w;
}

function table(title: string, pairs: readonly { p: number; right: boolean }[]): string {
  const lines = [`${title}: ${pairs.length} verdicts, ${pairs.filter((x) => x.right).length} right`];
  const high = pairs.filter((x) => x.p >= 0.9);
  lines.push(`  at confidence >= 0.9: ${high.length} verdicts, ${high.length === 0 ? 'n/a' : `${((high.filter((x) => x.right).length / high.length) * 100).toFixed(1)}% right`}`);
  for (const [from, to] of CONFIDENCE_BUCKETS) {
    const inBucket = pairs.filter((x) => x.p >= from && x.p < to);
    const right = inBucket.filter((x) => x.right).length;
    lines.push(`    ${from.toFixed(2)}-${Math.min(1, to).toFixed(2)}: ${String(inBucket.length).padStart(4)}  ${inBucket.length === 0 ? '   -' : `${((right / inBucket.length) * 100).toFixed(1)}%`}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rows = await collect();
  const tuning = rows.filter((r) => r.split === 'tune' || r.set === 'own');
  const heldOut = rows.filter((r) => r.split === 'holdout' || r.set === 'recorded');
  const w = fit(tuning);
  console.log(`fitted on ${tuning.length} verdicts: intercept ${w.intercept.toFixed(3)}, ${FACTOR_NAMES.map((n) => `${n} ${w.weights[n].toFixed(3)}`).join(', ')}`);
  const cap = (p: number, x: Record<FactorName, number>): number => Math.min(confidenceCeiling(x), p);
  const pairs = (rs: readonly Row[], model: typeof w) => rs.map((r) => ({ p: Math.round(cap(predict(model, r.x), r.x) * 100) / 100, right: r.right }));
  console.log(table('tuning, refitted model', pairs(tuning, w)));
  for (const set of ['matrix', 'subtle', 'recorded']) {
    const rs = heldOut.filter((r) => r.set === set);
    if (rs.length > 0) console.log(table(`held out: ${set}, refitted model`, pairs(rs, w)));
  }
  console.log(table('held out, all, refitted model', pairs(heldOut, w)));
  console.log(table('held out, all, committed model', pairs(heldOut, CALIBRATION as typeof w)));
  if (process.argv.includes('--write')) {
    const file = join(__dirname, '..', 'src', 'domain', 'classify', 'calibration.ts');
    const fmt = (v: number): string => String(Math.round(v * 1000) / 1000);
    writeFileSync(
      file,
      `/**
 * Coefficients of the confidence model (see confidence.ts). Written by \`npx tsx scripts/calibrate.ts --write\`,
 * which fits them on the tuning halves of the labelled sets and prints the reliability on the
 * held-out halves; re-run it after changing the classifier and commit the result.
 */

export const FACTOR_NAMES = [${FACTOR_NAMES.map((n) => `'${n}'`).join(', ')}] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

export const CALIBRATION: { readonly intercept: number; readonly weights: Readonly<Record<FactorName, number>> } = {
  intercept: ${fmt(w.intercept)},
  weights: { ${FACTOR_NAMES.map((n) => `${n}: ${fmt(w.weights[n])}`).join(', ')} },
};
`,
    );
    console.log(`wrote ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
