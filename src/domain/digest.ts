/**
 * Digest maths: from each subscribed service's 24 h diagnosis to a ranked list of entries with
 * growth, headroom, forecast and the change since the previous digest. Pure.
 */

import { z } from 'zod';
import type { Diagnosis, PatternId } from './diagnosis';
import { isPatternId } from './diagnosis';

export type GrowthStatus = 'grew' | 'steady' | 'shrank';

export type DigestEntry =
  | {
      readonly kind: 'measured';
      readonly service: string;
      readonly status: GrowthStatus;
      readonly pattern: PatternId;
      readonly startBytes: number;
      readonly currentBytes: number;
      readonly growthBytes: number;
      /** Growth over the window relative to its start, e.g. 0.18 for +18%. */
      readonly growthFraction: number;
      readonly limitBytes: number | null;
      readonly usedFraction: number | null;
      /** Hours until the total reaches the limit at the recent trend; null when it is not heading there. */
      readonly hoursToLimit: number | null;
      readonly change: DigestChange | null;
    }
  | { readonly kind: 'no-data'; readonly service: string; readonly reason: string; readonly change: DigestChange | null }
  | { readonly kind: 'error'; readonly service: string; readonly message: string; readonly change: DigestChange | null };

/** Compared with the same service in the previous digest of the channel. */
export interface DigestChange {
  /** Growth then and now, as fractions. */
  readonly previousGrowthFraction: number | null;
  readonly currentBytesDelta: number | null;
  readonly previousPattern: PatternId | null;
  readonly wasMissing: boolean;
}

/** What is kept of a digest to compare the next one with. */
export interface DigestSummaryEntry {
  readonly service: string;
  readonly kind: DigestEntry['kind'];
  readonly currentBytes: number | null;
  readonly growthFraction: number | null;
  readonly pattern: PatternId | null;
}

const summarySchema = z.object({
  entries: z.array(
    z.object({
      service: z.string(),
      kind: z.enum(['measured', 'no-data', 'error']),
      currentBytes: z.number().nullable(),
      growthFraction: z.number().nullable(),
      pattern: z.string().nullable(),
    }),
  ),
});

export interface DigestSummary {
  readonly entries: readonly DigestSummaryEntry[];
}

/** Growth below both of these is steady: a few percent over a day is noise and warm-up. */
export const GREW_FRACTION = 0.05;
export const GREW_BYTES = 16 * 1024 * 1024;

export function growthStatus(growthBytes: number, growthFraction: number): GrowthStatus {
  if (growthFraction >= GREW_FRACTION && growthBytes >= GREW_BYTES) return 'grew';
  if (growthFraction <= -GREW_FRACTION && growthBytes <= -GREW_BYTES) return 'shrank';
  return 'steady';
}

/** One measured entry from a service's diagnosis over the digest window. */
export function measuredEntry(service: string, d: Diagnosis): DigestEntry {
  const startBytes = d.totals.startBytes;
  const currentBytes = d.totals.endBytes;
  const growthBytes = currentBytes - startBytes;
  const growthFraction = startBytes > 0 ? growthBytes / startBytes : 0;
  return {
    kind: 'measured',
    service,
    status: growthStatus(growthBytes, growthFraction),
    pattern: d.pattern,
    startBytes,
    currentBytes,
    growthBytes,
    growthFraction,
    limitBytes: d.limit?.bytes ?? null,
    usedFraction: d.limit?.usedFraction ?? null,
    hoursToLimit: d.limit?.hoursToLimit ?? null,
    change: null,
  };
}

/** Growers first (largest relative growth first), then services that could not be measured, then the rest by name. */
export function rankEntries(entries: readonly DigestEntry[]): DigestEntry[] {
  const rank = (e: DigestEntry): number => (e.kind === 'measured' ? (e.status === 'grew' ? 0 : 2) : 1);
  return [...entries].sort((a, b) => {
    const r = rank(a) - rank(b);
    if (r !== 0) return r;
    if (a.kind === 'measured' && b.kind === 'measured' && a.status === 'grew') return b.growthFraction - a.growthFraction;
    return a.service.localeCompare(b.service);
  });
}

/** Adds the comparison with the previous digest's summary, when there is one. */
export function withChanges(entries: readonly DigestEntry[], previous: DigestSummary | null): DigestEntry[] {
  if (!previous) return [...entries];
  const before = new Map(previous.entries.map((e) => [e.service, e]));
  return entries.map((entry) => {
    const old = before.get(entry.service);
    if (!old) return entry;
    const currentBytes = entry.kind === 'measured' ? entry.currentBytes : null;
    const change: DigestChange = {
      previousGrowthFraction: old.growthFraction,
      currentBytesDelta: currentBytes !== null && old.currentBytes !== null ? currentBytes - old.currentBytes : null,
      previousPattern: old.pattern,
      wasMissing: old.kind !== 'measured',
    };
    return { ...entry, change };
  });
}

export function summarize(entries: readonly DigestEntry[]): DigestSummary {
  return {
    entries: entries.map((e) => ({
      service: e.service,
      kind: e.kind,
      currentBytes: e.kind === 'measured' ? e.currentBytes : null,
      growthFraction: e.kind === 'measured' ? e.growthFraction : null,
      pattern: e.kind === 'measured' ? e.pattern : null,
    })),
  };
}

/** Reads a stored summary back; anything unreadable counts as no previous digest. */
export function parseSummary(value: unknown): DigestSummary | null {
  const parsed = summarySchema.safeParse(value);
  if (!parsed.success) return null;
  return {
    entries: parsed.data.entries.map((e) => ({ ...e, pattern: e.pattern !== null && isPatternId(e.pattern) ? e.pattern : null })),
  };
}

/** Nothing grew, nothing failed: the digest is one line. */
export function isQuiet(entries: readonly DigestEntry[]): boolean {
  return entries.every((e) => e.kind === 'measured' && e.status !== 'grew' && (e.hoursToLimit === null || e.hoursToLimit > 7 * 24));
}

/** A service whose incident in the channel was resolved since the previous digest. */
export interface ResolvedNote {
  readonly service: string;
  readonly userId: string;
  readonly at: number;
}

/**
 * What the digest says about incidents resolved in the period: one line per service (its latest
 * resolution, when it had several), by service name.
 */
export function resolvedNotes(resolved: readonly { readonly service: string; readonly resolution: { readonly userId: string; readonly at: number } }[]): ResolvedNote[] {
  const latest = new Map<string, ResolvedNote>();
  for (const r of resolved) {
    const seen = latest.get(r.service);
    if (!seen || r.resolution.at >= seen.at) latest.set(r.service, { service: r.service, userId: r.resolution.userId, at: r.resolution.at });
  }
  return [...latest.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

/** Where the period a digest covers for "resolved since the last digest" starts: the previous digest's scheduled time, or a window back. */
export function resolvedSinceMs(previousPeriodKey: string | null, endMs: number, windowMs: number): number {
  const previous = previousPeriodKey === null ? NaN : Date.parse(previousPeriodKey);
  return Number.isFinite(previous) && previous < endMs ? previous : endMs - windowMs;
}
