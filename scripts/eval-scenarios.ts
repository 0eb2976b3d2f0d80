/** Prints how the classifier does on the labelled scenario set: `npx tsx scripts/eval-scenarios.ts [filter]`. */
import { SCENARIOS } from '../test/support/scenario-set';
import { randomScenarios } from '../test/support/random-scenarios';
import { simulate } from '../src/simulation/model';
import { toServiceSeries } from '../src/simulation/sample';
import { planRange } from '../src/metrics/step';
import { classify } from '../src/domain/classify';

const random = process.argv.includes('--random');
const filter = process.argv.slice(2).find((a) => !a.startsWith('--'));
const set = random ? randomScenarios(Number(process.env.PER_LABEL ?? 12), Number(process.env.SEED ?? 4242)) : SCENARIOS;
let ok = 0;
let total = 0;
const confusion = new Map<string, number>();
for (const sc of set) {
  if (filter && !sc.id.includes(filter)) continue;
  const sim = simulate(sc.spec);
  const plan = planRange({ endMs: sc.spec.endMs, durationMs: sc.spec.windowMs }, 15);
  const series = toServiceSeries(sim, plan.grid);
  const t0 = performance.now();
  const d = classify(series);
  const ms = performance.now() - t0;
  const good = d.pattern === sc.label && (!sc.components || sc.components.every((c) => d.secondary.includes(c)));
  total++;
  if (good) ok++;
  const key = `${sc.label} -> ${d.pattern}`;
  confusion.set(key, (confusion.get(key) ?? 0) + 1);
  const scores = Object.entries(d.scores).filter(([, v]) => v >= 0.2).map(([k, v]) => `${k}=${v.toFixed(2)}`).join(' ');
  console.log(`${good ? 'ok  ' : 'FAIL'} ${sc.id.padEnd(34)} ${d.pattern.padEnd(26)} c=${d.confidence.toFixed(2)} sec=[${d.secondary.join(',')}] ${ms.toFixed(1)}ms | ${scores}`);
  if (!good || filter) {
    for (const f of d.findings) console.log(`       · ${f}`);
    const trends = new Map<string, number>();
    for (const w of d.workers) trends.set(w.trend, (trends.get(w.trend) ?? 0) + 1);
    console.log(`       trends: ${[...trends].map(([k, v]) => `${k}:${v}`).join(' ')} traffic: ${JSON.stringify(d.traffic)} idle: ${d.idlePeriods.length} job: ${JSON.stringify(d.job)}`);
  }
}
console.log(`\naccuracy ${ok}/${total} = ${((ok / total) * 100).toFixed(1)}%`);
for (const [k, v] of [...confusion].sort()) if (!k.startsWith(k.split(' -> ')[1] + ' ')) console.log(`  ${k}: ${v}`);
