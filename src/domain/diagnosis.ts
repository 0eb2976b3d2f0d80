/** The analysis engine's output types: what a diagnosis says, for every renderer. */

import type { Fleet } from './fleet';
import type { Granularity, SeriesSource } from './series';

export const PATTERN_IDS = [
  'stable',
  'one-worker-growing',
  'all-workers-growing',
  'all-workers-large-stable',
  'worker-count-jump',
  'follows-traffic',
  'high-while-idle',
  'job-driven',
  'mixed',
] as const;

export type PatternId = (typeof PATTERN_IDS)[number];
/** The patterns that can be combined into `mixed`. */
export type ComponentPattern = Exclude<PatternId, 'mixed' | 'stable'>;

export function isPatternId(value: string): value is PatternId {
  return (PATTERN_IDS as readonly string[]).includes(value);
}

export interface TimeWindow {
  /** Inclusive start of the analysed window (ISO 8601, UTC). */
  readonly start: string;
  readonly end: string;
  readonly durationSeconds: number;
  readonly stepSeconds: number;
}

/**
 * growing: steady sustained growth; plateaued: grew, then levelled off; warming-up: a process that
 * started in the window and is still climbing towards the size of its established peers.
 */
export type WorkerTrend = 'growing' | 'flat' | 'plateaued' | 'warming-up' | 'shrinking' | 'erratic' | 'too-short';

/** Figures for one worker process (one memory series). */
export interface WorkerFigures {
  /** Short human label: "pid 4312 on web-2", or the series labels when there is no pid. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly pid: string | null;
  readonly instance: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** True when the series still had samples at the end of the window. */
  readonly alive: boolean;
  readonly startBytes: number;
  readonly endBytes: number;
  readonly peakBytes: number;
  readonly growthBytes: number;
  readonly growthMiBPerHour: number;
  /** 0..1: how well a straight line explains this worker's memory (1 = perfectly steady). */
  readonly steadiness: number;
  readonly trend: WorkerTrend;
  /**
   * How far it moved away from the median worker over its life, bytes (positive: it pulled ahead);
   * null with too few workers to form a pack, or too short a life.
   */
  readonly pullAwayBytes: number | null;
}

export interface TrafficFigures {
  /** Pearson correlation between per-worker memory and traffic, -1..1. */
  readonly correlation: number;
  /** The same with the wall-clock trend taken out, -1..1: traffic's own share. */
  readonly partialCorrelation: number;
  /** Correlation between how fast memory grows and the traffic level, -1..1. */
  readonly growthCorrelation: number;
  readonly meanRps: number;
  readonly peakRps: number;
  /** How many MiB per worker the traffic swings move memory by. */
  readonly swingMiB: number;
}

export interface IdlePeriod {
  readonly start: string;
  readonly end: string;
  readonly durationSeconds: number;
  /** Memory per worker at the start and the end of the idle stretch, in bytes. */
  readonly memoryAtStartBytes: number;
  readonly memoryAtEndBytes: number;
  /** Memory before traffic first rose in the window, for comparison, in bytes per worker. */
  readonly baselineBytes: number;
}

export interface WorkerCountChange {
  readonly at: string;
  readonly from: number;
  readonly to: number;
  /** Total memory just before and after the change, in bytes. */
  readonly totalBeforeBytes: number;
  readonly totalAfterBytes: number;
  /** Median per-worker memory before and after, in bytes. */
  readonly perWorkerBeforeBytes: number;
  readonly perWorkerAfterBytes: number;
}

export interface JobAssociation {
  readonly name: string;
  /**
   * level: memory rises while the job runs and comes back (it holds its payload);
   * growth: memory grows while it runs and keeps what it gained (it keeps its inputs).
   */
  readonly by: 'level' | 'growth';
  /** The correlation behind `by`: memory against the job's rate, or growth against it. */
  readonly correlation: number;
  /** The best correlation among the other job types, for contrast. */
  readonly otherBest: { readonly name: string; readonly correlation: number } | null;
  /** How many MiB per worker memory rises while this job type runs. */
  readonly swingMiB: number;
}

export interface LimitFigures {
  readonly bytes: number;
  readonly source: 'config' | 'metrics';
  readonly currentTotalBytes: number;
  readonly usedFraction: number;
  /** Hours until the total reaches the limit at the recent trend; null when not growing. */
  readonly hoursToLimit: number | null;
}

export interface TotalFigures {
  readonly startBytes: number;
  readonly endBytes: number;
  readonly peakBytes: number;
  readonly growthMiBPerHour: number;
  readonly workersAtStart: number;
  readonly workersAtEnd: number;
}

export type PatternScores = Readonly<Record<Exclude<PatternId, 'mixed'>, number>>;

