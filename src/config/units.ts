/** Parsers for human-written sizes and durations in settings ("8GiB", "15s"). */

import { parseDuration } from '../domain/format';

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/** "8GiB", "8Gi" (Kubernetes), "512MiB", "2GB", or a plain number of bytes. Null when malformed. */
export function parseSize(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input > 0 ? Math.round(input) : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
  if (!m) return null;
  const factor = SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  if (factor === undefined) return null;
  const bytes = Number(m[1]) * factor;
  return Number.isFinite(bytes) && bytes > 0 ? Math.round(bytes) : null;
}

/** "15s", "6h", "7d", or a plain number of seconds. Null when malformed. */
export function parseDurationSetting(input: string | number): number | null {
  if (typeof input === 'number') {
    const ms = Math.round(input * 1000);
    return Number.isFinite(ms) && ms >= 1 ? ms : null;
  }
  return parseDuration(input);
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
