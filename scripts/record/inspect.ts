/**
 * Prints a recorded fixture as a per-minute table, to look at before keeping it:
 *   npx tsx scripts/record/inspect.ts <id> [<id>...]
 * Per worker: mean RSS (MiB) in each minute ('.' where the pid had no sample); per instance: the
 * worker total, requests or tasks per second, and scrapes with up = 0.
 */
import { loadRecording, RECORDINGS_DIR } from '../../test/support/recordings';
import type { SeriesData } from '../../test/support/openmetrics';

const MiB = 2 ** 20;

function perMinute(s: SeriesData, t0: number, n: number, f: (xs: number[]) => number): (number | undefined)[] {
  const xs = [...s.samples];
  return Array.from({ length: n }, (_, m) => {
    const v = xs.filter((p) => p.tSeconds >= t0 + m * 60 && p.tSeconds < t0 + (m + 1) * 60).map((p) => p.value);
    return v.length ? f(v) : undefined;
  });
}
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const rate = (v: number[]): number => (v.length > 1 ? Math.max(0, v.at(-1)! - v[0]!) / (v.length - 1) : 0);
const cells = (xs: (number | undefined)[], d = 0): string => xs.map((x) => (x === undefined ? '.' : x.toFixed(d)).padStart(6)).join('');

for (const id of process.argv.slice(2)) {
  const { meta, families } = loadRecording(RECORDINGS_DIR, id);
  const t0 = Date.parse(meta.start) / 1000;
  const n = Math.ceil((Date.parse(meta.end) / 1000 - t0) / 60);
  console.log(`\n== ${id}  [${meta.pattern}${meta.components.length ? ' ' + meta.components.join('+') : ''}]  ${meta.server}`);
  for (const e of meta.events) console.log(`   ${e.what}`);
  const fam = (name: string): readonly SeriesData[] => families.find((f) => f.name === name)?.series ?? [];
  const rss = fam('process_resident_memory_bytes');
  for (const inst of [...new Set(rss.map((s) => s.labels['instance']!))].sort()) {
    console.log(` ${inst}   minute:${cells(Array.from({ length: n }, (_, m) => m))}`);
    for (const s of rss.filter((x) => x.labels['instance'] === inst)) console.log(`   pid ${s.labels['pid']!.padEnd(10)}${cells(perMinute(s, t0, n, (v) => mean(v) / MiB))}`);
    const http = fam('http_requests').filter((s) => s.labels['instance'] === inst);
    for (const s of http) console.log(`   req/s         ${cells(perMinute(s, t0, n, rate), 1)}`);
    for (const s of fam('celery_task_started').filter((x) => x.labels['instance'] === inst)) console.log(`   ${s.labels['name']!.slice(0, 13).padEnd(14)}${cells(perMinute(s, t0, n, rate), 1)}`);
    for (const s of fam('up').filter((x) => x.labels['instance'] === inst)) console.log(`   up=0 scrapes  ${cells(perMinute(s, t0, n, (v) => v.filter((x) => x === 0).length))}`);
  }
  console.log(` notes: ${meta.notes}`);
}
