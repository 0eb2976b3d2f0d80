/**
 * The words of a diagnosis: one plain verdict and short findings with numbers a responder can act on.
 */

import type { JobAssociation, KilledWorker, LimitFigures, PatternId, PatternScores, TrafficFigures, WorkerFigures } from './diagnosis';
import type { Evidence } from './classify/evidence';
import type { Decision } from './classify/decide';
import type { CountChange } from './fleet';
import type { IdleScore } from './classify/scores';
import type { IdleStretch } from './classify/idle';
import { formatBytes, formatCorrelation, formatDuration, formatMiB, formatPercent, formatRate, formatTime, plural } from './format';
import { patternTitle } from './pattern-names';
import type { Granularity } from './series';

export interface FindingsInput {
  readonly evidence: Evidence;
  readonly decision: Decision;
  /** Indices of the workers the verdict is about (the ones that grow), fastest first. */
  readonly focus: readonly number[];
  readonly scores: PatternScores;
  readonly workers: readonly WorkerFigures[];
  readonly limit: LimitFigures | null;
  readonly countChange: CountChange | null;
  readonly idle: IdleScore;
  readonly jobName: string | null;
  readonly job: JobAssociation | null;
  readonly traffic: TrafficFigures | null;
  readonly trafficBy: 'level' | 'growth' | null;
  /** Per-worker swing no pattern explains, MiB, when it is material; null otherwise. */
  readonly unexplainedSwingMiB: number | null;
  /** What one series stands for; pod-level findings say what such data cannot separate. */
  readonly granularity: Granularity;
  /** One worker per pod (configured): a pod is a process, nothing is lost. */
  readonly onePerPod: boolean;
  /** Workers probably killed for memory, as the diagnosis reports them. */
  readonly kills: readonly KilledWorker[];
  readonly timeZone: string;
}

export function describe(input: FindingsInput): { verdict: string; findings: string[] } {
  const { decision } = input;
  const components: readonly PatternId[] = decision.pattern === 'mixed' ? decision.secondary : [decision.pattern];
  const findings: string[] = [];
  for (const id of components) findings.push(...patternFindings(id, input));
  // Contributing patterns that did not make the verdict still deserve a line.
  if (decision.pattern !== 'mixed') {
    for (const id of decision.secondary) {
      const lines = patternFindings(id, input);
      if (lines[0]) findings.push(lines[0]);
    }
  }
  findings.push(...contextFindings(input));
  return { verdict: verdictOf(decision, input), findings: dedupe(findings) };
}

function verdictOf(decision: Decision, input: FindingsInput): string {
  const w = words(input.granularity);
  const growers = input.focus.length || input.evidence.growers.length;
  const eligible = input.evidence.eligible.length;
  switch (decision.pattern) {
    case 'stable':
      return input.unexplainedSwingMiB !== null
        ? `No sustained growth, but memory swings by about ${formatMiB(input.unexplainedSwingMiB)} per ${w.one} and neither traffic nor a job rate follows it: look at what runs on a schedule (cron, periodic tasks, batch imports).`
        : 'Memory is stable: no sustained growth beyond normal noise. This is not a leak.';
    case 'one-worker-growing':
      if (input.granularity === 'pod') {
        return `${growers <= 1 ? 'One pod keeps' : `${growers} of ${eligible} pods keep`} growing while the rest stay flat: find the process inside that grows, then the references it retains or the hot code path it runs.`;
      }
      return growers <= 1
        ? 'One worker keeps growing while its peers stay flat: look for references that process retains or one hot code path it runs.'
        : `${growers} of ${eligible} workers keep growing while the rest stay flat: look for retained references or a hot code path those processes run.`;
    case 'all-workers-growing':
      return `Every ${w.one} grows at a similar steady pace with time, not with traffic: something accumulates in all processes (module-level caches, globals, background state).`;
    case 'all-workers-large-stable':
      return `Every ${w.one} is flat but large, and together they sit close to the memory limit: the ${input.granularity === 'pod' ? 'number of pods times the workers in each' : 'process model'} multiplies a normal footprint. This is not a leak.`;
    case 'worker-count-jump':
      return input.granularity === 'pod'
        ? 'Memory stepped up because more pods started (a rollout or the autoscaler); each pod is as large as before. This is not a leak.'
        : 'Memory stepped up because more worker processes started; each worker is as large as before. This is not a leak.';
    case 'follows-traffic':
      return 'Memory follows traffic: it rises when requests rise and comes back or levels off when they fall. Suspect payload size or cache bounds before a leak.';
    case 'high-while-idle':
      return input.idle.kind === 'kept-growing'
        ? 'Memory kept growing while the service was idle: background state, queues or long-lived loops hold on to objects.'
        : 'Memory stayed high after traffic stopped: something retains what the busy period allocated (queues, globals, caches with no eviction).';
    case 'job-driven':
      return `Memory rises when the \`${input.jobName ?? 'one'}\` job runs and not with other work: inspect that job's payloads and what it keeps.`;
    case 'mixed':
      return `Several things add up: ${decision.secondary.map((id) => patternTitle(id)).join(', plus ')}.`;
    default: {
      const unreachable: never = decision.pattern;
      return unreachable;
    }
  }
}

