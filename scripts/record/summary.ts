/** Numbers that say what a recording shows: per-worker RSS at start and end, pids, traffic, up, limit. */
import type { MetricFamily, Sample, SeriesData } from '../../test/support/openmetrics';

const MiB = 2 ** 20;
const mib = (v: number): string => `${Math.round(v / MiB)}`;

function samplesOf(s: SeriesData): Sample[] {
  return [...s.samples];
}

function family(families: readonly MetricFamily[], name: string): readonly SeriesData[] {
  return families.find((f) => f.name === name)?.series ?? [];
}

/** Sum of a counter's increase over [a, b] (resets counted as restarts from zero). */
function increase(series: readonly SeriesData[], a: number, b: number): number {
  let total = 0;
  for (const s of series) {
    const xs = samplesOf(s).filter((p) => p.tSeconds >= a && p.tSeconds <= b);
    for (let i = 1; i < xs.length; i++) {
      const d = xs[i]!.value - xs[i - 1]!.value;
      total += d >= 0 ? d : xs[i]!.value;
    }
  }
  return total;
}

function totalsByTime(series: readonly SeriesData[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const s of series) for (const p of samplesOf(s)) m.set(p.tSeconds, (m.get(p.tSeconds) ?? 0) + p.value); // one scrape = one timestamp
  return m;
}

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const ys = [...xs].sort((a, b) => a - b);
  return ys[Math.floor(ys.length / 2)]!;
}

export interface Summary {
  readonly text: string;
  readonly table: string;
}

export function summarise(families: readonly MetricFamily[], t0: number, tEnd: number, limitBytes: number | null): Summary {
  const rss = family(families, 'process_resident_memory_bytes');
  const http = family(families, 'http_requests');
  const celery = family(families, 'celery_task_started');
  const up = family(families, 'up');
  const instances = [...new Set(rss.map((s) => s.labels['instance'] ?? ''))].sort();
  const parts: string[] = [];
  const table: string[] = [];
  const minutes = Math.ceil((tEnd - t0) / 60);
  let sumLast = 0;
  instances.forEach((inst) => {
    const mine = rss.filter((s) => s.labels['instance'] === inst);
    const startPids = mine.filter((s) => samplesOf(s)[0]!.tSeconds < t0 + 15);
    const endPids = mine.filter((s) => samplesOf(s).at(-1)!.tSeconds > tEnd - 15);
    const fmt = (xs: readonly SeriesData[], which: 'first' | 'last'): string =>
      xs.map((s) => `${s.labels['pid']}:${mib(which === 'first' ? samplesOf(s)[0]!.value : samplesOf(s).at(-1)!.value)}`).join(', ');
    const totals = totalsByTime(mine);
    const ts = [...totals.keys()].sort((a, b) => a - b);
    const first = median(ts.filter((t) => t < ts[0]! + 30).map((t) => totals.get(t)!));
    const last = median(ts.filter((t) => t > ts.at(-1)! - 30).map((t) => totals.get(t)!));
    const peak = Math.max(...totals.values());
    sumLast += last;
    const survivors = mine.filter((s) => startPids.includes(s) && endPids.includes(s));
    const growth = survivors.map((s) => (samplesOf(s).at(-1)!.value - samplesOf(s)[0]!.value) / MiB).sort((a, b) => a - b);
    let line =
      `instance ${inst}: ${startPids.length} workers at start [pid:MiB ${fmt(startPids, 'first')}], ` +
      `${endPids.length} at end [${fmt(endPids, 'last')}], ${mine.length} distinct pids; ` +
      `worker total ${mib(first)} -> ${mib(last)} MiB (peak ${mib(peak)})`;
    if (survivors.length > 0) line += `; growth of workers present throughout ${growth.map((g) => Math.round(g)).join('/')} MiB`;
    const reqs = http.filter((s) => s.labels['instance'] === inst);
    if (reqs.length > 0) {
      const perMin = Array.from({ length: minutes }, (_, m) => increase(reqs, t0 + m * 60, Math.min(tEnd, t0 + (m + 1) * 60)) / Math.min(60, tEnd - t0 - m * 60));
      line += `; ${Math.round(increase(reqs, t0, tEnd))} requests (per-minute rate ${Math.min(...perMin).toFixed(1)}-${Math.max(...perMin).toFixed(1)}/s)`;
    }
    const down = up.filter((s) => s.labels['instance'] === inst).flatMap((s) => samplesOf(s).filter((p) => p.value === 0));
    if (down.length > 0) line += `; up=0 for ${down.length} scrapes (${new Date(down[0]!.tSeconds * 1000).toISOString()} to ${new Date(down.at(-1)!.tSeconds * 1000).toISOString()})`;
    parts.push(line);
    // per-minute table for a reader of the console
    table.push(`${inst}`);
    for (const s of mine) {
      const xs = samplesOf(s);
      const cells = Array.from({ length: minutes + 1 }, (_, m) => {
        const p = xs.find((q) => q.tSeconds >= t0 + m * 60) ?? (m === minutes ? xs.at(-1) : undefined);
        return p && p.tSeconds < t0 + m * 60 + 60 ? mib(p.value).padStart(5) : '    .';
      });
      table.push(`  pid ${String(s.labels['pid']).padEnd(8)}${cells.join('')}`);
    }
    if (reqs.length > 0) {
      const cells = Array.from({ length: minutes }, (_, m) => (increase(reqs, t0 + m * 60, t0 + (m + 1) * 60) / 60).toFixed(1).padStart(5));
      table.push(`  req/s       ${cells.join('')}`);
    }
  });
  if (celery.length > 0) {
    const names = [...new Set(celery.map((s) => s.labels['name'] ?? ''))].sort();
    parts.push(`tasks started: ${names.map((n) => `${n} ${Math.round(increase(celery.filter((s) => s.labels['name'] === n), t0, tEnd))}`).join(', ')}`);
    for (const n of names) {
      const cells = Array.from({ length: minutes }, (_, m) => (increase(celery.filter((s) => s.labels['name'] === n), t0 + m * 60, t0 + (m + 1) * 60) / 60).toFixed(1).padStart(5));
      table.push(`  ${n.slice(0, 12).padEnd(12)}${cells.join('')}`);
    }
  }
  if (limitBytes !== null && instances.length > 0) {
    parts.push(`all workers of all instances at the end: ${mib(sumLast)} MiB = ${Math.round((100 * sumLast) / limitBytes)}% of the ${mib(limitBytes)} MiB limit (a configured budget exported by the sidecars, not enforced by a cgroup)`);
  }
  return { text: `${parts.join('. ')}.`, table: table.join('\n') };
}
