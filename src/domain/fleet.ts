/**
 * The fleet: what the memory and `up` series say about the service's worker processes, worked out
 * once and handed to the classifier, the findings, the chart and the digest. Pure.
 *
 * Real scrape data is not a clean table of processes:
 * - A target that is not scraped (its `up` is 0, or Prometheus itself was down) leaves a hole in
 *   every one of its series. Its processes kept running: that is missing data, not processes
 *   that stopped and others that started.
 * - The same process can arrive as several series: an HA pair of Prometheus servers merged
 *   without deduplication (a `replica` label), or relabelling that changed mid-window (a new
 *   label, so a new label set). A process is its target and its pid.
 * - The same labels can be two processes: after a container restart the new processes get the
 *   same small pids in a fresh pid namespace. A series that comes back from a hole far smaller
 *   than it went in is a new process.
 * - Prometheus repeats a series' last sample for five minutes after it ends when no staleness
 *   marker was written (backfilled data): that echo is not data.
 * - An exporter now and then reports one wrong sample.
 * - A master or sidecar process exported beside the workers is not a worker.
 *
 * The live worker count comes from the processes' lives, never from how many series had a
 * sample at a grid point, so holes never count as workers leaving and coming back.
 */

import { gridTimeMs, type Granularity, type Grid, type GridSeries, type Labels, type ServiceSeries } from './series';
import { median } from './stats';
import { rateRangeOf } from './rate-interval';

export type ProcessRole = 'worker' | 'auxiliary';

export interface FleetProcess {
  /** Short human label: "pid 4312 on web-2". */
  readonly name: string;
  readonly labels: Labels;
  readonly pid: string | null;
  readonly instance: string | null;
  /** Resident bytes per grid point; NaN where there is no trustworthy sample. */
  readonly values: Float64Array;
  /** First and last grid index of its life (a life runs through holes in the data). */
  readonly lifeFrom: number;
  readonly lifeTo: number;
  /** Started inside the window while its target was being scraped. */
  readonly bornInWindow: boolean;
  /** Ended inside the window while its target was still being scraped. */
  readonly exitedInWindow: boolean;
  /** Raw series merged into this process (HA replicas, relabelled copies). */
  readonly sourceSeries: number;
  /** This process reused the labels of one that ended before it (a restart in a new pid namespace). */
  readonly reusedLabels: boolean;
}

export type GapCause = 'target-down' | 'no-data';

export interface FleetGap {
  /** Grid indices, inclusive. */
  readonly from: number;
  readonly to: number;
  /** The target that was not scraped; null when no target was (Prometheus itself, or the network). */
  readonly instance: string | null;
  readonly cause: GapCause;
  /** Live workers without data during the gap. */
  readonly workers: number;
}

export interface CountRun {
  readonly value: number;
  /** Grid indices, inclusive. */
  readonly from: number;
  readonly to: number;
}

export interface CountChange {
  readonly index: number;
  readonly atMs: number;
  readonly from: number;
  readonly to: number;
  /** Bytes, measured on points where every live worker had data. */
  readonly totalBefore: number;
  readonly totalAfter: number;
  readonly perWorkerBefore: number;
  readonly perWorkerAfter: number;
}

export interface Fleet {
  readonly grid: Grid;
  readonly workers: readonly FleetProcess[];
  /** Processes exported beside the workers that do no work (a master, a sidecar): shown, not judged. */
  readonly auxiliary: readonly FleetProcess[];
  /** Live workers per grid point, from lives; settled (see `runs`). */
  readonly live: Int32Array;
  /** Workers with a sample per grid point. */
  readonly observed: Int32Array;
  /** 1 outside every reported gap: the points fit for counting workers and for correlations. */
  readonly complete: Uint8Array;
  /**
   * The same for rates summed over targets: a rate over [5m] reads low until its window is clear
   * of the gap again, so each gap is followed by five more minutes that are not trusted.
   */
  readonly ratesTrusted: Uint8Array;
  /** The live worker count as lasting runs, and the real changes between them. */
  readonly runs: readonly CountRun[];
  readonly changes: readonly CountChange[];
  /** Stretches where data is missing, per target or for all of them. */
  readonly gaps: readonly FleetGap[];
  /** Share of worker lifetime inside the window without data, 0..1. */
  readonly missingShare: number;
  /**
   * Mean memory of one worker per grid point, bytes, robust to some workers missing: each
   * observed worker's deviation from its own typical size, plus the live workers' typical size.
   * NaN where fewer than half the live workers have data.
   */
  readonly perWorker: Float64Array;
  /** Total of all live workers per grid point, bytes (perWorker x live). */
  readonly total: Float64Array;
  /** Facts about the data worth a line in the report (merged replicas, reused pids, ...). */
  readonly notes: readonly string[];
}

const PID_LABELS = ['pid', 'process_id', 'worker_pid'];
const WORKER_LABELS = ['worker', 'worker_id', 'process', 'proc', 'slot'];
const INSTANCE_LABELS = ['instance', 'pod', 'host'];
/** Labels that tell copies of one series apart rather than processes: HA replicas, receivers, relabelling. */
const COPY_LABELS = new Set(['replica', 'prometheus_replica', '__replica__', 'prometheus', 'receive', 'pod_template_hash', 'controller_revision_hash']);