function patternFindings(id: PatternId, input: FindingsInput): string[] {
  const e = input.evidence;
  const w = words(input.granularity);
  switch (id) {
    case 'stable':
      return stableFindings(input);
    case 'one-worker-growing':
      return growerFindings(input, false);
    case 'all-workers-growing':
      return growerFindings(input, true);
    case 'all-workers-large-stable': {
      const workers = e.fleet.runs[e.fleet.runs.length - 1]?.value ?? e.eligible.length;
      const limit = input.limit;
      return [
        `Each of the ${workers} ${w.many} holds a flat ~${formatMiB(e.typicalWorkerMiB)}; together ${formatMiB(e.totalNowMiB)}` +
          (limit ? `, ${formatPercent(limit.usedFraction)} of the ${formatBytes(limit.bytes)} limit.` : '.'),
        `One more ${w.one} would add about ${formatMiB(e.typicalWorkerMiB)}; fewer ${w.many}, or less state per worker (preload and share read-only data, smaller caches), is what buys headroom.`,
      ];
    }
    case 'worker-count-jump': {
      const c = input.countChange;
      if (!c) return [];
      return [
        `${w.More} went from ${c.from} to ${c.to} at ${formatTime(c.atMs, input.timeZone, e.series.grid.startMs + e.windowHours * 3_600_000)}; ` +
          `total memory rose from ${formatBytes(c.totalBefore)} to ${formatBytes(c.totalAfter)} while each ${w.one} stayed near ${formatBytes(c.perWorkerAfter)}.`,
      ];
    }
    case 'follows-traffic':
      return trafficFindings(input);
    case 'high-while-idle':
      return idleFindings(input);
    case 'job-driven': {
      const j = input.job;
      if (!j) return [];
      const other = j.otherBest ? `; other job types at most ${formatCorrelation(j.otherBest.correlation)} (${j.otherBest.name})` : '';
      if (j.by === 'growth') {
        return [`Memory grows while the \`${j.name}\` job runs and keeps what it gained (correlation ${formatCorrelation(j.correlation)} between growth and the job's rate${other}).`];
      }
      return [
        `Memory rises while the \`${j.name}\` job runs and comes back after (correlation ${formatCorrelation(j.correlation)}${other})` +
          (j.swingMiB >= 1 ? `: about ${formatMiB(j.swingMiB)} per ${w.one} while it runs.` : '.'),
      ];
    }
    case 'mixed':
      return [];
    default: {
      const unreachable: never = id;
      return unreachable;
    }
  }
}

