import { casesOf, serveSet } from '../test/support/evaluation';
import { loadConfig, serviceSettingsFor } from '../src/config/load';
import { PrometheusSource } from '../src/metrics/prometheus';
import { gatherEvidence } from '../src/domain/classify/evidence';
import { driverVaries } from '../src/domain/classify/drivers';
import { bucketMeans } from '../src/domain/classify/buckets';
(async () => {
  const set = process.argv[2] as 'matrix';
  const c = casesOf(set).find((x) => x.id === process.argv[3])!;
  const prom = await serveSet(set, casesOf(set));
  const config = loadConfig({ env: { PROMETHEUS_URL: prom.url } });
  const source = new PrometheusSource(config.prometheus!, (s) => serviceSettingsFor(config, s));
  const series = await source.fetchService({ service: c.service, window: { endMs: c.endMs, durationMs: c.windowMs } });
  const e = gatherEvidence(series);
  console.log('grid', series.grid.length, 'complete', Array.from(e.fleet.complete).join(''), '\nrates ', Array.from(e.fleet.ratesTrusted).join(''));
  console.log('perWorker', Array.from(e.perWorkerMiB).map((v) => v.toFixed(0)).join(' '));
  for (const j of series.jobs) {
    const rate = bucketMeans(j.values, e.buckets);
    console.log(j.labels['name'], 'varies', driverVaries(rate), Array.from(rate).map((v) => v.toFixed(2)).join(' '));
  }
  for (const j of e.jobs) console.log(j.name, JSON.stringify({ ...j.relation, smoothed: undefined }));
  for (const w of e.fleet.workers) console.log(w.name, w.lifeFrom, w.lifeTo, Array.from(w.values).map((v) => (Number.isNaN(v) ? '.' : 'x')).join(''));
  await prom.stop();
})();
