import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/domain/series';
import { chooseStepSeconds, MAX_POINTS_PER_SERIES, planRange, pointCount } from '../../src/metrics/step';

const DAY = 86_400;

describe('chooseStepSeconds', () => {
  it.each([
    // [duration s, min step s, expected step s]
    [6 * 3600, 15, 15], // 1441 points
    [24 * 3600, 15, 15], // 5761 points
    [45 * 3600, 15, 15], // 10801 points: still fits
    [46 * 3600, 15, 20], // 11041 points at 15 s: too many
    [7 * DAY, 15, 60], // 20161 at 30 s, 10081 at 60 s
    [30 * DAY, 15, 300], // 14401 at 180 s, 8641 at 300 s
    [365 * DAY, 15, 3600], // 8761 points
    [6 * 3600, 10, 15], // below the smallest nice step
    [6 * 3600, 16, 20], // rounds the minimum up to a nice step
    [6 * 3600, 60, 60],
    [6 * 3600, 61, 120],
    [0, 15, 15],
  ])('duration %is with min step %is -> %is', (duration, minStep, expected) => {
    expect(chooseStepSeconds(duration, minStep)).toBe(expected);
  });

  it('keeps every choice under the 11,000 point limit at the boundary', () => {
    // 10,999 intervals of 15 s = 11,000 points exactly: allowed; one more second is not.
    expect(chooseStepSeconds(10_999 * 15, 15)).toBe(15);
    expect(chooseStepSeconds(10_999 * 15 + 1, 15)).toBe(20);
    expect(pointCount(10_999 * 15, 15)).toBe(MAX_POINTS_PER_SERIES);
  });

  it('falls back to whole days beyond the largest nice step', () => {
    expect(chooseStepSeconds(11_000 * DAY, 15)).toBe(2 * DAY);
    expect(chooseStepSeconds(3600, 100_000)).toBe(2 * DAY);
  });

  it('rejects nonsense', () => {
    expect(() => chooseStepSeconds(-1, 15)).toThrow(RangeError);
    expect(() => chooseStepSeconds(3600, 0)).toThrow(RangeError);
    expect(() => chooseStepSeconds(Number.NaN, 15)).toThrow(RangeError);
  });
});

describe('planRange', () => {
  const END = Date.UTC(2026, 2, 2, 6, 0, 0);

  it('uses the window as is when the end is on the step', () => {
    const plan = planRange({ endMs: END, durationMs: 6 * HOUR_MS }, 15);
    expect(plan).toEqual({
      startSeconds: END / 1000 - 6 * 3600,
      endSeconds: END / 1000,
      stepSeconds: 15,
      grid: { startMs: END - 6 * HOUR_MS, stepMs: 15_000, length: 1441 },
    });
  });

  it('aligns the end down to a multiple of the step', () => {
    const plan = planRange({ endMs: END - 10_123, durationMs: HOUR_MS }, 60);
    expect(plan.stepSeconds).toBe(60);
    expect(plan.endSeconds).toBe(END / 1000 - 60);
    expect(plan.startSeconds).toBe(END / 1000 - 60 - 3600);
    expect(plan.grid).toEqual({ startMs: END - 60_000 - HOUR_MS, stepMs: 60_000, length: 61 });
    expect(plan.endSeconds % 60).toBe(0);
  });

  it('covers a duration that is not a multiple of the step', () => {
    const plan = planRange({ endMs: END, durationMs: 100_000 }, 60);
    // 100 s at 60 s: two intervals, so the grid starts 120 s before the end.
    expect(plan.grid.length).toBe(3);
    expect(plan.startSeconds).toBe(END / 1000 - 120);
  });

  it('aims for about 1,500 points: a minute over a day, ten minutes over a week', () => {
    expect(planRange({ endMs: END, durationMs: 6 * HOUR_MS }, 15).stepSeconds).toBe(15);
    expect(planRange({ endMs: END, durationMs: 24 * HOUR_MS }, 15).stepSeconds).toBe(60);
    const week = planRange({ endMs: END, durationMs: 7 * 24 * HOUR_MS }, 15);
    expect(week.stepSeconds).toBe(600);
    expect(week.grid.length).toBe(1_009);
  });

  it('can still go up to the 11,000-point limit when asked', () => {
    const plan = planRange({ endMs: END, durationMs: 7 * 24 * HOUR_MS }, 15, MAX_POINTS_PER_SERIES);
    expect(plan.stepSeconds).toBe(60);
    expect(plan.grid.length).toBe(10_081);
  });
});