/** A stretch of the window without data for some or all workers. */
export interface DataGap {
  readonly start: string;
  readonly end: string;
  readonly durationSeconds: number;
  /** The target that was not scraped; null when none was (Prometheus itself, or the network). */
  readonly instance: string | null;
  /** target-down: its `up` was 0 (or its series all stopped and came back); no-data: nothing at all was stored. */
  readonly cause: 'target-down' | 'no-data';
  /** Live workers without data during the gap. */
  readonly workers: number;
}

/** How much of the window the data covers. Missing data is never read as workers leaving or as growth. */
export interface Coverage {
  /** Share of the workers' lifetime inside the window without data, 0..1. */
  readonly missingShare: number;
  /**
   * Share of the window, where memory was read, without a usable traffic rate (a counter that
   * appeared inside the window has no rate for its first rate range (`$rate_interval`); a target that was not
   * scraped leaves none): a relation with traffic there cannot be seen. 0 without a traffic series.
   */
  readonly trafficMissingShare: number;
  readonly gaps: readonly DataGap[];
}

/**
 * A worker (or pod) that was probably killed for memory. near-limit: its life ended within 10% of
 * its share of the limit and a new process took its place on the same instance; ceiling: several
 * lives climbed to about the same size and ended there, each replaced; restart-counter: the pod's
 * container restart counter went up.
 */
export interface KilledWorker {
  /** Human name: "pid 4312 on web-2", "pod web-7d9f-x2". */
  readonly worker: string;
  readonly instance: string | null;
  readonly pid: string | null;
  /** Its last sample before the kill (ISO 8601, UTC); the kill came before the next scrape. */
  readonly at: string;
  /** Resident bytes at its last samples. */
  readonly bytes: number;
  /** near-limit: its share of the limit then; ceiling: the size the killed lives share; a counter: either when its life also ended there, else null. */
  readonly thresholdBytes: number | null;
  readonly evidence: 'near-limit' | 'ceiling' | 'restart-counter';
}

/** The live worker count as lasting runs: the one count the text, the chart and the limit line use. */
export interface WorkerCountRun {
  readonly start: string;
  readonly end: string;
  readonly workers: number;
}

export interface Diagnosis {
  readonly service: string;
  readonly window: TimeWindow;
  /**
   * What one memory series stands for: a worker process, or a pod (a container line, however many
   * processes run in it). Pod-level findings say what such data cannot separate.
   */
  readonly granularity: Granularity;
  /** Where the data came from: the source whose memory query found it, and the PromQL sent. */
  readonly source: SeriesSource;
  readonly pattern: PatternId;
  /** 0..1 */
  readonly confidence: number;
  /** Patterns that contribute besides the main one; for `mixed`, its components. */
  readonly secondary: readonly ComponentPattern[];
  /** One sentence in plain words. */
  readonly verdict: string;
  /** Short sentences with numbers a responder can act on, most important first. */
  readonly findings: readonly string[];
  readonly workers: readonly WorkerFigures[];
  readonly totals: TotalFigures;
  readonly traffic: TrafficFigures | null;
  readonly idlePeriods: readonly IdlePeriod[];
  readonly workerCountChanges: readonly WorkerCountChange[];
  /** Workers probably killed for memory, in time order; empty when the data shows none. */
  readonly kills: readonly KilledWorker[];
  readonly job: JobAssociation | null;
  readonly limit: LimitFigures | null;
  /** Live workers over the window; a change between runs is a real start or stop of processes. */
  readonly workerCounts: readonly WorkerCountRun[];
  readonly coverage: Coverage;
  /** Indices into `workers` of the processes the verdict is about (the ones that grow), fastest first. */
  readonly focusWorkers: readonly number[];
  /** Processes exported beside the workers that do no work (a master, a sidecar), shown but not judged. */
  readonly auxiliary: readonly { readonly name: string; readonly bytes: number }[];
  /** Why the confidence is not higher, in one line; null when nothing holds it back. */
  readonly confidenceNote: string | null;
  /** Evidence for each pattern, 0..1, as the classifier weighed it. */
  readonly scores: PatternScores;
  readonly warnings: readonly string[];
}

export type InsufficientReason = 'no-memory-series' | 'too-few-points';

/** Data that cannot answer the question: say so instead of guessing. */
export interface InsufficientData {
  readonly service: string;
  readonly window: TimeWindow;
  readonly reason: InsufficientReason;
  readonly message: string;
  /** How to export what pymem needs (per-worker RSS, ...). */
  readonly guidance: readonly string[];
}

export type AnalysisOutcome =
  | { readonly status: 'diagnosed'; readonly diagnosis: Diagnosis; readonly fleet: Fleet }
  | { readonly status: 'insufficient-data'; readonly insufficient: InsufficientData };
