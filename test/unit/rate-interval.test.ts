import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE_RANGE_MS,
  parsePromDuration,
  plainSelector,
  promDuration,
  rateIntervalSeconds,
  rateRangeMs,
  rateRangeOf,
  scrapeIntervalFromCounts,
} from '../../src/domain/rate-interval';
import { renderTemplate, usesRateInterval } from '../../src/domain/promql-template';
import { gatherEvidence } from '../../src/domain/classify/evidence';
import { MIB } from '../../src/domain/series';
import { simulatedSource } from '../../src/simulation/sample';
import { makeGrid, makeSeries, makeServiceSeries } from '../support/diagnosis-factory';

describe('rateIntervalSeconds', () => {
  it('keeps five minutes for windows of an hour and more at ordinary scrape intervals', () => {
    for (const windowSeconds of [3600, 6 * 3600, 24 * 3600]) {
      for (const scrapeSeconds of [5, 15, 30, 60]) {
        expect(rateIntervalSeconds({ scrapeSeconds, stepSeconds: 15, windowSeconds })).toBe(300);
      }
    }
  });

  it('follows a short window: a twelfth of it when the scrapes are fast enough', () => {
    expect(rateIntervalSeconds({ scrapeSeconds: 1, stepSeconds: 15, windowSeconds: 600 })).toBe(50);
    expect(rateIntervalSeconds({ scrapeSeconds: 5, stepSeconds: 15, windowSeconds: 20 * 60 })).toBe(100);
  });

  it('spans at least four scrapes, so a slow scrape still gives a rate', () => {
    expect(rateIntervalSeconds({ scrapeSeconds: 30, stepSeconds: 15, windowSeconds: 600 })).toBe(120);
    // Stretched data, one sample every 3 minutes: twelve minutes, longer than the old five.
    expect(rateIntervalSeconds({ scrapeSeconds: 180, stepSeconds: 15, windowSeconds: 6 * 3600 })).toBe(720);
  });

  it('covers a whole step plus a scrape, so no traffic falls between two grid points', () => {
    // A week at a 10-minute step: [5m] would see half of each step.
    expect(rateIntervalSeconds({ scrapeSeconds: 60, stepSeconds: 600, windowSeconds: 7 * 86400 })).toBe(660);
  });

  it('assumes a slow scrape when the interval is unknown', () => {
    expect(rateIntervalSeconds({ scrapeSeconds: null, stepSeconds: 15, windowSeconds: 600 })).toBe(240);
    expect(rateIntervalSeconds({ scrapeSeconds: Number.NaN, stepSeconds: 15, windowSeconds: 600 })).toBe(240);
  });
});

describe('PromQL durations', () => {
  it('writes and reads them back', () => {
    for (const s of [1, 50, 60, 90, 300, 660, 3600, 5400, 86400]) expect(parsePromDuration(promDuration(s))).toBe(s * 1000);
    expect(promDuration(90)).toBe('1m30s');
    expect(promDuration(300)).toBe('5m');
    expect(parsePromDuration('1h30m')).toBe(5_400_000);
    expect(parsePromDuration('250ms')).toBe(250);
    for (const bad of ['', '5', 'm', '5x', '-5m', '1.5m', '5m5']) expect(parsePromDuration(bad), bad).toBeNull();
  });
});

describe('rateRangeMs: the range a query rates over', () => {
  it('reads the first range selector', () => {
    expect(rateRangeMs('sum(rate(http_requests_total{job="a"}[2m]))')).toBe(120_000);
    expect(rateRangeMs('sum by (name) (increase(x[1m30s])) / 90')).toBe(90_000);
  });

  it('skips subqueries, string literals and comments; null without a range', () => {
    expect(rateRangeMs('max_over_time(rate(x[1m])[30m:1m])')).toBe(60_000);
    expect(rateRangeMs('max_over_time(x[30m:1m])')).toBeNull();
    expect(rateRangeMs('sum(rate(x{path="[9m]"}[3m]))')).toBe(180_000);
    expect(rateRangeMs('# rate over [7m]\nsum(rate(x[4m]))')).toBe(240_000);
    // A quote in a comment opens no string.
    expect(rateRangeMs("# don't use [7m]\nsum(rate(x[4m]))")).toBe(240_000);
    expect(rateRangeMs('sum(http_requests_per_second{job="a"})')).toBeNull();
  });

  it('falls back from traffic to jobs to five minutes', () => {
    expect(rateRangeOf({ traffic: 'sum(rate(x[50s]))', jobs: 'sum(rate(y[2m]))' })).toBe(50_000);
    expect(rateRangeOf({ traffic: null, jobs: 'sum(rate(y[2m]))' })).toBe(120_000);
    expect(rateRangeOf({ traffic: 'sum(x)', jobs: null })).toBe(DEFAULT_RATE_RANGE_MS);
  });
});