/** Prometheus repeats a series' last sample this long when no staleness marker was written. */
const LOOKBACK_MS = 5 * 60_000;
/** A change in the live count has to last this long to count: deploys overlap pids, scrapes miss. */
const SETTLE_MS = 15 * 60_000;
/** Auxiliary processes are under this share of the typical worker's size (a Gunicorn master is tens of MiB). */
const AUXILIARY_SHARE = 0.45;

export function workerIdentity(labels: Labels, granularity: Granularity = 'process'): { name: string; pid: string | null; instance: string | null; key: string } {
  // A pod line is named by its pod; its instance stays the scrape target (a kubelet) for `up`.
  if (granularity === 'pod' && labels['pod'] !== undefined) {
    const rest = Object.keys(labels)
      .filter((k) => k !== '__name__' && !COPY_LABELS.has(k))
      .sort()
      .map((k) => `${k}=${labels[k]}`);
    return { name: `pod ${labels['pod']}`, pid: null, instance: labels['instance'] ?? labels['pod'], key: rest.join('\u0000') };
  }
  const pidKey = PID_LABELS.find((k) => labels[k] !== undefined);
  const workerKey = WORKER_LABELS.find((k) => labels[k] !== undefined);
  const instanceKey = INSTANCE_LABELS.find((k) => labels[k] !== undefined);
  const instance = instanceKey ? labels[instanceKey]! : null;
  const pid = pidKey ? labels[pidKey]! : null;
  if (pid !== null) return { name: instance ? `pid ${pid} on ${instance}` : `pid ${pid}`, pid, instance, key: `${instance ?? ''}\u0000pid\u0000${pid}` };
  const rest = Object.keys(labels)
    .filter((k) => k !== '__name__' && !COPY_LABELS.has(k))
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  const key = rest.join('\u0000');
  if (workerKey) {
    const who = `${workerKey} ${labels[workerKey]}`;
    return { name: instance ? `${who} on ${instance}` : who, pid: null, instance, key };
  }
  if (instance) return { name: instance, pid: null, instance, key };
  const shown = rest.filter((r) => !r.startsWith('job=')).join(',');
  return { name: shown || 'the only series', pid: null, instance: null, key };
}

function instanceOf(labels: Labels): string | null {
  const k = INSTANCE_LABELS.find((name) => labels[name] !== undefined);
  return k ? labels[k]! : null;
}

/**
 * Builds the fleet from one service's series. At pod granularity each series is a pod, named by
 * its pod label, and nothing is set aside as a master (a small pod is a pod).
 */
