/**
 * Looks inside one labelled case: `npx tsx scripts/inspect-case.ts <set> <case id> [--png <file>]`.
 * Prints the fleet pymem built (processes, lives, gaps, worker-count runs), each worker's figures
 * and the diagnosis, served through a real Prometheus like the evaluation.
 */
import { writeFileSync } from 'node:fs';
import { loadConfig, serviceSettingsFor } from '../src/config/load';
import { analyze } from '../src/domain/analyze';
import { buildFleet } from '../src/domain/fleet';
import { PrometheusSource } from '../src/metrics/prometheus';
import { renderMemoryChartPng } from '../src/charts/render-memory-chart';
import { casesOf, serveSet, type SetName } from '../test/support/evaluation';

async function main(): Promise<void> {
  const [set, id] = process.argv.slice(2) as [SetName, string];
  const pngAt = process.argv.indexOf('--png');
  const c = casesOf(set).find((x) => x.id === id);
  if (!c) throw new Error(`no case ${id} in ${set}`);
  const prom = await serveSet(set, casesOf(set));
  try {
    const config = loadConfig({ env: { PROMETHEUS_URL: prom.url } });
    const source = new PrometheusSource(config.prometheus!, (s) => serviceSettingsFor(config, s));
    const series = await source.fetchService({ service: c.service, window: { endMs: c.endMs, durationMs: c.windowMs } });
    console.log(`${c.id}: ${c.label} — ${c.notes}`);
    console.log(`grid ${series.grid.length} points at ${series.grid.stepMs / 1000}s; ${series.memory.length} memory series, ${series.targets.length} up series`);
    const fleet = buildFleet(series);
    const t = (i: number): string => new Date(series.grid.startMs + i * series.grid.stepMs).toISOString().slice(5, 16);
    console.log(`runs: ${fleet.runs.map((r) => `${r.value}@${t(r.from)}..${t(r.to)}`).join(' | ')}`);
    console.log(`gaps: ${fleet.gaps.map((g) => `${g.instance ?? 'all'} ${g.cause} ${t(g.from)}..${t(g.to)} (${g.workers} workers)`).join(' | ') || 'none'}; missing ${(fleet.missingShare * 100).toFixed(1)}%`);
    console.log(`notes: ${fleet.notes.join(' / ') || '-'}; auxiliary: ${fleet.auxiliary.map((a) => a.name).join(', ') || '-'}`);
    const outcome = analyze(series, {});
    if (outcome.status !== 'diagnosed') {
      console.log(outcome.insufficient);
      return;
    }
    const d = outcome.diagnosis;
    console.log(`=> ${d.pattern} c=${d.confidence} [${d.secondary.join(',')}]`);
    console.log(`scores: ${Object.entries(d.scores).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    for (const f of d.findings) console.log(`  · ${f}`);
    for (const w of d.workers) {
      console.log(`  ${w.name.padEnd(36)} ${w.trend.padEnd(11)} ${(w.startBytes / 2 ** 20).toFixed(0).padStart(6)} -> ${(w.endBytes / 2 ** 20).toFixed(0).padStart(6)} MiB ${w.growthMiBPerHour.toFixed(2).padStart(8)} MiB/h steady ${w.steadiness} ${w.firstSeen.slice(5, 16)}..${w.lastSeen.slice(5, 16)}${w.alive ? '' : ' exited'}`);
    }
    console.log(`traffic: ${JSON.stringify(d.traffic)}\nidle: ${JSON.stringify(d.idlePeriods)}\njob: ${JSON.stringify(d.job)}\nlimit: ${JSON.stringify(d.limit)}`);
    for (const k of d.kills) console.log(`  killed? ${k.worker.padEnd(36)} ${k.evidence.padEnd(15)} ${(k.bytes / 2 ** 20).toFixed(0).padStart(6)} MiB at ${k.at.slice(5, 16)}${k.thresholdBytes === null ? '' : ` (threshold ${(k.thresholdBytes / 2 ** 20).toFixed(0)} MiB)`}`);
    if (pngAt > 0) {
      writeFileSync(process.argv[pngAt + 1]!, await renderMemoryChartPng(series, d, outcome.fleet, 'UTC'));
    }
  } finally {
    await prom.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