describe('plainSelector', () => {
  it('accepts one vector selector and nothing else', () => {
    expect(plainSelector('up{job="a"}')).toBe('up{job="a"}');
    expect(plainSelector('  up ')).toBe('up');
    expect(plainSelector('{__name__="up", job="a}"}')).toBe('{__name__="up", job="a}"}');
    expect(plainSelector('namedprocess_namegroup_memory_bytes{memtype="resident", groupname=~"a-[0-9]+"}')).not.toBeNull();
    for (const not of ['sum(up)', 'up{job="a"}[5m]', 'up{job="a"} > 0', 'up{job="a"} offset 5m', 'sum', '', 'rate(x[5m])', 'up{job="a"']) {
      expect(plainSelector(not), not).toBeNull();
    }
  });
});

describe('scrapeIntervalFromCounts', () => {
  it('takes the median of the points with two samples or more', () => {
    // A 5-minute range; the series started at the window's start, so the first point saw one sample.
    expect(scrapeIntervalFromCounts([1, 300, 300, 300], 300)).toBe(1);
    expect(scrapeIntervalFromCounts([20, 20, 10, 5], 300)).toBe(23);
    expect(scrapeIntervalFromCounts([1, Number.NaN], 300)).toBeNull();
    expect(scrapeIntervalFromCounts([], 300)).toBeNull();
  });
});

describe('$rate_interval in templates', () => {
  it('is filled in outside string literals, in both spellings and with braces', () => {
    const values = { rateInterval: '50s' };
    expect(renderTemplate('sum(rate(x{job="$service"}[$rate_interval]))', 'api', values)).toBe('sum(rate(x{job="api"}[50s]))');
    expect(renderTemplate('sum(rate(x{job="$service"}[$__rate_interval]))', 'api', values)).toBe('sum(rate(x{job="api"}[50s]))');
    expect(renderTemplate('sum(rate(x{job=$service}[${rate_interval}]))', 'api', values)).toBe('sum(rate(x{job="api"}[50s]))');
    expect(renderTemplate('sum(rate(x{note="$rate_interval"}[$rate_interval]))', 'api', values)).toBe('sum(rate(x{note="$rate_interval"}[50s]))');
  });

  it('is five minutes when no value is given, and says whether a template asks for it', () => {
    expect(renderTemplate('rate(x[$rate_interval])', 'api')).toBe('rate(x[5m])');
    expect(usesRateInterval('rate(x[$rate_interval])')).toBe(true);
    expect(usesRateInterval('rate(x[5m])')).toBe(false);
    expect(usesRateInterval('rate(x{a="$rate_interval"}[5m])')).toBe(false);
  });
});

describe('the classifier reads the rate range from the query sent', () => {
  // Ten minutes at 15 s; the request counter first appears at the window's start, so its rate
  // is a warm-up for one range: five minutes of [5m], one of [1m].
  const grid = makeGrid('2026-11-02T12:00:00Z', 15, 41);
  const memory = [1, 2, 3, 4].map((pid) => makeSeries(grid, { pid: String(pid), instance: 'web-1' }, () => 100 * MIB));
  const traffic = makeSeries(grid, {}, (i) => (i === 0 ? NaN : 10 + (i % 8)));
  const withTraffic = (query: string) =>
    makeServiceSeries({ grid, memory, traffic, source: { ...simulatedSource('checkout-api'), queries: { ...simulatedSource('checkout-api').queries, traffic: query } } });

  it('counts the warm-up of the rate that was sent', () => {
    const fiveMinutes = gatherEvidence(withTraffic('sum(rate(http_requests_total{job="checkout-api"}[5m]))'));
    const oneMinute = gatherEvidence(withTraffic('sum(rate(http_requests_total{job="checkout-api"}[1m]))'));
    expect(fiveMinutes.trafficMissingShare).toBeGreaterThan(0.45);
    expect(oneMinute.trafficMissingShare).toBeLessThan(0.15);
  });
});