export function buildFleet(series: ServiceSeries, granularity: Granularity = 'process'): Fleet {
  const grid = series.grid;
  const n = grid.length;
  const notes: string[] = [];

  // 1. Trim the lookback echo and wrong samples from each raw series; group copies of one process.
  const groups = new Map<string, { identity: ReturnType<typeof workerIdentity>; members: GridSeries[] }>();
  const cleanedValues = dropWrongSamples(series.memory.map((raw) => trimEcho(raw.values, grid)));
  for (const [k, raw] of series.memory.entries()) {
    const cleaned = { labels: raw.labels, values: cleanedValues[k]! };
    // A series without one sample in the window is not a process we saw.
    if (firstFinite(cleaned.values) < 0) continue;
    const identity = workerIdentity(raw.labels, granularity);
    const group = groups.get(identity.key);
    if (group) group.members.push(cleaned);
    else groups.set(identity.key, { identity, members: [cleaned] });
  }
  const merged = [...groups.values()].map((g) => ({ identity: g.identity, labels: dropCopyLabels(g.members[0]!.labels), values: mergeCopies(g.members), sources: g.members.length }));
  const copies = merged.filter((m) => m.sources > 1).length;
  if (copies > 0) {
    notes.push(`${copies} ${copies === 1 ? 'process arrives' : 'processes arrive'} as several series (HA replicas or relabelling); each is counted once.`);
  }

  // 2. When was each target being scraped?
  const scraped = targetStatus(series, merged.map((m) => ({ instance: m.identity.instance, values: m.values })));
  // What was read while a target was not being scraped is an echo, not a sample.
  for (const m of merged) {
    const status = scraped.statusOf(m.identity.instance);
    let masked: Float64Array | null = null;
    for (let i = 0; i < n; i++) {
      if (status[i] === 0 && m.values[i] === m.values[i]) {
        masked ??= new Float64Array(m.values);
        masked[i] = NaN;
      }
    }
    if (masked) m.values = masked;
  }

  // 3. Split labels reused by a new process (a restart in a fresh pid namespace).
  const restarts = containerRestarts(merged.map((m) => ({ instance: m.identity.instance, values: m.values })));
  const counted = countedRestarts(series);
  const processes: FleetProcess[] = [];
  let reused = 0;
  for (const m of merged) {
    const seen = (restarts.get(m.identity.instance ?? '') ?? []).map((r): RestartWindow => [r - 2, r + 2]);
    const pod = m.labels['pod'];
    // The container restarted inside its pod (kube-state-metrics' counter went up): memory falls
    // at the restart, at most a counter scrape before the counter says so.
    const lag = Math.ceil(COUNTER_LAG_MS / grid.stepMs);
    const told = pod === undefined ? [] : (counted.get(pod) ?? []).map((c): RestartWindow => [c - lag, c + 2]);
    const pieces = splitReused(m.values, scraped.statusOf(m.identity.instance), [...seen, ...told]);
    pieces.forEach((values, k) => {
      if (k > 0) reused++;
      processes.push(lifeOf(m.identity, m.labels, values, m.sources, k > 0, scraped.statusOf(m.identity.instance), grid));
    });
  }
  if (reused > 0) {
    notes.push(`${reused} ${reused === 1 ? 'process reuses the pid' : 'processes reuse the pids'} of one that ended before it (a container restart); each life is judged on its own.`);
  }

  // 4. Masters and sidecars: much smaller than the workers beside them.
  const { workers, auxiliary } = granularity === 'pod' ? { workers: processes, auxiliary: [] } : splitRoles(processes, grid.stepMs);
  if (auxiliary.length > 0) {
    notes.push(`${auxiliary.length} small ${auxiliary.length === 1 ? 'process' : 'processes'} (a master or sidecar, under half a worker's size and flat) ${auxiliary.length === 1 ? 'is' : 'are'} shown but not judged as ${auxiliary.length === 1 ? 'a worker' : 'workers'}.`);
  }

  // 5. What was missing, and where the data is complete enough to count workers and correlate.
  const gaps = findGaps(workers, scraped, grid);
  const complete = new Uint8Array(n).fill(1);
  const ratesTrusted = new Uint8Array(n).fill(1);
  // A rate is off for one range after a gap ends: its range still reaches into the gap.
  const ratePad = Math.ceil(rateRangeOf(series.source.queries) / grid.stepMs);
  for (const g of gaps) {
    complete.fill(0, g.from, g.to + 1);
    ratesTrusted.fill(0, g.from, Math.min(n, g.to + 1 + ratePad));
  }
  const rawLive = new Int32Array(n);
  const observed = new Int32Array(n);
  let lifePoints = 0;
  let missingPoints = 0;
  for (const w of workers) {
    for (let i = w.lifeFrom; i <= w.lifeTo; i++) {
      rawLive[i]!++;
      lifePoints++;
      if (w.values[i] === w.values[i]) observed[i]!++;
      else missingPoints++;
    }
  }

  // 6. The live worker count as lasting runs: only points with complete data say what it is.
  const known = new Int32Array(n);
  for (let i = 0; i < n; i++) known[i] = complete[i] ? rawLive[i]! : 0;
  const minRun = Math.max(3, Math.min(Math.ceil(SETTLE_MS / grid.stepMs), Math.ceil(n * 0.1)));
  // A count that changed in the last few minutes may be nothing but the lookback echo of processes
  // that just exited beside their replacements: the last run must outlast it to count.
  const rawRuns = toRuns(known);
  // Unless nothing ended around it: an echo needs a process that exited, so a count that only
  // went up, by processes starting while none stopped, is real however recent (workers added by
  // SIGTTIN a few minutes before the end).
  const proven = onlyStartsNearEnd(workers, rawRuns, Math.ceil((LOOKBACK_MS + 60_000) / grid.stepMs), n);
  const minLastRun = proven ? minRun : Math.max(minRun, Math.ceil((LOOKBACK_MS + 60_000) / grid.stepMs));
  const runs = settleRuns(rawRuns, minRun, minLastRun);
  const live = new Int32Array(n);
  for (const r of runs) live.fill(r.value, r.from, r.to + 1);

  // 7. Per-worker level and total.
  const perWorker = fleetLevel(workers, rawLive, observed, n);
  const total = new Float64Array(n);
  for (let i = 0; i < n; i++) total[i] = live[i]! > 0 && Number.isFinite(perWorker[i]!) ? perWorker[i]! * live[i]! : NaN;
  const changes = countChanges(runs, grid, total, perWorker, complete);

  return {
    grid,
    workers,
    auxiliary,
    live,
    observed,
    complete,
    ratesTrusted,
    runs,
    changes,
    gaps,
    missingShare: lifePoints === 0 ? 0 : missingPoints / lifePoints,
    perWorker,
    total,
    notes,
  };
}

function dropCopyLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!COPY_LABELS.has(k)) out[k] = v;
  return out;
}

/** Several series of one process: at each point, the mean of the copies that have a sample. */
function mergeCopies(members: readonly GridSeries[]): Float64Array {
  if (members.length === 1) return members[0]!.values;
  const out = new Float64Array(members[0]!.values.length);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    let k = 0;
    for (const m of members) {
      const v = m.values[i]!;
      if (v === v) {
        sum += v;
        k++;
      }
    }
    out[i] = k === 0 ? NaN : sum / k;
  }
  return out;
}

/**
 * Cuts the lookback echo off a series that ends inside the window: the run of identical values
 * Prometheus repeats for up to five minutes after the last sample. Bounded to the lookback (plus a
 * scrape), so a series that is genuinely constant keeps its history.
 */
export function trimEcho(values: Float64Array, grid: Grid): Float64Array {
  const maxTrim = Math.ceil(LOOKBACK_MS / grid.stepMs);
  let out: Float64Array | null = null;
  let i = 0;
  while (i < values.length) {
    if (!(values[i] === values[i])) {
      i++;
      continue;
    }
    let end = i;
    while (end + 1 < values.length && values[end + 1] === values[end + 1]) end++;
    // Every run of data that stops before the window's end may carry an echo of its last sample.
    if (end < values.length - 1) {
      let first = end;
      while (first > i && values[first - 1] === values[end]) first--;
      // The echo is at most the lookback long; an idle process can hold the same RSS for longer,
      // so a longer repetition loses only its last five minutes.
      const from = Math.max(first + 1, end + 1 - maxTrim);
      if (from <= end) {
        out ??= new Float64Array(values);
        out.fill(NaN, from, end + 1);
      }
    }
    i = end + 1;
  }
  return out ?? values;
}

