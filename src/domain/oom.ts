/**
 * Workers killed for memory (issue 11). Pure: reads the fleet (lives, gaps, live count), the limit
 * and the container restart counters, never the clock.
 *
 * A process killed for memory leaves no label saying so. What the data can show:
 * - near-limit: a life that ended inside the window, while its target was being scraped (not in a
 *   gap, not at the window's end), with its last samples within 10% of its share of the limit
 *   (the limit divided by the live workers, the same share the chart draws), and a new process
 *   on the same instance within minutes;
 * - ceiling: without a limit (or with lives ending well under it: the limit query may not be the
 *   one that bites), several lives that each climbed a long way and all ended at about the same
 *   size, each replaced on its instance. A kill happens at a size; a max_requests recycle happens
 *   at an age, so with any jitter its lives end at sizes as spread as their ages;
 * - restart-counter: the pod's container restart counter went up (kube-state-metrics), even when
 *   the series continues (the container restarts inside the same pod).
 * A deploy replaces most pids within minutes at whatever size they had: a wave like that is not
 * read as kills from sizes alone.
 */

import type { Fleet, FleetProcess } from './fleet';
import { gridTimeMs, MIB, type ServiceSeries } from './series';
import { median } from './stats';

export type KillEvidence = 'near-limit' | 'ceiling' | 'restart-counter';

export interface WorkerKill {
  /** Index into fleet.workers of the life that ended (or, for a counter, the one running then). */
  readonly worker: number;
  /** Human name of the process or pod: "pid 4312 on web-2". */
  readonly name: string;
  readonly instance: string | null;
  readonly pid: string | null;
  /** Grid index of its last sample before the kill. */
  readonly index: number;
  readonly atMs: number;
  /** Resident bytes at its last samples before the kill (the highest of them). */
  readonly bytes: number;
  /**
   * near-limit: the per-worker share of the limit at that moment; ceiling: the size the killed lives
   * share; restart-counter: the share or ceiling its life also ended at, else null.
   */
  readonly thresholdBytes: number | null;
  readonly evidence: KillEvidence;
}

/**
 * Last samples within 10% either side of the per-worker share count as "at the limit". Far above
 * it the share is not what bit: a fleet already over its limit recycles workers larger than
 * their share at whatever age max_requests says.
 */
const NEAR_LIMIT_LOW = 0.9;
const NEAR_LIMIT_HIGH = 1.1;
/** A replacement has to start within this long of the last sample (a respawn, a container restart with back-off). */
const REPLACED_WITHIN_MS = 10 * 60_000;
/** Ceiling: each life climbed at least this share of where it ended, and at least this much. */
const CEILING_CLIMB_SHARE = 0.25;
const CEILING_CLIMB_MIN_BYTES = 64 * MIB;
/** Ceiling: still climbing when it ended, by this share of its climb over the last third of its life (a steady climb: a third). */
const CEILING_LATE_SHARE = 0.15;
/** Ceiling: the ends lie within this share of their median... */
const CEILING_TOLERANCE = 0.03;
/** ...and spread by at most this share of how far the lives climbed (a recycle at an age spreads more). */
const CEILING_SPREAD_OF_CLIMB = 0.2;
/** A life seen in part joins the ceiling when it rose this much over its last third (and ended there). */
const CEILING_PARTIAL_RISE_MIN_BYTES = 16 * MIB;
const CEILING_PARTIAL_RISE_SHARE = 0.03;
/** At least this many lives must end at the ceiling: two recycles of a leaking worker can end at one size by chance (matrix tune: 3 such cases at 2). */
const CEILING_MIN_LIVES = 3;
/** A deploy: at least this share of the live workers (and at least 3) ending within DEPLOY_SPAN_MS. */
const DEPLOY_SHARE = 0.8;
const DEPLOY_SPAN_MS = 10 * 60_000;

interface Ending {
  readonly worker: number;
  readonly process: FleetProcess;
  readonly last: number;
  readonly bytes: number;
  /** How far this life climbed: its end less its lowest early level. */
  readonly climb: number;
  /** How far it climbed over its last third: a kill cuts a climb short, a warm-up has levelled off by then. */
  readonly lateClimb: number;
}

