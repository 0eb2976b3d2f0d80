/**
 * Query step and grid planning for `query_range`. Pure: the window's end is passed in.
 */
import type { Grid } from '../domain/series';
import type { WindowRequest } from './source';

/** Prometheus refuses a range query that would return more than 11,000 points per series. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** Steps a person recognises on a chart axis, in seconds. */
export const NICE_STEPS_SECONDS: readonly number[] = [
  15, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 21_600, 86_400,
];

const DAY_SECONDS = 86_400;

/** Number of grid points for a window of durationSeconds at stepSeconds, both ends included. */
export function pointCount(durationSeconds: number, stepSeconds: number): number {
  return Math.ceil(durationSeconds / stepSeconds) + 1;
}

/**
 * The smallest nice step that is >= minStepSeconds and keeps the window under
 * Prometheus's 11,000 points per series. Beyond the largest nice step (a window of
 * about 30 years at one day) it falls back to whole days.
 */
export function chooseStepSeconds(durationSeconds: number, minStepSeconds: number): number {
  if (!(durationSeconds >= 0) || !Number.isFinite(durationSeconds)) {
    throw new RangeError(`window duration must be a finite number of seconds >= 0, got ${durationSeconds}`);
  }
  if (!(minStepSeconds > 0) || !Number.isFinite(minStepSeconds)) {
    throw new RangeError(`minimum step must be a finite number of seconds > 0, got ${minStepSeconds}`);
  }
  for (const step of NICE_STEPS_SECONDS) {
    if (step >= minStepSeconds && pointCount(durationSeconds, step) <= MAX_POINTS_PER_SERIES) return step;
  }
  const needed = Math.max(minStepSeconds, durationSeconds / (MAX_POINTS_PER_SERIES - 1));
  return Math.ceil(needed / DAY_SECONDS) * DAY_SECONDS;
}

/** What to send to `query_range` (seconds) and the grid the answer is mapped onto (milliseconds). */
export interface RangePlan {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly stepSeconds: number;
  readonly grid: Grid;
}

/**
 * Points per series pymem asks for: a minute's resolution over a day, ten minutes over a week.
 * Plenty for the shapes the classifier looks at (it works on 240 buckets), and a week of 64
 * workers stays a couple of MB instead of twenty.
 */
export const DEFAULT_TARGET_POINTS = 1_500;

/**
 * Aligns the window's end down to a multiple of the step (so repeated queries hit the
 * same grid and caches) and covers at least the requested duration.
 */
export function planRange(window: WindowRequest, minStepSeconds: number, targetPoints = DEFAULT_TARGET_POINTS): RangePlan {
  const durationSeconds = Math.ceil(window.durationMs / 1000);
  const resolution = Math.ceil(durationSeconds / Math.max(1, targetPoints - 1));
  const stepSeconds = chooseStepSeconds(durationSeconds, Math.max(minStepSeconds, resolution));
  const endSeconds = Math.floor(window.endMs / 1000 / stepSeconds) * stepSeconds;
  const length = pointCount(durationSeconds, stepSeconds);
  const startSeconds = endSeconds - (length - 1) * stepSeconds;
  return {
    startSeconds,
    endSeconds,
    stepSeconds,
    grid: { startMs: startSeconds * 1000, stepMs: stepSeconds * 1000, length },
  };
}
