/**
 * Confidence as a calibrated probability that the verdict is right.
 *
 * The pattern scores say how strongly each pattern shows; they are not probabilities. What makes
 * a verdict likely right: how strong it is, how far ahead of the next pattern, and how much data
 * there was (missing stretches, a short window, few workers to compare). A logistic model over
 * those factors, fitted on labelled data the engine was tuned on and checked on data it was not
 * (`npx tsx scripts/calibrate.ts`, see calibration.ts), turns them into a probability.
 */

import type { ComponentPattern, Diagnosis, PatternId, PatternScores } from '../diagnosis';
import { formatDuration } from '../format';
import { patternTitle } from '../pattern-names';
import { CALIBRATION, FACTOR_NAMES, type FactorName } from './calibration';

export interface ConfidenceFactors {
  readonly pattern: PatternId;
  /** Evidence for the verdict: its score; for mixed its weakest component; for stable how little anything else has. */
  readonly strength: number;
  /** Strength minus the strongest pattern the verdict leaves out. */
  readonly margin: number;
  /** The pattern the verdict leaves out with the most evidence, and that evidence. */
  readonly rival: { readonly pattern: ComponentPattern; readonly score: number } | null;
  /** Share of worker lifetime inside the window without data. */
  readonly missingShare: number;
  /** Share of the window without a usable traffic rate, where a traffic series exists. */
  readonly trafficMissingShare: number;
  /** Workers whose trend could be judged (long enough lives). */
  readonly judgedWorkers: number;
  readonly windowHours: number;
}

export interface ConfidenceInput {
  readonly pattern: PatternId;
  readonly secondary: readonly ComponentPattern[];
  readonly scores: PatternScores;
  readonly missingShare: number;
  readonly trafficMissingShare: number;
  readonly judgedWorkers: number;
  readonly windowHours: number;
}

/** The inputs as a finished diagnosis states them (for refitting the model from evaluation results). */
export function confidenceInputOf(d: Diagnosis): ConfidenceInput {
  return {
    pattern: d.pattern,
    secondary: d.secondary,
    scores: d.scores,
    missingShare: d.coverage.missingShare,
    trafficMissingShare: d.coverage.trafficMissingShare,
    judgedWorkers: d.workers.filter((w) => w.trend !== 'too-short' && w.trend !== 'warming-up').length,
    windowHours: d.window.durationSeconds / 3600,
  };
}

const COMPONENTS: readonly ComponentPattern[] = [
  'one-worker-growing',
  'all-workers-growing',
  'all-workers-large-stable',
  'worker-count-jump',
  'follows-traffic',
  'high-while-idle',
  'job-driven',
];

export function confidenceFactors(input: ConfidenceInput): ConfidenceFactors {
  const { pattern, scores } = input;
  const inVerdict = new Set<string>(pattern === 'mixed' ? input.secondary : [pattern]);
  let rival: ConfidenceFactors['rival'] = null;
  for (const id of COMPONENTS) {
    if (inVerdict.has(id)) continue;
    if (rival === null || scores[id] > rival.score) rival = { pattern: id, score: scores[id] };
  }
  const strength =
    pattern === 'stable'
      ? scores.stable
      : pattern === 'mixed'
        ? Math.min(...input.secondary.map((id) => scores[id]))
        : scores[pattern];
  const rivalScore = pattern === 'stable' ? Math.max(0, ...COMPONENTS.map((id) => scores[id])) : (rival?.score ?? 0);
  return {
    pattern,
    strength: finite01(strength),
    margin: finite01(strength) - finite01(rivalScore),
    rival,
    missingShare: finite01(input.missingShare),
    trafficMissingShare: finite01(input.trafficMissingShare),
    judgedWorkers: input.judgedWorkers,
    windowHours: input.windowHours,
  };
}

