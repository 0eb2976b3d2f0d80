import { describe, expect, it } from 'vitest';
import { parseEnd } from '../../src/cli/analyze-command';
import { UsageError } from '../../src/cli/io';
import { formatBytes, formatDuration, formatRate, formatTime, formatWindow, parseDuration } from '../../src/domain/format';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

describe('parseEnd', () => {
  it.each([
    ['2026-03-02T12:00:00Z', Date.UTC(2026, 2, 2, 12, 0, 0)],
    ['2026-03-02T12:00Z', Date.UTC(2026, 2, 2, 12, 0, 0)],
    ['2026-03-02T12:00:00.250Z', Date.UTC(2026, 2, 2, 12, 0, 0, 250)],
    ['2026-03-02T12:00:00+01:00', Date.UTC(2026, 2, 2, 11, 0, 0)],
    ['2026-03-02T12:00:00-05:30', Date.UTC(2026, 2, 2, 17, 30, 0)],
    ['2026-03-02 12:00:00Z', Date.UTC(2026, 2, 2, 12, 0, 0)],
    ['2026-03-02 12:00:00+01:00', Date.UTC(2026, 2, 2, 11, 0, 0)],
    ['  2026-03-02T12:00:00Z  ', Date.UTC(2026, 2, 2, 12, 0, 0)],
    // Unix seconds, with or without a fraction.
    ['1772452800', Date.UTC(2026, 2, 2, 12, 0, 0)],
    ['1772452800.5', Date.UTC(2026, 2, 2, 12, 0, 0, 500)],
    ['0', 0],
    // Only milliseconds can be that large.
    ['1772452800000', Date.UTC(2026, 2, 2, 12, 0, 0)],
  ])('%j -> %i', (text, ms) => {
    expect(parseEnd(text)).toBe(ms);
  });

  it.each([
    'yesterday',
    'now',
    '',
    '2026-03-02',
    '2026-03-02T12:00:00',
    '12:00',
    '2026-13-02T12:00:00Z',
    '2026-03-02T25:00:00Z',
    '-1772452800',
    '1e9',
    '2026-03-02T12:00:00Z junk',
  ])('refuses %j with a UsageError naming --end', (text) => {
    expect(() => parseEnd(text)).toThrow(UsageError);
    expect(() => parseEnd(text)).toThrow(`--end: expected an RFC 3339 time such as 2026-03-02T12:00:00Z or unix seconds, got "${text}"`);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 15 * MIN],
    ['6h', 6 * HOUR],
    ['7d', 7 * DAY],
    ['1w', 7 * DAY],
    ['250ms', 250],
    ['30', 30_000],
    ['1.5h', 90 * MIN],
    ['6H', 6 * HOUR],
    [' 6h ', 6 * HOUR],
    ['6 h', 6 * HOUR],
    ['0', null],
    ['0h', null],
    ['-6h', null],
    ['6y', null],
    ['6hours', null],
    ['h', null],
    ['', null],
    ['banana', null],
    ['1h30m', null],
    ['.5h', null],
  ] as const)('%j -> %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [12.34 * MIB, '12.3 MiB'],
    [412 * MIB, '412 MiB'],
    [412.4 * MIB, '412 MiB'],
    [1.5 * GIB, '1.5 GiB'],
    [1.234 * GIB, '1.23 GiB'],
    [8 * GIB, '8 GiB'],
    [99.96 * MIB, '100 MiB'],
    [2048 * GIB, '2048 GiB'],
    [-2 * MIB, '-2 MiB'],
    [-1.5 * GIB, '-1.5 GiB'],
    [Number.NaN, 'n/a'],
    [Number.POSITIVE_INFINITY, 'n/a'],
  ])('%d -> %j', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatRate', () => {
  it.each([
    [68, '68 MiB/h'],
    [1.2 * 1024, '1.2 GiB/h'],
    [0.5, '512 KiB/h'],
    [12.345, '12.3 MiB/h'],
    [-40, '-40 MiB/h'],
    [0, '0 B/h'],
  ])('%d MiB/h -> %j', (miBPerHour, text) => {
    expect(formatRate(miBPerHour)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '1 s'],
    [20_000, '20 s'],
    [89_000, '89 s'],
    [90_000, '2 min'],
    [45 * MIN, '45 min'],
    [89 * MIN, '89 min'],
    [90 * MIN, '1.5 h'],
    [6 * HOUR, '6 h'],
    [2.5 * HOUR, '2.5 h'],
    [36 * HOUR, '36 h'],
    [47 * HOUR, '47 h'],
    [48 * HOUR, '2 d'],
    [3 * DAY, '3 d'],
    [3.25 * DAY, '3.3 d'],
    [30 * DAY, '30 d'],
  ])('%i ms -> %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatWindow', () => {
  it.each([
    [6 * HOUR, '6h'],
    [24 * HOUR, '1d'],
    [7 * DAY, '7d'],
    [90 * MIN, '90m'],
    [10 * MIN, '10m'],
    [36 * HOUR, '36h'],
    [45_000, '45s'],
    [1_500, '2s'],
  ])('%i ms -> %j', (ms, text) => {
    expect(formatWindow(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [10 * MIN, 90 * MIN, HOUR, 6 * HOUR, 36 * HOUR, DAY, 7 * DAY, 30 * DAY]) {
      expect(parseDuration(formatWindow(ms))).toBe(ms);
    }
  });
});

describe('formatTime', () => {
  const AT = Date.UTC(2026, 2, 3, 14, 5, 0); // Tue 3 Mar 2026 14:05 UTC

  it.each([
    // [zone, with date, within a day of the reference]
    ['UTC', 'Mar 3 14:05 UTC', '14:05 UTC'],
    ['Europe/Berlin', 'Mar 3 15:05 GMT+1', '15:05 GMT+1'],
    ['America/New_York', 'Mar 3 09:05 EST', '09:05 EST'],
    ['Asia/Kolkata', 'Mar 3 19:35 GMT+5:30', '19:35 GMT+5:30'],
    ['Pacific/Auckland', 'Mar 4 03:05 GMT+13', '03:05 GMT+13'],
  ])('%s', (zone, full, short) => {
    expect(formatTime(AT, zone)).toBe(full);
    expect(formatTime(AT, zone, AT + HOUR)).toBe(short);
  });

  it('follows daylight saving time in the zone', () => {
    const summer = Date.UTC(2026, 6, 1, 14, 5, 0);
    expect(formatTime(summer, 'Europe/Berlin')).toBe('Jul 1 16:05 GMT+2');
    expect(formatTime(summer, 'America/New_York')).toBe('Jul 1 10:05 EDT');
  });

  it('shows the date when the reference is 20 hours or more away', () => {
    expect(formatTime(AT, 'UTC', AT + 19 * HOUR)).toBe('14:05 UTC');
    expect(formatTime(AT, 'UTC', AT - 19 * HOUR)).toBe('14:05 UTC');
    expect(formatTime(AT, 'UTC', AT + 20 * HOUR)).toBe('Mar 3 14:05 UTC');
    expect(formatTime(AT, 'UTC', AT + 3 * DAY)).toBe('Mar 3 14:05 UTC');
  });

  it('uses 24-hour clock around midnight', () => {
    expect(formatTime(Date.UTC(2026, 2, 3, 0, 7), 'UTC', Date.UTC(2026, 2, 3, 1))).toBe('00:07 UTC');
    expect(formatTime(Date.UTC(2026, 2, 3, 23, 59), 'UTC', Date.UTC(2026, 2, 3, 23, 59))).toBe('23:59 UTC');
  });
});