/** The kills the data shows, in time order. */
export function findKills(fleet: Fleet, series: ServiceSeries): WorkerKill[] {
  const endings = replacedEndings(fleet);
  const kills: WorkerKill[] = [];
  const inDeploy = deployWaves(fleet, endings);
  const shareAt = (i: number): number | null => {
    if (series.limit === null || series.limit.bytes <= 0) return null;
    const live = fleet.live[i] ?? 0;
    return live > 0 ? series.limit.bytes / live : null;
  };
  const claimed = new Set<number>();
  for (const e of endings) {
    if (inDeploy.has(e.worker)) continue;
    const share = shareAt(e.last);
    if (share !== null && e.bytes >= NEAR_LIMIT_LOW * share && e.bytes <= NEAR_LIMIT_HIGH * share) {
      kills.push(killOf(fleet, e, 'near-limit', share));
      claimed.add(e.worker);
    }
  }
  const ceiling = ceilingOf(endings.filter((e) => !claimed.has(e.worker) && !inDeploy.has(e.worker)));
  if (ceiling !== null) {
    for (const e of ceiling.members) kills.push(killOf(fleet, e, 'ceiling', ceiling.bytes));
  }
  for (const k of counterKills(fleet, series)) {
    // The counter and a life that ended at the limit can tell of the same kill: keep the counter's word.
    const same = kills.findIndex((o) => o.evidence !== 'restart-counter' && sameTarget(fleet, o.worker, k.worker) && Math.abs(o.atMs - k.atMs) <= REPLACED_WITHIN_MS);
    // It keeps the share the life ended near, if it did: a kill at a size, not just a restart.
    if (same >= 0) {
      const o = kills[same]!;
      kills[same] = { ...k, bytes: Math.max(k.bytes, o.bytes), name: o.name, pid: o.pid, worker: o.worker, index: o.index, atMs: o.atMs, thresholdBytes: o.thresholdBytes };
    }
    else kills.push(k);
  }
  return kills.sort((a, b) => a.atMs - b.atMs || a.name.localeCompare(b.name));
}

function killOf(fleet: Fleet, e: Ending, evidence: KillEvidence, threshold: number | null): WorkerKill {
  return {
    worker: e.worker,
    name: e.process.name,
    instance: e.process.instance,
    pid: e.process.pid,
    index: e.last,
    atMs: gridTimeMs(fleet.grid, e.last),
    bytes: e.bytes,
    thresholdBytes: threshold,
    evidence,
  };
}

/** Lives that ended inside the window, with data up to the end, and a new life on their instance right after. */
function replacedEndings(fleet: Fleet): Ending[] {
  const { grid } = fleet;
  const within = Math.max(2, Math.ceil(REPLACED_WITHIN_MS / grid.stepMs));
  const out: Ending[] = [];
  fleet.workers.forEach((p, k) => {
    if (!p.exitedInWindow) return;
    const last = lastFinite(p.values);
    // A life extended across a stretch without scrapes did not visibly end: it may have run on.
    if (last < 0 || last !== p.lifeTo) return;
    if (fleet.gaps.some((g) => (g.instance === null || g.instance === p.instance) && g.from <= last + 2 && g.to >= last - 1)) return;
    // A replacement minutes old at the window's end can still be too small to count as a worker yet.
    const replaced = [...fleet.workers, ...fleet.auxiliary].some((o) => o !== p && o.instance === p.instance && o.bornInWindow && o.lifeFrom > last - within && o.lifeFrom <= last + within);
    if (!replaced) return;
    const bytes = tailMax(p.values, last, 3);
    const first = firstFinite(p.values);
    const low = lowestEarly(p.values, first, last);
    out.push({ worker: k, process: p, last, bytes, climb: bytes - low, lateClimb: bytes - levelAround(p.values, first + Math.floor((2 * (last - first)) / 3)) });
  });
  return out;
}

/**
 * Endings that belong to a deploy or restart wave: most live workers ending within minutes of
 * each other. Sizes do not make such a wave kills (the counter still can).
 */
function deployWaves(fleet: Fleet, endings: readonly Ending[]): Set<number> {
  const span = Math.max(1, Math.ceil(DEPLOY_SPAN_MS / fleet.grid.stepMs));
  const ends = fleet.workers.map((p, k) => ({ k, last: p.exitedInWindow ? p.lifeTo : -1 })).filter((e) => e.last >= 0);
  const out = new Set<number>();
  for (const e of endings) {
    const live = Math.max(1, fleet.live[e.last] ?? 0);
    const together = ends.filter((o) => Math.abs(o.last - e.last) <= span).length;
    if (together >= 3 && together >= DEPLOY_SHARE * live) out.add(e.worker);
  }
  return out;
}

/** The size several climbing lives all ended at, and those lives; null when there is no such size. */
function ceilingOf(endings: readonly Ending[]): { bytes: number; members: Ending[] } | null {
  const climbing = endings.filter((e) => e.climb >= CEILING_CLIMB_MIN_BYTES && e.climb >= CEILING_CLIMB_SHARE * e.bytes && e.lateClimb >= CEILING_LATE_SHARE * e.climb);
  if (climbing.length < CEILING_MIN_LIVES) return null;
  const ceiling = median(climbing.map((e) => e.bytes));
  const members = climbing.filter((e) => Math.abs(e.bytes - ceiling) <= CEILING_TOLERANCE * ceiling);
  // Nearly every climbing life must end there: two of three recycled lives ending close by is chance.
  if (members.length < CEILING_MIN_LIVES || members.length < 0.8 * climbing.length) return null;
  const ends = members.map((e) => e.bytes);
  const spread = Math.max(...ends) - Math.min(...ends);
  if (spread > CEILING_SPREAD_OF_CLIMB * median(members.map((e) => e.climb))) return null;
  // Lives seen only in part (running when the window opened) that were still climbing when they
  // ended at that size: the same kill, their start was before the window.
  const partial = endings.filter(
    (e) => !members.includes(e) && !e.process.bornInWindow && e.lateClimb >= Math.max(CEILING_PARTIAL_RISE_MIN_BYTES, CEILING_PARTIAL_RISE_SHARE * e.bytes) && Math.abs(e.bytes - ceiling) <= CEILING_TOLERANCE * ceiling,
  );
  return { bytes: ceiling, members: [...members, ...partial] };
}