function stableFindings(input: FindingsInput): string[] {
  const e = input.evidence;
  const w = words(input.granularity);
  const deltas = e.eligible.map((w) => Math.abs(w.growthMiB));
  const worst = deltas.length > 0 ? Math.max(...deltas) : 0;
  const lines = [
    e.eligible.length > 0
      ? `No sustained growth: every ${w.one} ended within ${formatMiB(Math.max(1, worst))} of where it started over ${formatDuration(e.windowHours * 3_600_000)}.`
      : `No ${w.one} lived long enough in this window to show a trend; the per-${w.one} average moved ${formatMiB(Math.abs(e.perWorkerTrend.slopeMiBPerHour * e.windowHours))}.`,
  ];
  const plateaued = e.eligible.filter((w) => w.trend === 'plateaued').length;
  if (plateaued > 0) lines.push(`${plural(plateaued, w.one)} warmed up and then levelled off: a bounded warm-up, not a leak.`);
  if (input.unexplainedSwingMiB !== null) {
    lines.push(`The per-${w.one} average moves by about ${formatMiB(input.unexplainedSwingMiB)} between its low and high points; no traffic or job series rises and falls with it.`);
  }
  return lines;
}

function growerFindings(input: FindingsInput, everyone: boolean): string[] {
  const e = input.evidence;
  const noun = words(input.granularity);
  // The workers the verdict is about: for one worker, the ones pulling away from their peers.
  const chosen = everyone ? e.growers : input.focus.map((i) => e.workers[i]!).filter((w) => w.eligible);
  // Numbers come from the diagnosis's own figures, so the text and the JSON never disagree.
  const figures = (w: (typeof chosen)[number]): WorkerFigures => input.workers[w.index]!;
  const growers = [...chosen].sort((a, b) => figures(b).growthBytes - figures(a).growthBytes);
  if (growers.length === 0) return [];
  const peers = e.eligible.length - growers.length;
  const lines: string[] = [];
  if (!everyone && growers.length <= 3) {
    const peersGrow = e.growers.some((w) => !growers.includes(w));
    for (const g of growers) {
      const f = figures(g);
      // Pulled away from peers that move too (with traffic, a job): say how far, not just how much it grew.
      const away = f.pullAwayBytes;
      const apart = away !== null && (peersGrow || f.trend !== 'growing') ? `, ${formatBytes(away)} more than its peers,` : '';
      lines.push(
        `${f.name} grew ${formatBytes(Math.max(f.growthBytes, away ?? 0))}${apart} in ${formatDuration(g.measuredHours * 3_600_000)} at ${steadyWord(f.steadiness)} ${formatRate(f.growthMiBPerHour)}` +
          (f.alive ? '' : ' (it has since exited)') +
          '.',
      );
    }
    if (peers > 0) {
      lines.push(
        peersGrow
          ? `The other ${plural(peers, noun.one)} ${peers === 1 ? 'moves with the rest of the fleet' : 'move together'}; none pulls away.`
          : `The other ${plural(peers, noun.one)} ${peers === 1 ? 'is' : 'are'} flat.`,
      );
    }
  } else {
    const rates = growers.map((g) => figures(g).growthMiBPerHour);
    const top = figures(growers[0]!);
    lines.push(
      `${growers.length} of ${plural(e.eligible.length, noun.one)} grew, at ${formatRate(Math.min(...rates))} to ${formatRate(Math.max(...rates))}; the largest is ${top.name}, up ${formatBytes(top.growthBytes)}.`,
    );
    if (!everyone && peers > 0) lines.push(`The other ${plural(peers, noun.one)} ${peers === 1 ? 'does' : 'do'} not pull away.`);
  }
  const recycled = e.workers.filter((w) => w.bornInWindow).length;
  if (recycled > 0 && e.workers.length > e.eligible.length) {
    lines.push(`${plural(recycled, 'process', 'processes')} started during the window (recycles or deploys); each pid is judged over its own life.`);
  }
  const rel = input.traffic;
  if (everyone && rel && Math.abs(rel.partialCorrelation) < 0.3) {
    lines.push(
      `Traffic does not explain it: with the time trend taken out, memory correlates ${formatCorrelation(rel.partialCorrelation)} with traffic.`,
    );
  }
  return lines.filter((l) => l.length > 0);
}

