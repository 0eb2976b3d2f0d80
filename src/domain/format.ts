/** Number and time formatting shared by findings, the CLI, Slack messages and charts. */

const KIB = 1024;
const MIB = KIB * 1024;
const GIB = MIB * 1024;

/** "412 MiB", "1.5 GiB", "12.3 MiB": three significant digits at most. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  // Pick the unit by the rounded value, so 1023.99 MiB reads "1 GiB", not "1024 MiB".
  const units: [number, string][] = [
    [GIB, 'GiB'],
    [MIB, 'MiB'],
    [KIB, 'KiB'],
  ];
  for (const [size, name] of units) {
    if (Math.abs(bytes) >= size || Math.abs(Number(trim(bytes / (size / 1024)))) >= 1024) return `${trim(bytes / size)} ${name}`;
  }
  return `${Math.round(bytes)} B`;
}

export function formatMiB(miB: number): string {
  return formatBytes(miB * MIB);
}

/** "68 MiB/h", "1.2 GiB/h". */
export function formatRate(miBPerHour: number): string {
  return `${formatMiB(miBPerHour)}/h`;
}

function trim(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 100) return String(Math.round(v));
  if (abs >= 10) return (Math.round(v * 10) / 10).toString();
  return (Math.round(v * 100) / 100).toString();
}

/** "30 s", "45 min", "6 h", "2.5 h", "3 d". */
export function formatDuration(ms: number): string {
  if (ms < 90_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  const minutes = ms / 60_000;
  if (minutes < 90) return `${Math.max(1, Math.round(minutes))} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${trim(Math.round(hours * 10) / 10)} h`;
  return `${trim(Math.round((hours / 24) * 10) / 10)} d`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const p = fraction * 100;
  return `${Math.abs(p) < 10 ? Math.round(p * 10) / 10 : Math.round(p)}%`;
}

export function formatCorrelation(r: number): string {
  return (Math.round(r * 100) / 100).toFixed(2);
}

/** "14:05 UTC" within a day of `referenceMs`, "Mar 3 14:05 UTC" otherwise. */
export function formatTime(ms: number, timeZone: string, referenceMs?: number): string {
  const sameDay = referenceMs !== undefined && Math.abs(referenceMs - ms) < 20 * 3_600_000;
  return timeFormat(timeZone, sameDay).format(new Date(ms)).replace(',', '');
}

/**
 * Building an Intl.DateTimeFormat costs far more than formatting with one (it was a tenth of the
 * event loop's time while a burst of reports went out), so each zone's two formats are kept.
 * Bounded: zones come from the configuration, a handful at most.
 */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(timeZone: string, sameDay: boolean): Intl.DateTimeFormat {
  const key = `${sameDay ? 'day' : 'date'} ${timeZone}`;
  let format = timeFormats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
      ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
    });
    if (timeFormats.size >= 64) timeFormats.clear();
    timeFormats.set(key, format);
  }
  return format;
}

/** Parses "90s", "15m", "6h", "7d", "1w" (and plain seconds) into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!m) return null;
  const value = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[unit as 'ms' | 's' | 'm' | 'h' | 'd' | 'w'];
  const ms = Math.round(value * factor);
  return Number.isFinite(ms) && ms >= 1 ? ms : null;
}

/** "6h", "7d", "90m": the shortest exact spelling of a window. */
export function formatWindow(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** "3 workers" / "1 worker". */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}