/** A sample that differs from the samples on both sides in the same direction: grid indices and direction. */
export interface OddSample {
  readonly from: number;
  readonly to: number;
  readonly up: boolean;
}

/**
 * Samples that stand out from both neighbours, in the same direction, by far more than the series
 * ever moves from one sample to the next and by at least 15% of its level, while the neighbours
 * agree with each other. Works on runs of equal values, as the grid repeats a sample until the next
 * scrape. These are candidates: an exporter's wrong sample, or a real spike too short to span two
 * samples (see `dropWrongSamples`).
 */
export function oddSamples(values: Float64Array): OddSample[] {
  const runs: { value: number; from: number; to: number }[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v === v)) continue;
    const last = runs[runs.length - 1];
    if (last && last.value === v && last.to === i - 1) last.to = i;
    else runs.push({ value: v, from: i, to: i });
  }
  if (runs.length < 5) return [];
  const steps: number[] = [];
  for (let r = 1; r < runs.length; r++) steps.push(Math.abs(runs[r]!.value - runs[r - 1]!.value));
  const typicalStep = median(steps);
  const odd: OddSample[] = [];
  for (let r = 1; r < runs.length - 1; r++) {
    const prev = runs[r - 1]!.value;
    const next = runs[r + 1]!.value;
    const v = runs[r]!.value;
    const level = (prev + next) / 2;
    const threshold = Math.max(0.15 * level, 8 * typicalStep);
    const up = v - prev > threshold && v - next > threshold;
    const down = prev - v > threshold && next - v > threshold;
    if ((up || down) && Math.abs(prev - next) < threshold / 2) odd.push({ from: runs[r]!.from, to: runs[r]!.to, up });
  }
  return odd;
}

/** Odd samples in more than this share of a series' samples are its behaviour, not glitches. */
const GLITCH_SHARE = 0.03;

/**
 * Drops the odd samples that are an exporter's glitches and keeps the ones that are real: a spike
 * that several workers show at the same moment (a job that holds memory for seconds in every
 * worker) or that one worker shows again and again is what memory does. A lone wrong sample is not.
 */
export function dropWrongSamples(series: readonly Float64Array[]): Float64Array[] {
  const odd = series.map((v) => oddSamples(v));
  return series.map((values, k) => {
    const mine = odd[k]!;
    if (mine.length === 0) return values;
    let samples = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === values[i]) samples++;
    if (mine.length > GLITCH_SHARE * samples && mine.length >= 3) return values;
    let out: Float64Array | null = null;
    for (const o of mine) {
      const shared = odd.some((other, j) => j !== k && other.some((p) => p.up === o.up && p.from <= o.to + 2 && p.to >= o.from - 2));
      if (shared) continue;
      out ??= new Float64Array(values);
      out.fill(NaN, o.from, o.to + 1);
    }
    return out ?? values;
  });
}

/** Per target and grid point: 1 scraped, 0 down, NaN unknown. */
interface TargetStatus {
  /** For one instance: 1 scraped, 0 not scraped (down or no data), NaN outside its target's life. */
  statusOf(instance: string | null): Float64Array;
  readonly instancesDown: ReadonlyMap<string, Uint8Array>;
  /** Points where no series at all has data (Prometheus down) between points that have. */
  readonly nothing: Uint8Array;
}

