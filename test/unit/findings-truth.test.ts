/**
 * Every sentence true: each number a finding or a checklist step states is the diagnosis's own
 * figure, and nothing is named as a driver or as a worker to chase unless the verdict says so.
 * Run over the labelled scenarios, fresh random ones and data with holes.
 */
import { describe, expect, it } from 'vitest';
import { buildChecklist } from '../../src/domain/checklist';
import { classify } from '../../src/domain/classify';
import type { Diagnosis } from '../../src/domain/diagnosis';
import { formatBytes, formatCorrelation, formatPercent, formatRate, formatTime } from '../../src/domain/format';
import { planRange } from '../../src/metrics/step';
import { periodicRuns, simulate } from '../../src/simulation/model';
import { toServiceSeries } from '../../src/simulation/sample';
import { randomScenarios } from '../support/random-scenarios';
import { SCENARIOS, type Scenario } from '../support/scenario-set';

function diagnose(sc: Scenario): Diagnosis {
  const plan = planRange({ endMs: sc.spec.endMs, durationMs: sc.spec.windowMs }, 15);
  return classify(toServiceSeries(simulate(sc.spec), plan.grid));
}

/**
 * Labelled, random, the labelled ones again with 25 minutes without scrapes, and the ones without
 * jobs again with a job type that has nothing to do with memory (the report once said "emails.send
 * tracks memory (correlation 0.01)").
 */
const CASES: { id: string; d: Diagnosis }[] = [
  ...SCENARIOS.map((sc) => ({ id: sc.id, d: diagnose(sc) })),
  ...randomScenarios(4, 99).map((sc) => ({ id: `random ${sc.id}`, d: diagnose(sc) })),
  ...SCENARIOS.filter((_, k) => k % 3 === 0).map((sc) => {
    const from = sc.spec.endMs - sc.spec.windowMs * 0.6;
    return { id: `${sc.id} with a gap`, d: diagnose({ ...sc, spec: { ...sc.spec, scrapeGaps: [{ fromMs: from, toMs: from + 25 * 60_000 }] } }) };
  }),
  ...SCENARIOS.filter((sc, k) => k % 2 === 0 && (sc.spec.jobs ?? []).length === 0).map((sc) => ({
    id: `${sc.id} with an unrelated job`,
    d: diagnose({ ...sc, spec: { ...sc.spec, jobs: [{ name: 'emails.send', rate: periodicRuns(2, sc.spec.windowMs / 5, sc.spec.windowMs / 20, 0) }] } }),
  })),
];

const components = (d: Diagnosis): readonly string[] => (d.pattern === 'mixed' ? d.secondary : [d.pattern, ...d.secondary]);
const ref = (d: Diagnosis): number => Date.parse(d.window.end);
const time = (d: Diagnosis, iso: string): string => formatTime(Date.parse(iso), 'UTC', ref(d));

