/**
 * Writes test/fixtures/recorded/README.md from the recordings' metadata (run after recording):
 *   npx tsx scripts/record/readme.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRecording, loadRecordings, RECORDINGS_DIR } from '../../test/support/recordings';
import { RECIPES } from './recipes';
import { summarise } from './summary';

// The reading and the cause come from the catalogue, which may have been reworded after looking at the
// data; bring each fixture's metadata in line, and recompute the measured "Data:" part of the notes
// from the fixture itself.
for (const { meta } of loadRecordings()) {
  const recipe = RECIPES.find((r) => r.id === meta.id);
  if (!recipe) continue;
  const { families } = loadRecording(RECORDINGS_DIR, meta.id);
  const data = summarise(families, Date.parse(meta.start) / 1000, Date.parse(meta.end) / 1000, meta.limitBytes).text;
  let events = meta.events.filter((e) => !e.what.startsWith('observed:'));
  if (recipe.server.kind === 'gunicorn' && recipe.server.maxRequests) {
    // max_requests recycling has no action of ours to log: take each replacement from the data.
    const t0 = Date.parse(meta.start) / 1000;
    const tEnd = Date.parse(meta.end) / 1000;
    const rss = families.find((f) => f.name === 'process_resident_memory_bytes')?.series ?? [];
    const seen: { at: number; what: string }[] = [];
    for (const s of rss) {
      const xs = [...s.samples];
      const where = `pid ${s.labels['pid']} of ${s.labels['instance']}`;
      if (xs[0]!.tSeconds > t0 + 15) seen.push({ at: xs[0]!.tSeconds, what: `observed: worker ${where} first scraped (max_requests replacement)` });
      if (xs.at(-1)!.tSeconds < tEnd - 15) seen.push({ at: xs.at(-1)!.tSeconds, what: `observed: worker ${where} last scraped (recycled after max_requests)` });
    }
    const rel = (t: number): string => {
      const k = Math.round(t - t0);
      return `t+${Math.floor(k / 60)}m${String(k % 60).padStart(2, '0')}s`;
    };
    events = [...events, ...seen.map((e) => ({ at: new Date(Math.round(e.at * 1000)).toISOString(), what: `${e.what} (${rel(e.at)})` }))].sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
  }
  const updated = { ...meta, cause: recipe.cause, events, notes: `${recipe.reading} Data: ${data}` };
  writeFileSync(join(RECORDINGS_DIR, `${meta.id}.json`), `${JSON.stringify(updated, null, 2)}\n`);
}

const recs = loadRecordings();
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const minutes = (a: string, b: string): number => Math.round((Date.parse(b) - Date.parse(a)) / 60000);

const lines: string[] = [
  '# Recorded fixtures',
  '',
  'Real Python services under real load on one machine, scraped by a real Prometheus every second,',
  'exported as OpenMetrics (`<id>.om`, timestamps in seconds, raw samples) with metadata (`<id>.json`).',
  'Made by `scripts/record/record.ts` from the catalogue `scripts/record/recipes.ts`; the memory',
  'behaviours are plain Python in `scripts/record/py/behaviours.py`. Load with `loadRecordings()` and',
  'stretch with `stretchRecording(rec, 36)` (10 min at 1 s becomes 6 h at 36 s) from `test/support/recordings.ts`.',
  '',
  '## What is in a fixture',
  '',
  '- `process_resident_memory_bytes{job,instance,pid}`: RSS of each **worker** (the direct children of the Gunicorn or',
  '  Uvicorn master, or of the Celery main process), read with psutil by a sidecar exporter, one per instance.',
  '  The master/parent is deliberately left out: pymem counts every series as a worker, and a master that serves',
  '  nothing would read as a flat worker. Uvicorn\'s multiprocessing resource tracker is not a worker either.',
  '- `http_requests_total{job,instance}` (web) or `celery_task_started_total{job,instance,name}` (Celery): counted by',
  '  the app itself with prometheus_client in multiprocess mode (summed by the sidecar with MultiProcessCollector),',
  '  so the counts survive worker restarts.',
  '- `container_spec_memory_limit_bytes{job,instance,container}`: only where the recipe sets a memory budget. It is',
  '  **configured, not enforced** (no cgroup): like cAdvisor, each instance exports its own share (the service\'s',
  '  budget divided by its instances), and the default limit query sums them into the budget.',
  '- `up{job,instance}`: from Prometheus; 0 while an exporter was stopped.',
  '- `job` is the service name `rec-<id>`; `instance` is `127.0.0.1:<exporter port>`.',
  '',
  'The metadata holds the label (`pattern`, `components` for `mixed`), the server, the real cause, every nuisance and',
  'event with its time (RFC 3339 UTC, and `t+MmSSs` from the start), the window (`start`, `end`), and `notes`: what an',
  'engineer reads on the chart, then the numbers the recorder measured (per-worker RSS at start and end in MiB, pids,',
  'requests, scrape gaps, share of the limit). Every recording was looked at before it was kept.',
  '',
  '## Recordings',
  '',
  '| id | pattern | server | cause | nuisances | what it shows |',
  '| --- | --- | --- | --- | --- | --- |',
];
for (const { meta } of recs) {
  const pattern = meta.pattern === 'mixed' ? `mixed (${meta.components.join(' + ')})` : meta.pattern;
  const shows = meta.notes.split(' Data: ')[0] ?? meta.notes;
  const nuisances = meta.nuisances.length > 0 ? meta.nuisances.map((n) => n.replace(/ at \d{4}-[^ ]+Z| from \d{4}-[^ ]+Z to \d{4}-[^ ]+Z/g, '')).join('; ') : 'none';
  lines.push(`| \`${meta.id}\` | ${pattern} | ${cell(meta.server)}, ${minutes(meta.start, meta.end)} min | ${cell(meta.cause)} | ${cell(nuisances)} | ${cell(shows)} |`);
}
lines.push(
  '',
  '## Re-recording',
  '',
  'On a Debian machine with a RabbitMQ broker on 127.0.0.1:5672 (guest/guest), as root or with sudo:',
  '',
  '```sh',
  'scripts/record/setup.sh                                   # Debian packages: gunicorn, uvicorn, flask, celery, prometheus...',
  'npx tsx scripts/record/record.ts --list                   # the catalogue',
  'npx tsx scripts/record/record.ts --only <id>[,<id>...] --parallel 3',
  'npx tsx scripts/record/record.ts --parallel 3             # everything (about 1.5 h)',
  'npx tsx scripts/record/readme.ts                          # regenerate this file',
  'npx vitest run test/unit/recordings.test.ts',
  '```',
  '',
  '`--duration S` makes a short smoke run (actions move in proportion) and `--out DIR` writes elsewhere. Each',
  'recording uses free loopback ports and a temporary directory, and all its processes are killed at the end, on',
  'Ctrl-C or on failure. Run at most three at a time (`--parallel` is capped at 3): the machine has two cores.',
  'The recorder is run by hand, never by CI. A re-recording is never identical (pids, ports, times, allocator);',
  'look at the table the recorder prints (RSS per worker each minute, traffic) and at the notes before keeping it.',
  '',
);
writeFileSync(join(RECORDINGS_DIR, 'README.md'), `${lines.join('\n')}`);
console.log(`README.md: ${recs.length} recordings`);