function targetStatus(series: ServiceSeries, processes: readonly { instance: string | null; values: Float64Array }[]): TargetStatus {
  const n = series.grid.length;
  // `up` echoes through a hole like any other series.
  const targets = series.targets.map((t) => ({ labels: t.labels, values: trimEcho(t.values, series.grid) }));
  // Points where anything at all was stored: memory or up, on any target.
  const anything = new Uint8Array(n);
  const mark = (values: Float64Array): void => {
    for (let i = 0; i < n; i++) if (values[i] === values[i]) anything[i] = 1;
  };
  for (const p of processes) mark(p.values);
  for (const t of targets) mark(t.values);
  const nothing = new Uint8Array(n);
  const firstAny = anything.indexOf(1);
  const lastAny = anything.lastIndexOf(1);
  for (let i = 0; i < n; i++) nothing[i] = !anything[i] && firstAny >= 0 && i > firstAny && i < lastAny ? 1 : 0;

  const byInstance = new Map<string, Float64Array>();
  const upBy = new Map<string, Float64Array>();
  for (const t of targets) {
    const instance = instanceOf(t.labels);
    if (instance === null) continue;
    const prev = upBy.get(instance);
    // HA replicas of one target: scraped when either replica scraped it.
    if (!prev) upBy.set(instance, new Float64Array(t.values));
    else for (let i = 0; i < n; i++) if (!(prev[i]! >= t.values[i]!)) prev[i] = t.values[i]! === t.values[i]! ? t.values[i]! : prev[i]!;
  }
  // Only our own targets: an up query can return every node of a cluster.
  const instances = new Set<string>(processes.map((p) => p.instance).filter((x): x is string => x !== null));
  for (const instance of instances) {
    const status = new Float64Array(n).fill(NaN);
    const up = upBy.get(instance);
    const here = processes.filter((p) => p.instance === instance);
    const hasData = new Uint8Array(n);
    for (const p of here) for (let i = 0; i < n; i++) if (p.values[i] === p.values[i]) hasData[i] = 1;
    if (up) {
      const first = firstFinite(up);
      const last = lastFinite(up);
      for (let i = 0; i < n; i++) {
        const u = up[i]!;
        if (u === u) status[i] = u >= 0.5 ? 1 : 0;
        else if (i > first && i < last) status[i] = 0;
        // Data without an up sample (an up query with other labels): the target was scraped. Where
        // up says the scrape failed, any memory value is Prometheus repeating an older sample.
        if (hasData[i] && !(u === 0)) status[i] = 1;
      }
    } else {
      // No `up` for this target: scraped where it has data; holes between data are unscraped stretches.
      const first = hasData.indexOf(1);
      const last = hasData.lastIndexOf(1);
      for (let i = 0; i < n; i++) {
        if (hasData[i]) status[i] = 1;
        else if (i > first && i < last && processesAllAbsent(here, i)) status[i] = 0;
        else if (nothing[i]) status[i] = 0;
      }
    }
    for (let i = 0; i < n; i++) if (nothing[i]) status[i] = 0;
    byInstance.set(instance, status);
  }
  const instancesDown = new Map<string, Uint8Array>();
  for (const [instance, status] of byInstance) {
    const down = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (status[i] === 0) down[i] = 1;
    }
    instancesDown.set(instance, down);
  }
  const unknown = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) if (nothing[i]) unknown[i] = 0;
  return {
    instancesDown,
    nothing,
    statusOf: (instance) => (instance === null ? unknown : (byInstance.get(instance) ?? unknown)),
  };
}

/** Every process of an instance that lives around i (data before and after) has no sample at i. */
function processesAllAbsent(here: readonly { values: Float64Array }[], i: number): boolean {
  let around = 0;
  for (const p of here) {
    if (p.values[i] === p.values[i]) return false;
    around++;
  }
  return around > 0;
}

function firstFinite(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) return i;
  return -1;
}

function lastFinite(values: Float64Array): number {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] === values[i]) return i;
  return -1;
}

/** A drop that a restart would cause: a fifth of the level and at least 24 MiB. */
function bigDrop(before: number, after: number): boolean {
  return before - after > 0.2 * before && before - after > 24 * 1024 * 1024;
}

/**
 * Across a hole in the data (its target down, a restart's pause) the bar is lower: a process that
 * kept running comes back where it was, so a tenth of its level lost is a new process.
 */
function dropAcrossHole(before: number, after: number): boolean {
  return before - after > 0.1 * before && before - after > 24 * 1024 * 1024;
}

/**
 * Grid indices where every process of one instance fell sharply at once while the other
 * instances did not: the container restarted (its processes came back with the same pids)
 * even though the restart was too short to leave a hole in the data.
 */
function containerRestarts(processes: readonly { instance: string | null; values: Float64Array }[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const instances = [...new Set(processes.map((p) => p.instance).filter((x): x is string => x !== null))];
  if (instances.length < 2) return out;
  const dropsOf = (values: Float64Array): number[] => {
    const drops: number[] = [];
    const recent: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v === v)) continue;
      if (recent.length >= 3) {
        const before = median(recent);
        if (bigDrop(before, v) && stillLow(values, i, before)) drops.push(i);
      }
      recent.push(v);
      if (recent.length > 6) recent.shift();
    }
    return drops;
  };
  const drops = processes.map((p) => ({ instance: p.instance, at: dropsOf(p.values) }));
  const near = (list: readonly number[], i: number): boolean => list.some((j) => Math.abs(j - i) <= 2);
  for (const instance of instances) {
    const here = drops.filter((d) => d.instance === instance);
    const others = drops.filter((d) => d.instance !== instance);
    const candidates = [...new Set(here.flatMap((d) => d.at))].sort((a, b) => a - b);
    const found: number[] = [];
    for (const i of candidates) {
      if (near(found, i)) continue;
      const dropped = here.filter((d) => near(d.at, i)).length;
      const elsewhere = others.filter((d) => near(d.at, i)).length;
      if (dropped >= Math.max(1, Math.ceil(0.8 * here.length)) && elsewhere <= 0.2 * others.length) found.push(i);
    }
    if (found.length > 0) out.set(instance, found);
  }
  return out;
}

/** The next few samples after i stay well below `before`. */
function stillLow(values: Float64Array, i: number, before: number): boolean {
  let seen = 0;
  let low = 0;
  for (let j = i; j < values.length && seen < 4; j++) {
    const v = values[j]!;
    if (!(v === v)) continue;
    seen++;
    if (bigDrop(before, v)) low++;
  }
  return seen >= 2 && low === seen;
}

/**
 * One label set, several processes: the series comes back from a hole in the data (or from its
 * target being down) far smaller than it went in, or falls at a container restart, as a new
 * process does. Splits there.
 */
/** Grid indices, inclusive, around a container restart: a sharp fall in memory there is a new process. */
type RestartWindow = readonly [number, number];

