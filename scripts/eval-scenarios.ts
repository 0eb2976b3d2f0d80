/**
 * How the diagnosis does on each labelled set, measured through a real Prometheus and the default
 * queries: `npx tsx scripts/eval-scenarios.ts [--set own|recorded|matrix|subtle|all] [--split tune|holdout|all]
 * [--filter <text>] [--verbose] [--json <file>]`.
 *
 * Each set's data is backfilled once into `.cache/eval/` and reused until its generator changes.
 * Tune on `--split tune`; report on `--split holdout`.
 */
import { writeFileSync } from 'node:fs';
import { SET_NAMES, casesOf, diagnoseAll, formatSummary, serveSet, summarise, type EvalResult, type SetName } from '../test/support/evaluation';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const setArg = option('--set') ?? 'all';
const sets: SetName[] = setArg === 'all' ? ['own', 'recorded', 'matrix'] : setArg.split(',').map((s) => {
  if (!(SET_NAMES as readonly string[]).includes(s)) throw new Error(`--set: unknown set ${s} (${SET_NAMES.join(', ')}, all)`);
  return s as SetName;
});
const split = option('--split') ?? 'all';
const filter = option('--filter');
const verbose = args.includes('--verbose');
const jsonOut = option('--json');

async function main(): Promise<void> {
  const all: EvalResult[] = [];
  for (const set of sets) {
    const cases = casesOf(set);
    if (cases.length === 0) {
      console.log(`${set}: no cases`);
      continue;
    }
    const prom = await serveSet(set, cases, undefined, (line) => console.error(line));
    try {
      const chosen = cases.filter((c) => (split === 'all' || c.split === 'all' || c.split === split) && (!filter || c.id.includes(filter)));
      const t0 = performance.now();
      const results = await diagnoseAll(chosen, prom.url);
      const ms = performance.now() - t0;
      all.push(...results);
      for (const r of results) {
        const d = r.outcome?.status === 'diagnosed' ? r.outcome.diagnosis : null;
        const called = r.error ? `error: ${r.error}` : d ? `${d.pattern} c=${d.confidence.toFixed(2)} [${d.secondary.join(',')}]` : `insufficient: ${r.outcome?.status === 'insufficient-data' ? r.outcome.insufficient.reason : ''}`;
        if (!r.right || verbose) {
          console.log(`${r.right ? 'ok  ' : 'FAIL'} ${set}/${r.case.id.padEnd(44)} ${r.case.label.padEnd(25)} -> ${called}`);
          console.log(`       ${r.case.notes}`);
          if (d && (verbose || !r.right)) {
            const scores = Object.entries(d.scores).filter(([, v]) => v >= 0.15).map(([k, v]) => `${k}=${v.toFixed(2)}`).join(' ');
            console.log(`       scores: ${scores}`);
            for (const f of d.findings) console.log(`       · ${f}`);
          }
        }
      }
      console.log(formatSummary(`${set}${split === 'all' ? '' : ` (${split})`}`, summarise(results)));
      // Kills (issue 11): how many cases report one, by evidence; a generator that kills nothing makes each a false alarm.
      const killed = results.flatMap((r) => (r.outcome?.status === 'diagnosed' && r.outcome.diagnosis.kills.length > 0 ? [r.outcome.diagnosis.kills] : []));
      const byEvidence = new Map<string, number>();
      for (const kills of killed) for (const k of kills) byEvidence.set(k.evidence, (byEvidence.get(k.evidence) ?? 0) + 1);
      console.log(`  kills reported in ${killed.length} of ${results.length} cases (${[...byEvidence].map(([e, n]) => `${e} ${n}`).join(', ') || 'none'})`);
      console.log(`  ${results.length} cases in ${(ms / 1000).toFixed(1)} s\n`);
    } finally {
      await prom.stop();
    }
  }
  if (jsonOut) {
    writeFileSync(jsonOut, JSON.stringify(all.map((r) => ({
      set: r.case.set, id: r.case.id, split: r.case.split, label: r.case.label, components: r.case.components, right: r.right, error: r.error,
      pattern: r.outcome?.status === 'diagnosed' ? r.outcome.diagnosis.pattern : r.outcome?.status ?? null,
      confidence: r.outcome?.status === 'diagnosed' ? r.outcome.diagnosis.confidence : null,
      secondary: r.outcome?.status === 'diagnosed' ? r.outcome.diagnosis.secondary : [],
      scores: r.outcome?.status === 'diagnosed' ? r.outcome.diagnosis.scores : null,
      kills: r.outcome?.status === 'diagnosed' ? r.outcome.diagnosis.kills.map((k) => k.evidence) : [],
    })), null, 2));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
