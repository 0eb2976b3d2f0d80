/** Turns the pattern scores into one pattern id and the patterns named beside it (confidence.ts says how likely it is right). */

import type { ComponentPattern, PatternId, PatternScores } from '../diagnosis';

/** A pattern with this much evidence is taken as present. */
export const PRESENT = 0.5;
/** A second pattern must be this strong to make the diagnosis `mixed`. */
export const MATERIAL_SECOND = 0.55;
/** A pattern this weak does not compete with the others for the verdict. */
export const CONTRIBUTING = 0.35;

/** Pairs that describe the same memory two ways; only the stronger one is kept. */
const EXCLUSIVE: readonly (readonly [ComponentPattern, ComponentPattern])[] = [
  ['one-worker-growing', 'all-workers-growing'],
  ['follows-traffic', 'high-while-idle'],
  ['all-workers-large-stable', 'one-worker-growing'],
  ['all-workers-large-stable', 'all-workers-growing'],
  ['all-workers-large-stable', 'follows-traffic'],
  ['all-workers-large-stable', 'high-while-idle'],
  ['all-workers-large-stable', 'job-driven'],
  ['all-workers-large-stable', 'worker-count-jump'],
];

export interface Decision {
  readonly pattern: PatternId;
  readonly secondary: readonly ComponentPattern[];
}

export interface DecideOptions {
  /** Traffic and a job type explain the same movement (the jobs are triggered by requests). */
  readonly trafficAndJobSame: boolean;
  /** Growth that tracks traffic (per-request retention) is one phenomenon, not traffic plus a leak. */
  readonly growthIsTrafficDriven: boolean;
  /** Growth that comes with one job type's runs is that job's doing, not a separate leak. */
  readonly growthIsJobDriven: boolean;
  /** The workers' growth happened around an idle stretch (retained, or growing while idle). */
  readonly growthIsIdleDriven: boolean;
}

export function decide(scores: PatternScores, options: DecideOptions): Decision {
  const candidates = (Object.entries(scores) as [Exclude<PatternId, 'mixed'>, number][])
    .filter((entry): entry is [ComponentPattern, number] => entry[0] !== 'stable')
    .sort((a, b) => b[1] - a[1]);

  const kept: [ComponentPattern, number][] = [];
  for (const [id, score] of candidates) {
    if (score < CONTRIBUTING) continue;
    const clash = kept.some(([other]) => excludes(id, other, options));
    if (!clash) kept.push([id, score]);
  }

  const present = kept.filter(([, s]) => s >= PRESENT);
  if (present.length === 0) {
    // Below the bar nothing is named: a stable verdict with "contributing" patterns would say both.
    return { pattern: 'stable', secondary: [] };
  }
  const [first] = present[0]!;
  const material = present.slice(1).filter(([, s]) => s >= MATERIAL_SECOND);
  if (material.length > 0) {
    return { pattern: 'mixed', secondary: [first, ...material.map(([id]) => id)] };
  }
  return {
    pattern: first,
    // Only what passes the same bar as the verdict is named beside it.
    secondary: present.slice(1).map(([id]) => id),
  };
}

function excludes(a: ComponentPattern, b: ComponentPattern, options: DecideOptions): boolean {
  const pair = (x: ComponentPattern, y: ComponentPattern): boolean => (a === x && b === y) || (a === y && b === x);
  if (EXCLUSIVE.some(([x, y]) => pair(x, y))) return true;
  if (options.trafficAndJobSame && pair('follows-traffic', 'job-driven')) return true;
  if (options.growthIsTrafficDriven && (pair('follows-traffic', 'all-workers-growing') || pair('follows-traffic', 'one-worker-growing'))) {
    return true;
  }
  if (options.growthIsJobDriven && pair('job-driven', 'all-workers-growing')) return true;
  if (options.growthIsIdleDriven && pair('high-while-idle', 'all-workers-growing')) return true;
  return false;
}