/** How long a restart counter can trail the restart it counts (kube-state-metrics' scrape, plus one). */
const COUNTER_LAG_MS = 2 * 60_000;

/** Per pod, the grid indices where its container restart counter went up (a counter that falls starts over). */
function countedRestarts(series: ServiceSeries): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const counter of series.restarts) {
    const pod = counter.labels['pod'];
    if (pod === undefined) continue;
    const at: number[] = [];
    let prev = NaN;
    for (let i = 0; i < counter.values.length; i++) {
      const v = counter.values[i]!;
      if (!(v === v)) continue;
      if (prev === prev && v > prev + 0.5) at.push(i);
      prev = v;
    }
    if (at.length > 0) out.set(pod, [...(out.get(pod) ?? []), ...at]);
  }
  return out;
}

function splitReused(values: Float64Array, status: Float64Array, restartsAt: readonly RestartWindow[]): Float64Array[] {
  const cuts: number[] = [];
  let i = firstFinite(values);
  if (i < 0) return [values];
  let lastValue = values[i]!;
  let lastIndex = i;
  const recent: number[] = [lastValue];
  for (i = i + 1; i < values.length; i++) {
    const v = values[i]!;
    if (!(v === v)) continue;
    const hole = i - lastIndex > 1 || (lastIndex < i && hasZero(status, lastIndex, i));
    const restart = restartsAt.some(([from, to]) => i >= from && i <= to);
    const before = median(recent.slice(-8));
    if ((hole && dropAcrossHole(before, v)) || (restart && bigDrop(before, v))) {
      cuts.push(i);
      // The new process's own samples are the reference from here on.
      recent.length = 0;
    }
    lastValue = v;
    lastIndex = i;
    recent.push(v);
    if (recent.length > 16) recent.shift();
  }
  if (cuts.length === 0) return [values];
  const pieces: Float64Array[] = [];
  let from = 0;
  for (const cut of [...cuts, values.length]) {
    const piece = new Float64Array(values.length).fill(NaN);
    piece.set(values.subarray(from, cut), from);
    pieces.push(piece);
    from = cut;
  }
  return pieces;
}

function hasZero(status: Float64Array, from: number, to: number): boolean {
  for (let i = from; i <= to; i++) if (status[i] === 0) return true;
  return false;
}

/**
 * The life of a process: from its first to its last sample, extended across a stretch at either
 * end where its target was not scraped (it may have run all along). Born in the window only when
 * its target was being scraped just before its first sample; the same for exits.
 */
function lifeOf(
  identity: ReturnType<typeof workerIdentity>,
  labels: Labels,
  values: Float64Array,
  sources: number,
  reusedLabels: boolean,
  status: Float64Array,
  grid: Grid,
): FleetProcess {
  const n = values.length;
  let first = firstFinite(values);
  let last = lastFinite(values);
  if (first < 0) {
    first = 0;
    last = -1;
  }
  let lifeFrom = first;
  while (lifeFrom > 0 && status[lifeFrom - 1] === 0) lifeFrom--;
  let lifeTo = last;
  while (lifeTo >= 0 && lifeTo < n - 1 && status[lifeTo + 1] === 0) lifeTo++;
  // A series that starts within a scrape of the window's start was there before it.
  const settle = Math.max(2, Math.ceil(60_000 / grid.stepMs));
  const bornInWindow = lifeFrom > settle;
  const exitedInWindow = lifeTo >= 0 && lifeTo < n - 1 - settle;
  return {
    name: reusedLabels ? `${identity.name} (restarted)` : identity.name,
    labels,
    pid: identity.pid,
    instance: identity.instance,
    values,
    lifeFrom: bornInWindow ? lifeFrom : 0,
    lifeTo: exitedInWindow ? lifeTo : lifeTo < 0 ? -1 : n - 1,
    bornInWindow,
    exitedInWindow,
    sourceSeries: sources,
    reusedLabels,
  };
}

/** A process started in the window less than this long before its end is too young to call a master. */
const YOUNG_MS = 15 * 60_000;

function splitRoles(processes: readonly FleetProcess[], stepMs: number): { workers: FleetProcess[]; auxiliary: FleetProcess[] } {
  const youngPoints = Math.ceil(YOUNG_MS / stepMs);
  const sizes = processes.map((p) => median(p.values));
  const typical = median(sizes.filter((s) => Number.isFinite(s)));
  const flat = processes.map((p, k) => maxOf(p.values) < sizes[k]! * 1.15);
  const masters = perTargetMasters(processes, sizes, flat);
  const workers: FleetProcess[] = [];
  const auxiliary: FleetProcess[] = [];
  processes.forEach((p, k) => {
    const size = sizes[k]!;
    // Small and flat all along, with bigger processes beside it on the same target.
    // A process started in the window that is climbing is a young worker (a replacement, minutes
    // old at the window's end), however small it still is: masters and sidecars sit flat.
    // One that started minutes before the window's end has not had the time to show either.
    const climbing = p.bornInWindow && (rose(p.values) || (!p.exitedInWindow && p.lifeTo - p.lifeFrom < youngPoints));
    const small = Number.isFinite(size) && size < AUXILIARY_SHARE * typical && maxOf(p.values) < AUXILIARY_SHARE * 1.3 * typical && flat[k]! && !climbing;
    const hasBiggerSibling = processes.some((o, j) => j !== k && o.instance === p.instance && sizes[j]! >= typical * 0.5);
    if ((small && hasBiggerSibling) || masters.has(k)) auxiliary.push(p);
    else workers.push(p);
  });
  return { workers, auxiliary };
}