describe('findings state the diagnosis’s own figures', () => {
  it.each(CASES.map((c) => [c.id, c.d] as const))('%s', (_id, d) => {
    const text = d.findings.join('\n');
    // Every named process is one of the diagnosis's workers or its auxiliary processes.
    const names = new Set([...d.workers.map((w) => w.name), ...d.auxiliary.map((a) => a.name)]);
    for (const m of text.matchAll(/pid \d+ on [^\s,;.()]+(?: \(restarted\))?/g)) expect(names, m[0]).toContain(m[0]);
    // "<name> grew X ... at a ... R" uses that worker's growth and rate.
    for (const m of text.matchAll(/^(pid \d+ on \S+(?: \(restarted\))?) grew (\S+ \S+)(?:, (\S+ \S+) more than its peers,)? in .* at (?:a|an) [a-z ]+ (\S+ \S+\/h)/gm)) {
      const w = d.workers.find((x) => x.name === m[1])!;
      expect(m[2]).toBe(formatBytes(Math.max(w.growthBytes, w.pullAwayBytes ?? 0)));
      if (m[3] !== undefined) expect(m[3]).toBe(formatBytes(w.pullAwayBytes!));
      expect(m[4]).toBe(formatRate(w.growthMiBPerHour));
    }
    // Worker-count changes: the change and its time are in the diagnosis.
    for (const m of text.matchAll(/Workers went (?:down )?from (\d+) to (\d+) at ([^;.]+?)(?:;|\.)/g)) {
      const change = d.workerCountChanges.find((c) => c.from === Number(m[1]) && c.to === Number(m[2]));
      expect(change, m[0]).toBeDefined();
      expect(m[3]).toBe(time(d, change!.at));
    }
    // Correlations with traffic are the diagnosis's figures.
    if (d.traffic) {
      const allowed = [d.traffic.correlation, d.traffic.partialCorrelation, d.traffic.growthCorrelation].map(formatCorrelation);
      for (const m of text.matchAll(/(?:memory correlates|correlation with traffic|correlation) (-?\d\.\d\d)(?: once| with traffic| between growth and request rate)/g)) {
        expect(allowed, m[0]).toContain(m[1]);
      }
    }
    // The limit line states the limit figures.
    if (d.limit) {
      const m = text.match(/Total (\S+ \S+) of the (\S+ \S+) limit \(([^)]+)\)/);
      expect(m, 'limit line').not.toBeNull();
      expect(m![1]).toBe(formatBytes(d.limit.currentTotalBytes));
      expect(m![2]).toBe(formatBytes(d.limit.bytes));
      expect(m![3]).toBe(formatPercent(d.limit.usedFraction));
    }
    // Idle stretches named are the diagnosis's idle periods.
    for (const m of text.matchAll(/Traffic was near zero from (.+? UTC) to (.+? UTC) \(/g)) {
      expect(d.idlePeriods.some((p) => time(d, p.start) === m[1] && time(d, p.end) === m[2]), m[0]).toBe(true);
    }
    // Kills: each one named is one of the diagnosis's kills, with its size, time and share; a
    // summary counts them right; no kill is claimed that the diagnosis does not hold.
    for (const m of text.matchAll(/^(.+?) ended at (\S+ \S+) at (.+? UTC), within 10% of its (\S+ \S+) share of the limit, and was replaced: probably killed for memory\.$/gm)) {
      const k = d.kills.find((x) => x.worker === m[1] && x.evidence === 'near-limit');
      expect(k, m[0]).toBeDefined();
      expect([m[2], m[3], m[4]]).toEqual([formatBytes(k!.bytes), time(d, k!.at), formatBytes(k!.thresholdBytes!)]);
    }
    for (const m of text.matchAll(/^(.+?) ended at (\S+ \S+) at (.+? UTC) and was replaced, at the size other/gm)) {
      const k = d.kills.find((x) => x.worker === m[1] && x.evidence === 'ceiling');
      expect(k, m[0]).toBeDefined();
      expect([m[2], m[3]]).toEqual([formatBytes(k!.bytes), time(d, k!.at)]);
    }
    for (const m of text.matchAll(/^The container of (.+?) restarted at (.+? UTC) \(its restart counter went up\) after reaching (\S+ \S+)(?:, near its (\S+ \S+) share)?:/gm)) {
      const k = d.kills.find((x) => x.worker === m[1] && x.evidence === 'restart-counter' && time(d, x.at) === m[2]);
      expect(k, m[0]).toBeDefined();
      expect([m[3], m[4]]).toEqual([formatBytes(k!.bytes), k!.thresholdBytes === null ? undefined : formatBytes(k!.thresholdBytes)]);
    }
    const count = (evidence: string): number => d.kills.filter((k) => k.evidence === evidence).length;
    for (const m of text.matchAll(/^(\d+) (?:worker process(?:es)?|pods?) ended within 10% of .*?, up to (\S+ \S+):/gm)) {
      expect(Number(m[1]), m[0]).toBe(count('near-limit'));
      expect(m[2]).toBe(formatBytes(Math.max(...d.kills.filter((k) => k.evidence === 'near-limit').map((k) => k.bytes))));
    }
    for (const m of text.matchAll(/^(\d+) (?:worker process(?:es)?|pods?) each climbed to about (\S+ \S+)/gm)) {
      expect(Number(m[1]), m[0]).toBe(count('ceiling'));
      expect(d.kills.some((k) => k.evidence === 'ceiling' && formatBytes(k.thresholdBytes!) === m[2]), m[0]).toBe(true);
    }
    if (d.kills.length === 0) expect(text).not.toMatch(/killed for memory/);
    else expect(text).toMatch(/killed for memory/);
    // Gaps named are the coverage's gaps.
    for (const m of text.matchAll(/(?:was not scraped|Nothing at all was stored|No target was scraped) from (.+? UTC) to (.+? UTC)/g)) {
      expect(d.coverage.gaps.some((g) => time(d, g.start) === m[1] && time(d, g.end) === m[2]), m[0]).toBe(true);
    }
  });
});

describe('nothing is named as a driver or a lead the verdict does not stand behind', () => {
  it.each(CASES.map((c) => [c.id, c.d] as const))('%s', (_id, d) => {
    const named = components(d);
    const text = d.findings.join('\n');
    const steps = buildChecklist(d, 'UTC');
    const stepText = steps.map((s) => `${s.found}\n${s.next.join('\n')}`).join('\n');
    // A job is a driver only with the verdict behind it, and it is the job the JSON names.
    if (!named.includes('job-driven')) {
      expect(d.job).toBeNull();
      expect(text).not.toMatch(/job runs/);
      expect(stepText).not.toMatch(/runs \(correlation|loads and keeps/);
    } else {
      expect(text).toContain(`\`${d.job!.name}\``);
    }
    if (!named.includes('follows-traffic')) expect(text).not.toMatch(/grows faster when traffic is higher|moves by about .* between quiet and busy/);
    if (!named.includes('high-while-idle')) expect(text).not.toMatch(/yet memory grew|but memory stayed at/);
    // How to confirm a kill only when there is one; "still a leak" only when the verdict is growth.
    if (d.kills.length === 0) expect(stepText).not.toMatch(/OOMKilled|dmesg|killed for memory/);
    if (!named.includes('one-worker-growing') && !named.includes('all-workers-growing')) expect(stepText).not.toMatch(/still a leak/);
    // "Confirm it" and py-spy on a pid only for a worker the verdict is about.
    const focusPids = new Set(d.focusWorkers.map((i) => d.workers[i]!.pid));
    for (const m of stepText.matchAll(/Confirm it.*-p (\d+)`/g)) expect(focusPids, m[0]).toContain(m[1]);
    if (d.focusWorkers.length === 0) expect(steps[0]!.found).toMatch(/^No worker grows/);
    // The verdict's workers are real and growing or pulling away.
    for (const i of d.focusWorkers) expect(d.workers[i]).toBeDefined();
    // Confidence: a probability, never certain, lower with missing data, and explained when not near certain.
    expect(d.confidence).toBeGreaterThan(0);
    expect(d.confidence).toBeLessThanOrEqual(0.99);
    if (d.coverage.missingShare > 0) expect(d.confidence).toBeLessThan(0.98);
    if (d.confidence < 0.95) expect(d.confidenceNote).not.toBeNull();
  });
});