function trafficFindings(input: FindingsInput): string[] {
  const t = input.traffic;
  if (!t) return [];
  const e = input.evidence;
  if (input.trafficBy === 'growth') {
    return [
      `Memory grows faster when traffic is higher (correlation ${formatCorrelation(t.growthCorrelation)} between growth and request rate): each request leaves something behind, or a cache fills per request.`,
    ];
  }
  const lines = [
    `Per-${words(input.granularity).one} memory moves by about ${formatMiB(t.swingMiB)} between quiet and busy periods (correlation with traffic ${formatCorrelation(t.partialCorrelation)} once the time trend is taken out); traffic ranged up to ${round(t.peakRps)} req/s.`,
  ];
  const fellBack = e.idle.find((s) => Number.isFinite(s.baselineMiB) && s.endMiB < s.startMiB - 0.3 * Math.max(0, s.startMiB - s.baselineMiB));
  if (fellBack) {
    lines.push(`When traffic stopped, memory came back down from ${formatMiB(fellBack.startMiB)} to ${formatMiB(fellBack.endMiB)} per ${words(input.granularity).one}.`);
  }
  return lines;
}

function idleFindings(input: FindingsInput): string[] {
  const s = input.idle.stretch;
  if (!s) return [];
  const e = input.evidence;
  const b = e.buckets;
  const ref = e.series.grid.startMs + e.windowHours * 3_600_000;
  const from = formatTime(b.timesMs[s.from]! - b.bucketMs / 2, input.timeZone, ref);
  const to = formatTime(b.timesMs[s.to]! + b.bucketMs / 2, input.timeZone, ref);
  const when = `Traffic was near zero from ${from} to ${to} (${formatDuration(s.hours * 3_600_000)})`;
  if (input.idle.kind === 'kept-growing') {
    return [`${when}, yet memory grew from ${formatMiB(s.startMiB)} to ${formatMiB(s.endMiB)} per ${words(input.granularity).one} (${formatRate(s.slopeMiBPerHour)}).`];
  }
  const above = Number.isFinite(s.baselineMiB) ? `, ${formatMiB(s.endMiB - s.baselineMiB)} above its earlier level of ${formatMiB(s.baselineMiB)}` : '';
  return [`${when}, but memory stayed at ${formatMiB(s.endMiB)} per ${words(input.granularity).one}${above}.`];
}

function contextFindings(input: FindingsInput): string[] {
  const e = input.evidence;
  const lines: string[] = [...killFindings(input)];
  const limit = input.limit;
  if (limit) {
    const head = `Total ${formatBytes(limit.currentTotalBytes)} of the ${formatBytes(limit.bytes)} limit (${formatPercent(limit.usedFraction)})`;
    if (limit.hoursToLimit === 0) lines.push(`${head}: already at or over the limit.`);
    else if (limit.hoursToLimit !== null) {
      lines.push(`${head}; at the recent ${formatRate(e.totalRecentSlope)} it reaches the limit in about ${formatDuration(limit.hoursToLimit * 3_600_000)}.`);
    } else lines.push(`${head}; not growing towards it at this rate.`);
  }
  const decreases = e.fleet.changes.filter((c) => c.to < c.from && c.to > 0);
  for (const c of decreases.slice(0, 2)) {
    lines.push(`Workers went down from ${c.from} to ${c.to} at ${formatTime(c.atMs, input.timeZone, e.series.grid.startMs + e.windowHours * 3_600_000)}.`);
  }
  const deploy = detectDeploy(e, input.timeZone);
  if (deploy) lines.push(deploy);
  const idleShown = input.decision.pattern === 'high-while-idle' || input.decision.secondary.includes('high-while-idle');
  const samePace = e.idle.find((s) => keptPace(s));
  if (!idleShown && samePace && (input.decision.pattern === 'all-workers-growing' || input.decision.pattern === 'one-worker-growing')) {
    lines.push(`Memory kept its pace through ${formatDuration(samePace.hours * 3_600_000)} of near-zero traffic: it tracks time, not requests.`);
  }
  lines.push(...gapFindings(input));
  lines.push(...e.fleet.notes);
  if (input.granularity === 'pod' && !input.onePerPod) {
    lines.push(
      'pymem sees one series per pod here, not one per process: it cannot tell one worker in a pod from all of them growing, and a container\'s working set also counts page cache the kernel keeps active. Step 1 finds the process inside the pod.',
    );
  } else if (input.granularity === 'process' && e.workers.length > 0 && e.workers.every((w) => w.pid === null) && e.workers.length === new Set(e.workers.map((w) => w.instance)).size) {
    lines.push('The memory series carry no pid label, so each instance is treated as one process.');
  }
  return lines;
}