/** The model's inputs, in the order of FACTOR_NAMES. */
export function factorVector(f: ConfidenceFactors): Record<FactorName, number> {
  return {
    strength: f.strength,
    margin: f.margin,
    missing: f.missingShare,
    blindTraffic: f.trafficMissingShare,
    fewWorkers: f.judgedWorkers >= 4 ? 0 : (4 - Math.max(0, f.judgedWorkers)) / 4,
    shortWindow: f.windowHours >= 3 ? 0 : Math.min(1, Math.log2(3 / Math.max(f.windowHours, 1 / 6)) / Math.log2(18)),
    mixed: f.pattern === 'mixed' ? 1 : 0,
    stable: f.pattern === 'stable' ? 1 : 0,
    driven: f.pattern === 'follows-traffic' || f.pattern === 'high-while-idle' || f.pattern === 'job-driven' ? 1 : 0,
  };
}

/** Never certain; and missing data always costs something. */
const CEILING = 0.99;

/**
 * The most a verdict can claim, whatever the model says: missing memory data, and a window where
 * the traffic rate was not known (any verdict may then miss a traffic component, as half of a
 * 10-minute window after a counter first appeared does), each take their share off.
 */
export function confidenceCeiling(x: Readonly<Record<FactorName, number>>): number {
  return CEILING - 0.8 * x.missing - (x.missing > 0 ? 0.02 : 0) - 0.6 * x.blindTraffic;
}

export function calibratedConfidence(f: ConfidenceFactors): number {
  const x = factorVector(f);
  let z = CALIBRATION.intercept;
  for (const name of FACTOR_NAMES) z += CALIBRATION.weights[name] * x[name];
  const p = 1 / (1 + Math.exp(-z));
  return Math.round(Math.max(0.05, Math.min(confidenceCeiling(x), p)) * 100) / 100;
}

/**
 * Why the confidence is not higher, in one line ("23 min of missing data in a 6 h window"), from
 * the factor that costs the most; null when the verdict is near certain.
 */
export function confidenceNote(f: ConfidenceFactors, confidence: number): string | null {
  if (confidence >= 0.95) return null;
  const x = factorVector(f);
  const clean = factorVector({ ...f, strength: 1, margin: 1, missingShare: 0, trafficMissingShare: 0, judgedWorkers: 8, windowHours: 24 });
  const cost = (name: FactorName): number => CALIBRATION.weights[name] * (clean[name] - x[name]);
  const reasons: { cost: number; text: string }[] = [];
  if (f.missingShare > 0) {
    const missingMs = f.missingShare * f.windowHours * 3_600_000;
    reasons.push({ cost: cost('missing') + 0.8 * f.missingShare * 4, text: `${formatDuration(missingMs)} of missing data in a ${formatDuration(f.windowHours * 3_600_000)} window` });
  }
  if (f.trafficMissingShare >= 0.05) {
    const blindMs = f.trafficMissingShare * f.windowHours * 3_600_000;
    reasons.push({ cost: cost('blindTraffic') + 0.6 * f.trafficMissingShare * 4, text: `no traffic rate for ${formatDuration(blindMs)} of the ${formatDuration(f.windowHours * 3_600_000)} window` });
  }
  if (x.fewWorkers > 0) {
    reasons.push({ cost: cost('fewWorkers'), text: f.judgedWorkers <= 1 ? 'only one worker to judge, none to compare it with' : `only ${f.judgedWorkers} workers to compare` });
  }
  if (x.shortWindow > 0) reasons.push({ cost: cost('shortWindow'), text: `only ${formatDuration(f.windowHours * 3_600_000)} of data` });
  if (f.rival !== null && f.margin < 0.5) {
    reasons.push({ cost: cost('margin') + cost('strength'), text: `the data also looks like ${patternTitle(f.rival.pattern)} (${f.rival.score.toFixed(2)})` });
  } else if (f.strength < 0.8) {
    reasons.push({ cost: cost('strength'), text: 'the signal is weak against the noise' });
  }
  const worst = reasons.sort((a, b) => b.cost - a.cost)[0];
  return worst && worst.cost > 0 ? worst.text : null;
}

function finite01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}
