/**
 * The recorded fixtures (test/fixtures/recorded/, made by scripts/record/record.ts from real
 * services under real load): every metadata file is valid, every family parses and is in time
 * order, and stretching moves samples and metadata together. No Prometheus needed.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openMetricsLines } from '../support/openmetrics';
import { loadRecordings, parseOpenMetrics, RECORDINGS_DIR, stretchRecording, type Recording } from '../support/recordings';

const FAMILIES = new Set(['process_resident_memory_bytes', 'http_requests', 'celery_task_started', 'container_spec_memory_limit_bytes', 'up']);
const recordings = loadRecordings();

function timestamps(rec: Recording): number[] {
  return rec.families.flatMap((f) => f.series.flatMap((s) => [...s.samples].map((p) => p.tSeconds)));
}

describe('recorded fixtures', () => {
  it('has a .json for every .om and the reverse', () => {
    const files = readdirSync(RECORDINGS_DIR);
    const om = files.filter((f) => f.endsWith('.om')).map((f) => f.slice(0, -3)).sort();
    const json = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    expect(om).toEqual(json);
    expect(recordings.length).toBe(om.length);
    expect(recordings.length).toBeGreaterThan(0);
  });

  for (const rec of recordings) {
    describe(rec.meta.id, () => {
      const { meta } = rec;
      const start = Date.parse(meta.start) / 1000;
      const end = Date.parse(meta.end) / 1000;

      it('has consistent metadata', () => {
        expect(meta.service).toBe(`rec-${meta.id}`);
        expect(end - start).toBeGreaterThanOrEqual(9 * 60);
        expect(end - start).toBeLessThanOrEqual(16 * 60);
        for (const e of meta.events) {
          expect(Date.parse(e.at) / 1000).toBeGreaterThanOrEqual(start - 1);
          expect(Date.parse(e.at) / 1000).toBeLessThanOrEqual(end + 1);
        }
      });

      it('has only the recorded families, each with series in time order inside the window', () => {
        const names = rec.families.map((f) => f.name);
        expect(new Set(names).size).toBe(names.length);
        for (const n of names) expect(FAMILIES.has(n)).toBe(true);
        expect(names).toContain('process_resident_memory_bytes');
        expect(names).toContain('up');
        expect(names.includes('http_requests') || names.includes('celery_task_started')).toBe(true);
        expect(names.includes('container_spec_memory_limit_bytes')).toBe(meta.limitBytes !== null);
        for (const f of rec.families) {
          expect(f.type).toBe(f.name === 'http_requests' || f.name === 'celery_task_started' ? 'counter' : 'gauge');
          for (const s of f.series) {
            expect(s.labels['job']).toBe(meta.service);
            expect(s.labels['instance']).toMatch(/^127\.0\.0\.1:\d+$/);
            const ts = [...s.samples].map((p) => p.tSeconds);
            expect(ts.length).toBeGreaterThan(0);
            for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
            expect(ts[0]!).toBeGreaterThanOrEqual(start);
            expect(ts.at(-1)!).toBeLessThanOrEqual(end);
          }
        }
        for (const s of rec.families.find((f) => f.name === 'process_resident_memory_bytes')!.series) {
          expect(s.labels['pid']).toMatch(/^\d+$/);
        }
      });

      it('round-trips through the OpenMetrics writer', () => {
        const again = parseOpenMetrics([...openMetricsLines(rec.families)].join(''));
        expect(again).toEqual(rec.families);
      });
    });
  }
});

describe('stretchRecording', () => {
  const rec = recordings[0]!;
  const start = Date.parse(rec.meta.start);
  const end = Date.parse(rec.meta.end);

  it('stretches every timestamp about the start, with start, end and events', () => {
    const s = stretchRecording(rec, 36);
    expect(s.meta.start).toBe(rec.meta.start);
    expect(Date.parse(s.meta.end) - start).toBeCloseTo((end - start) * 36, -1);
    expect(s.meta.scrapeIntervalSeconds).toBe(rec.meta.scrapeIntervalSeconds * 36);
    s.meta.events.forEach((e, i) => {
      expect(Date.parse(e.at) - start).toBeCloseTo((Date.parse(rec.meta.events[i]!.at) - start) * 36, -2);
      expect(e.what).toBe(rec.meta.events[i]!.what);
    });
    const before = timestamps(rec);
    const after = timestamps(s);
    expect(after.length).toBe(before.length);
    after.forEach((t, i) => expect(t - start / 1000).toBeCloseTo((before[i]! - start / 1000) * 36, 1));
    const values = (r: Recording): number[] => r.families.flatMap((f) => f.series.flatMap((x) => [...x.samples].map((p) => p.value)));
    expect(values(s)).toEqual(values(rec));
    // still a valid, ordered fixture
    expect(() => [...openMetricsLines(s.families)]).not.toThrow();
  });

  it('shifts the stretched window to end at newEnd', () => {
    const newEnd = '2030-01-01T00:00:00.000Z';
    const s = stretchRecording(rec, 36, newEnd);
    expect(s.meta.end).toBe(newEnd);
    expect(Date.parse(s.meta.end) - Date.parse(s.meta.start)).toBeCloseTo((end - start) * 36, -1);
    const ts = timestamps(s);
    expect(Math.max(...ts)).toBeLessThanOrEqual(Date.parse(newEnd) / 1000);
    expect(Math.min(...ts)).toBeGreaterThanOrEqual(Date.parse(s.meta.start) / 1000);
    for (const e of s.meta.events) {
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(s.meta.start) - 1000);
      expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.parse(newEnd) + 1000);
    }
  });

  it('with factor 1 and no newEnd is the identity', () => {
    const s = stretchRecording(rec, 1);
    expect(s.meta).toEqual(rec.meta);
    expect(timestamps(s)).toEqual(timestamps(rec));
  });

  it('refuses a factor that is not positive', () => {
    expect(() => stretchRecording(rec, 0)).toThrow();
    expect(() => stretchRecording(rec, -2)).toThrow();
  });
});