/** Up to this many kills get a sentence each; more are summarised per kind of evidence. */
const KILLS_NAMED = 2;

/**
 * Workers probably killed for memory: each with its size and time when there are few, a summary
 * per kind of evidence when there are many. "Probably": the data shows where a process ended and
 * that another took its place, not the kernel's log.
 */
function killFindings(input: FindingsInput): string[] {
  const kills = input.kills;
  if (kills.length === 0) return [];
  const e = input.evidence;
  const ref = e.series.grid.startMs + e.windowHours * 3_600_000;
  const time = (k: KilledWorker): string => formatTime(Date.parse(k.at), input.timeZone, ref);
  const w = words(input.granularity);
  if (kills.length <= KILLS_NAMED) {
    return kills.map((k) => {
      switch (k.evidence) {
        case 'near-limit':
          return `${k.worker} ended at ${formatBytes(k.bytes)} at ${time(k)}, within 10% of its ${formatBytes(k.thresholdBytes ?? 0)} share of the limit, and was replaced: probably killed for memory.`;
        case 'ceiling':
          return `${k.worker} ended at ${formatBytes(k.bytes)} at ${time(k)} and was replaced, at the size other ${w.many} also climbed to and ended at: probably killed for memory.`;
        case 'restart-counter':
          return `The container of ${k.worker} restarted at ${time(k)} (its restart counter went up) after reaching ${formatBytes(k.bytes)}${k.thresholdBytes !== null ? `, near its ${formatBytes(k.thresholdBytes)} share` : ''}: probably killed for memory.`;
        default: {
          const unknown: never = k.evidence;
          return unknown;
        }
      }
    });
  }
  const lines: string[] = [];
  const [one, many] = input.granularity === 'pod' ? ['pod', 'pods'] : ['worker process', 'worker processes'];
  const span = (group: readonly KilledWorker[]): string =>
    group.length === 1 ? `at ${time(group[0]!)}` : `between ${time(group[0]!)} and ${time(group[group.length - 1]!)}`;
  const nearLimit = kills.filter((k) => k.evidence === 'near-limit');
  if (nearLimit.length > 0) {
    const shares = [...new Set(nearLimit.map((k) => formatBytes(k.thresholdBytes ?? 0)))];
    const share = shares.length === 1 ? `their ${shares[0]} share of the limit` : 'their share of the limit';
    lines.push(`${plural(nearLimit.length, one, many)} ended within 10% of ${share} and ${nearLimit.length === 1 ? 'was' : 'were'} replaced ${span(nearLimit)}, up to ${formatBytes(Math.max(...nearLimit.map((k) => k.bytes)))}: probably killed for memory.`);
  }
  const ceiling = kills.filter((k) => k.evidence === 'ceiling');
  if (ceiling.length > 0) {
    lines.push(`${plural(ceiling.length, one, many)} each climbed to about ${formatBytes(ceiling[0]!.thresholdBytes ?? ceiling[0]!.bytes)} and ended there, replaced ${span(ceiling)}: probably killed for memory at a limit of about that size.`);
  }
  const counted = kills.filter((k) => k.evidence === 'restart-counter');
  if (counted.length > 0) {
    const pods = new Set(counted.map((k) => k.worker)).size;
    lines.push(`Containers restarted ${plural(counted.length, 'time')} in ${plural(pods, w.one)} ${span(counted)} (the restart counter went up), up to ${formatBytes(Math.max(...counted.map((k) => k.bytes)))} before: probably killed for memory.`);
  }
  return lines;
}