/**
 * Increases of a pod's container restart counter, each a kill of the pod's life running then.
 * A counter that falls (kube-state-metrics restarted, the pod recreated) starts over: not a kill.
 */
function counterKills(fleet: Fleet, series: ServiceSeries): WorkerKill[] {
  const out: WorkerKill[] = [];
  const lookback = Math.max(2, Math.ceil(5 * 60_000 / fleet.grid.stepMs));
  for (const counter of series.restarts) {
    const pod = counter.labels['pod'];
    if (pod === undefined) continue;
    const lives = fleet.workers.map((p, k) => ({ p, k })).filter(({ p }) => p.labels['pod'] === pod || (p.labels['pod'] === undefined && p.instance === pod));
    if (lives.length === 0) continue;
    let prev = NaN;
    for (let i = 0; i < counter.values.length; i++) {
      const v = counter.values[i]!;
      if (!(v === v)) continue;
      if (prev === prev && v > prev + 0.5) {
        // The life the restart ended (the fleet cut the pod's series there), else the one running through it.
        let best: { p: FleetProcess; k: number; last: number } | null = null;
        for (const { p, k } of lives) {
          const last = lastFinite(p.values);
          if (p.exitedInWindow && last >= i - lookback && last <= i + 2 && (best === null || last > best.last)) best = { p, k, last };
        }
        if (best === null) {
          for (const { p, k } of lives) {
            const last = lastFiniteAtOrBefore(p.values, i);
            if (last >= 0 && i - last <= lookback * 4 && (best === null || last > best.last)) best = { p, k, last };
          }
        }
        if (best !== null) {
          const from = Math.max(0, i - lookback);
          out.push({
            worker: best.k,
            name: best.p.name,
            instance: best.p.instance,
            pid: best.p.pid,
            index: best.last,
            atMs: gridTimeMs(fleet.grid, best.last),
            bytes: maxBetween(fleet.workers.filter((_, j) => lives.some((l) => l.k === j)).map((w) => w.values), from, best.last),
            thresholdBytes: null,
            evidence: 'restart-counter',
          });
        }
      }
      prev = v;
    }
  }
  return out;
}

function sameTarget(fleet: Fleet, a: number, b: number): boolean {
  const pa = fleet.workers[a];
  const pb = fleet.workers[b];
  if (pa === undefined || pb === undefined) return false;
  if (pa.labels['pod'] !== undefined) return pa.labels['pod'] === pb.labels['pod'];
  return pa.instance === pb.instance;
}

function tailMax(values: Float64Array, last: number, count: number): number {
  let m = -Infinity;
  let seen = 0;
  for (let i = last; i >= 0 && seen < count; i--) {
    const v = values[i]!;
    if (!(v === v)) continue;
    seen++;
    if (v > m) m = v;
  }
  return m;
}

/** The life's low point over its first third: where it started from, past a warm-up dip. */
function lowestEarly(values: Float64Array, first: number, last: number): number {
  const to = first + Math.max(1, Math.floor((last - first) / 3));
  let m = Infinity;
  for (let i = first; i <= to; i++) if (values[i]! < m) m = values[i]!;
  return Number.isFinite(m) ? m : values[first]!;
}

/** Median of the samples within two grid points of i. */
function levelAround(values: Float64Array, i: number): number {
  const near: number[] = [];
  for (let j = Math.max(0, i - 2); j <= Math.min(values.length - 1, i + 2); j++) if (values[j] === values[j]) near.push(values[j]!);
  return median(near);
}

function maxBetween(series: readonly Float64Array[], from: number, to: number): number {
  let m = -Infinity;
  for (const values of series) for (let i = from; i <= to; i++) if (values[i]! > m) m = values[i]!;
  return Number.isFinite(m) ? m : NaN;
}

function firstFinite(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) return i;
  return -1;
}

function lastFinite(values: Float64Array): number {
  return lastFiniteAtOrBefore(values, values.length - 1);
}

function lastFiniteAtOrBefore(values: Float64Array, to: number): number {
  for (let i = Math.min(to, values.length - 1); i >= 0; i--) if (values[i] === values[i]) return i;
  return -1;
}