/**
 * One small flat process on every target, each smaller than every other process anywhere: the
 * masters of a one-worker-per-pod fleet (a Gunicorn arbiter beside its only worker), which the
 * fleet-wide median cannot tell apart when there are as many masters as workers.
 */
function perTargetMasters(processes: readonly FleetProcess[], sizes: readonly number[], flat: readonly boolean[]): Set<number> {
  const byInstance = new Map<string, number[]>();
  processes.forEach((p, k) => {
    if (p.instance === null || !Number.isFinite(sizes[k]!)) return;
    const list = byInstance.get(p.instance) ?? [];
    list.push(k);
    byInstance.set(p.instance, list);
  });
  if (byInstance.size < 2) return new Set();
  const smallest: number[] = [];
  for (const list of byInstance.values()) {
    if (list.length < 2) return new Set();
    smallest.push(list.reduce((a, b) => (sizes[b]! < sizes[a]! ? b : a)));
  }
  const chosen = new Set(smallest);
  const others = processes.map((_, k) => k).filter((k) => !chosen.has(k) && Number.isFinite(sizes[k]!));
  const largestSmall = Math.max(...smallest.map((k) => sizes[k]!));
  const smallestOther = Math.min(...others.map((k) => sizes[k]!));
  const clearlyApart = largestSmall < 0.8 * smallestOther && median(smallest.map((k) => sizes[k]!)) < 0.6 * median(others.map((k) => sizes[k]!));
  return clearlyApart && smallest.every((k) => flat[k]) ? chosen : new Set();
}

/** From its first samples to its last, up by at least 24 MiB and a tenth. */
function rose(values: Float64Array): boolean {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) finite.push(values[i]!);
  if (finite.length < 6) return false;
  const first = median(finite.slice(0, 3));
  const last = median(finite.slice(-3));
  return last - first >= 24 * 1024 * 1024 && last - first >= 0.1 * first;
}

function maxOf(values: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

function fleetLevel(workers: readonly FleetProcess[], live: Int32Array, observed: Int32Array, n: number): Float64Array {
  const offsets = workers.map((w) => median(w.values));
  const out = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (live[i] === 0 || observed[i]! * 2 < live[i]!) continue;
    let deviation = 0;
    let seen = 0;
    let typical = 0;
    let alive = 0;
    workers.forEach((w, k) => {
      if (i < w.lifeFrom || i > w.lifeTo || !Number.isFinite(offsets[k]!)) return;
      typical += offsets[k]!;
      alive++;
      const v = w.values[i]!;
      if (v === v) {
        deviation += v - offsets[k]!;
        seen++;
      }
    });
    if (seen > 0 && alive > 0) out[i] = deviation / seen + typical / alive;
  }
  return out;
}

function toRuns(counts: Int32Array): CountRun[] {
  const runs: CountRun[] = [];
  let start = 0;
  for (let i = 1; i <= counts.length; i++) {
    if (i === counts.length || counts[i] !== counts[start]) {
      runs.push({ value: counts[start]!, from: start, to: i - 1 });
      start = i;
    }
  }
  return runs;
}

/**
 * The count's last change was an increase, and in the stretch from one lookback before the first
 * run of that final level on, processes only started: none ended.
 */
function onlyStartsNearEnd(workers: readonly { readonly lifeFrom: number; readonly lifeTo: number }[], rawRuns: readonly CountRun[], lookbackPoints: number, n: number): boolean {
  const last = rawRuns[rawRuns.length - 1];
  if (last === undefined || last.value === 0 || rawRuns.length < 2) return false;
  // The increase may have come in steps (one SIGTTIN at a time): go back over the rising runs.
  let k = rawRuns.length - 1;
  while (k > 0 && rawRuns[k - 1]!.value > 0 && rawRuns[k - 1]!.value < rawRuns[k]!.value) k--;
  if (k === rawRuns.length - 1) return false; // the last change was not an increase
  const from = Math.max(0, rawRuns[k]!.from - lookbackPoints);
  const started = workers.filter((w) => w.lifeFrom >= from && w.lifeFrom > 0).length;
  const ended = workers.filter((w) => w.lifeTo >= from && w.lifeTo < n - 1).length;
  return started > 0 && ended === 0;
}

/**
 * Absorbs short runs (and runs with an unknown count, value 0) into their longer neighbour until
 * every run lasts; the last run must last `minLastRun`.
 */