/** Growth while idle at the pace it had while busy (within 45%), measured inside processes' lives. */
function keptPace(s: IdleStretch): boolean {
  const idle = Number.isFinite(s.workerGrowthMiB) ? s.workerGrowthMiB / Math.max(s.hours, 1e-9) : s.slopeMiBPerHour;
  const busy = Number.isFinite(s.busyWorkerGrowthPerHour) ? s.busyWorkerGrowthPerHour : s.activeSlopeMiBPerHour;
  return Number.isFinite(busy) && busy > 0 && idle > 0 && Math.abs(idle - busy) <= 0.45 * Math.max(idle, busy);
}

/** Where data was missing, said plainly: missing data is not workers stopping, and not growth. */
function gapFindings(input: FindingsInput): string[] {
  const e = input.evidence;
  const gaps = e.fleet.gaps;
  if (gaps.length === 0) return [];
  const grid = e.series.grid;
  const ref = grid.startMs + e.windowHours * 3_600_000;
  const time = (i: number): string => formatTime(grid.startMs + i * grid.stepMs, input.timeZone, ref);
  const describeGap = (g: (typeof gaps)[number]): string => {
    const span = `from ${time(g.from)} to ${time(Math.min(grid.length - 1, g.to + 1))}`;
    if (g.instance === null) {
      return g.cause === 'no-data' ? `Nothing at all was stored ${span} (Prometheus itself or the network was down)` : `No target was scraped ${span}`;
    }
    return `${g.instance} was not scraped ${span} (${plural(g.workers, 'worker')} without data)`;
  };
  const missing = gaps.reduce((sum, g) => sum + (g.to - g.from + 1) * grid.stepMs, 0);
  const tail = '; pymem reads that as missing data, not as workers stopping or growing.';
  if (gaps.length === 1) return [`${describeGap(gaps[0]!)}${tail}`];
  const longest = [...gaps].sort((a, b) => b.to - b.from - (a.to - a.from))[0]!;
  return [`${gaps.length} stretches without data, ${formatDuration(missing)} in all; the longest: ${describeGap(longest).replace(/^./, (c) => c.toLowerCase())}${tail}`];
}

/** Most pids replaced within a few minutes: a deploy or restart, worth knowing when reading the chart. */
function detectDeploy(e: Evidence, timeZone: string): string | null {
  const born = e.workers.filter((w) => w.bornInWindow).map((w) => w.firstBucket).sort((a, b) => a - b);
  if (born.length < 2) return null;
  const live = e.fleet.runs.length > 0 ? Math.max(...e.fleet.runs.map((r) => r.value)) : 0;
  let best = { at: -1, n: 0 };
  for (let i = 0; i < born.length; i++) {
    let j = i;
    while (j + 1 < born.length && born[j + 1]! - born[i]! <= 3) j++;
    if (j - i + 1 > best.n) best = { at: born[i]!, n: j - i + 1 };
  }
  const died = e.workers.filter((w) => !w.alive && w.lastBucket >= best.at - 4 && w.lastBucket <= best.at + 3).length;
  if (best.n < Math.max(2, live * 0.8) || died < best.n * 0.8) return null;
  const when = formatTime(e.buckets.timesMs[best.at]!, timeZone, e.series.grid.startMs + e.windowHours * 3_600_000);
  return `${best.n} pids were replaced together at ${when}: a deploy or restart, after which memory started again from baseline.`;
}

function steadyWord(steadiness: number): string {
  if (steadiness >= 0.9) return 'a steady';
  if (steadiness >= 0.7) return 'a fairly steady';
  return 'an uneven';
}

function round(v: number): number {
  return v >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines.filter((l) => l.trim().length > 0))];
}


/** What a memory series is called in the text: a worker, or a pod. */
interface Words {
  readonly one: string;
  readonly many: string;
  /** Capitalised plural, to start a sentence. */
  readonly More: string;
}

function words(granularity: Granularity): Words {
  return granularity === 'pod' ? { one: 'pod', many: 'pods', More: 'Pods' } : { one: 'worker', many: 'workers', More: 'Workers' };
}