export function settleRuns(input: readonly CountRun[], minRun: number, minLastRun = minRun): CountRun[] {
  let runs = [...input];
  for (;;) {
    let worst = -1;
    let worstLen = Infinity;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      const len = run.to - run.from + 1;
      const weak = run.value === 0 ? 0 : len;
      const shortest = r === runs.length - 1 ? minLastRun : minRun;
      if ((run.value === 0 || len < shortest) && weak < worstLen && runs.length > 1) {
        worst = r;
        worstLen = weak;
      }
    }
    if (worst < 0) break;
    const prev = runs[worst - 1];
    const next = runs[worst + 1];
    const prevLen = prev && prev.value !== 0 ? prev.to - prev.from + 1 : -1;
    const nextLen = next && next.value !== 0 ? next.to - next.from + 1 : -1;
    if (prevLen < 0 && nextLen < 0) {
      const target = prev ?? next!;
      runs = replaceWith(runs, worst, target === prev ? worst - 1 : worst + 1, target.value);
    } else if (prevLen >= nextLen) {
      runs = replaceWith(runs, worst, worst - 1, prev!.value);
    } else {
      runs = replaceWith(runs, worst, worst + 1, next!.value);
    }
  }
  const merged: CountRun[] = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && last.value === run.value) merged[merged.length - 1] = { ...last, to: run.to };
    else merged.push(run);
  }
  return merged;
}

function replaceWith(runs: CountRun[], a: number, b: number, value: number): CountRun[] {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const merged: CountRun = { value, from: runs[lo]!.from, to: runs[hi]!.to };
  return [...runs.slice(0, lo), merged, ...runs.slice(hi + 1)];
}

function countChanges(runs: readonly CountRun[], grid: Grid, total: Float64Array, perWorker: Float64Array, complete: Uint8Array): CountChange[] {
  const changes: CountChange[] = [];
  const settle = Math.ceil(SETTLE_MS / grid.stepMs);
  for (let r = 1; r < runs.length; r++) {
    const before = runs[r - 1]!;
    const after = runs[r]!;
    if (before.value === 0 || after.value === 0) continue;
    const span = Math.max(3, settle * 2);
    const bFrom = Math.max(before.from, before.to - span);
    const aSkip = Math.min(Math.ceil((after.to - after.from) * 0.25), settle);
    const aFrom = after.from + aSkip;
    const aTo = Math.min(after.to, aFrom + span);
    const pick = (from: number, to: number, of: Float64Array): number[] => {
      const out: number[] = [];
      for (let i = from; i <= to; i++) if (complete[i] && Number.isFinite(of[i]!)) out.push(of[i]!);
      return out;
    };
    changes.push({
      index: after.from,
      atMs: gridTimeMs(grid, after.from),
      from: before.value,
      to: after.value,
      totalBefore: median(pick(bFrom, before.to, total)),
      totalAfter: median(pick(aFrom, aTo, total)),
      perWorkerBefore: median(pick(bFrom, before.to, perWorker)),
      perWorkerAfter: median(pick(aFrom, aTo, perWorker)),
    });
  }
  return changes;
}

/** Missing stretches worth telling a responder about: per target, then anything else. */
function findGaps(workers: readonly FleetProcess[], scraped: TargetStatus, grid: Grid): FleetGap[] {
  const n = grid.length;
  const minPoints = Math.max(2, Math.ceil((2 * 60_000) / grid.stepMs));
  const gaps: FleetGap[] = [];
  const spans = (flags: Uint8Array): [number, number][] => {
    const out: [number, number][] = [];
    let i = 0;
    while (i < n) {
      if (!flags[i]) {
        i++;
        continue;
      }
      const from = i;
      while (i < n && flags[i]) i++;
      if (i - from >= minPoints) out.push([from, i - 1]);
    }
    return out;
  };
  const missingWorkers = (from: number, to: number, instance: string | null): number =>
    workers.filter((w) => (instance === null || w.instance === instance) && w.lifeFrom <= to && w.lifeTo >= from && !hasFinite(w.values, from, to)).length;
  for (const [from, to] of spans(scraped.nothing)) gaps.push({ from, to, instance: null, cause: 'no-data', workers: missingWorkers(from, to, null) });
  for (const [instance, down] of scraped.instancesDown) {
    const own = new Uint8Array(n);
    for (let i = 0; i < n; i++) own[i] = down[i] && !scraped.nothing[i] ? 1 : 0;
    for (const [from, to] of spans(own)) {
      const affected = missingWorkers(from, to, instance);
      if (affected > 0) gaps.push({ from, to, instance, cause: 'target-down', workers: affected });
    }
  }
  // Every target down at once reads better as one line.
  const merged = mergeSimultaneous(gaps, [...scraped.instancesDown.keys()].length);
  return merged.sort((a, b) => a.from - b.from || (a.instance ?? '').localeCompare(b.instance ?? ''));
}

function mergeSimultaneous(gaps: FleetGap[], targets: number): FleetGap[] {
  if (targets < 2) return gaps;
  const byTarget = gaps.filter((g) => g.instance !== null);
  const out = gaps.filter((g) => g.instance === null);
  const used = new Set<FleetGap>();
  for (const g of byTarget) {
    if (used.has(g)) continue;
    const same = byTarget.filter((o) => !used.has(o) && Math.abs(o.from - g.from) <= 2 && Math.abs(o.to - g.to) <= 2);
    if (same.length === targets) {
      same.forEach((o) => used.add(o));
      out.push({ from: Math.min(...same.map((o) => o.from)), to: Math.max(...same.map((o) => o.to)), instance: null, cause: 'target-down', workers: same.reduce((s, o) => s + o.workers, 0) });
    } else {
      used.add(g);
      out.push(g);
    }
  }
  return out;
}

function hasFinite(values: Float64Array, from: number, to: number): boolean {
  for (let i = from; i <= to; i++) if (values[i] === values[i]) return true;
  return false;
}
