/**
 * The five-step investigation checklist, filled in with what the diagnosis already found
 * and what to run next. Shared by the terminal output and the Slack report.
 */

import type { Diagnosis, WorkerFigures } from './diagnosis';
import { formatBytes, formatCorrelation, formatDuration, formatRate, formatTime, plural } from './format';

export const CHECKLIST_STEP_IDS = ['find-worker', 'compare-drivers', 'cache-queue-bounds', 'worker-changes', 'allocation-paths'] as const;
export type ChecklistStepId = (typeof CHECKLIST_STEP_IDS)[number];

export interface ChecklistStep {
  readonly id: ChecklistStepId;
  readonly title: string;
  /** What pymem already found for this step, with numbers. */
  readonly found: string;
  /** Concrete things to run or check next. */
  readonly next: readonly string[];
  /** The step matters most for this pattern. */
  readonly focus: boolean;
}

export const STEP_TITLES: Readonly<Record<ChecklistStepId, string>> = {
  'find-worker': 'Find which worker grows',
  'compare-drivers': 'Compare growth with traffic, jobs and time',
  'cache-queue-bounds': 'Check cache and queue bounds',
  'worker-changes': 'Check worker and concurrency changes',
  'allocation-paths': 'Inspect the biggest allocation paths',
};

export function isChecklistStepId(value: string): value is ChecklistStepId {
  return (CHECKLIST_STEP_IDS as readonly string[]).includes(value);
}

export function buildChecklist(d: Diagnosis, timeZone = 'UTC'): ChecklistStep[] {
  // The workers the verdict is about; with none, the largest live one is only a place to look.
  const growers = d.focusWorkers.map((i) => d.workers[i]).filter((w): w is WorkerFigures => w !== undefined);
  const target: Target | undefined = growers[0] ? { worker: growers[0], grows: true } : largestOf(d.workers);
  const patterns = d.pattern === 'mixed' ? d.secondary : [d.pattern];
  const has = (id: string): boolean => (patterns as readonly string[]).includes(id);
  return [
    {
      id: 'find-worker',
      title: STEP_TITLES['find-worker'],
      found: findWorker(d, growers),
      next: d.granularity === 'pod' ? findProcessInPod(d, target) : findWorkerNext(target),
      focus: has('one-worker-growing') || has('all-workers-growing'),
    },
    {
      id: 'compare-drivers',
      title: STEP_TITLES['compare-drivers'],
      found: compareDrivers(d, timeZone),
      next: [
        overlayLine(d),
        'If memory follows traffic, compare request and response sizes at the peaks (a request-size histogram, or access logs sorted by body size).',
        ...(d.job ? [`Look at what \`${d.job.name}\` loads and keeps: its input sizes and anything it stores on module level.`] : []),
      ],
      focus: has('follows-traffic') || has('job-driven') || has('high-while-idle'),
    },
    {
      id: 'cache-queue-bounds',
      title: STEP_TITLES['cache-queue-bounds'],
      found: cacheBounds(d),
      next: [
        'Find caches without a bound: `grep -rnE "lru_cache\\(maxsize=None\\)|@cache\\b|@cached_property|_cache *= *\\{\\}" .`',
        'Check in-process queues and buffers (queue.Queue() without maxsize, lists that only grow, Celery `worker_prefetch_multiplier`).',
        'Give every cache a size or TTL bound, and every queue a maxsize.',
      ],
      focus: has('follows-traffic') || has('high-while-idle'),
    },
    {
      id: 'worker-changes',
      title: STEP_TITLES['worker-changes'],
      found: workerChanges(d, timeZone) + killsFound(d, timeZone),
      next: [
        ...killsNext(d, has('one-worker-growing') || has('all-workers-growing')),
        `Check what changed around then: \`kubectl rollout history deployment/${d.service}\`, autoscaler events, Gunicorn \`--workers\`/\`--threads\`, Celery \`--concurrency\`.`,
        'Memory per worker times the worker count must fit the limit: fewer workers, or less state per worker (gunicorn --preload to share read-only data), buys headroom.',
      ],
      focus: has('worker-count-jump') || has('all-workers-large-stable') || d.kills.length > 0,
    },
    {
      id: 'allocation-paths',
      title: STEP_TITLES['allocation-paths'],
      found: target
        ? `Start with ${target.worker.name}${target.grows ? `, which grows at ${formatRate(target.worker.growthMiBPerHour)}` : `, the largest live ${d.granularity === 'pod' ? 'pod' : 'worker'} at ${formatBytes(target.worker.endBytes)}`}.`
        : 'No live worker process to attach to in this window.',
      next: allocationNext(target, d),
      focus: has('one-worker-growing') || has('all-workers-growing') || has('job-driven'),
    },
  ];
}

/** Where the checklist points: a worker, and whether it is one the diagnosis found growing. */
interface Target {
  readonly worker: WorkerFigures;
  readonly grows: boolean;
}

/**
 * Memory and traffic side by side, written with the queries that were actually sent: every PromQL
 * line the checklist shows returns data on the team's backend.
 */
function overlayLine(d: Diagnosis): string {
  const memory = `\`sum(${d.source.queries.memory})\``;
  const traffic = d.source.queries.traffic;
  return traffic === null ? `Plot the total memory in Prometheus: ${memory}` : `Overlay memory and traffic in Prometheus: ${memory} and \`${traffic}\``;
}

/** The pod to look inside, from a pod-level series name ("pod checkout-api-7d9f-x2"). */
function podOf(target: Target | undefined): string {
  const pod = target?.worker.labels['pod'];
  return pod ?? '<pod>';
}

function namespaceFlag(target: Target | undefined): string {
  const ns = target?.worker.labels['namespace'];
  return ns === undefined ? '' : ` -n ${ns}`;
}

/** With one series per pod, step 1 is finding the process inside the pod that holds the memory. */
function findProcessInPod(d: Diagnosis, target: Target | undefined): string[] {
  const pod = podOf(target);
  return [
    `List the processes in ${target?.grows ? 'the pod that grows' : 'the largest pod'} by resident memory: \`kubectl exec ${pod}${namespaceFlag(target)} -- ps -eo pid,ppid,rss,etime,args --sort=-rss\``,
    'Run it again a few minutes later: the pid whose RSS climbs is the one to chase; if every worker climbs, it is all of them.',
    ...(d.source.preset === 'cadvisor' ? ['For one series per process from now on, add a per-worker RSS gauge or process-exporter (`pymem doctor ' + d.service + '` shows how).'] : []),
  ];
}

function largestOf(workers: readonly WorkerFigures[]): Target | undefined {
  const worker = [...workers].filter((w) => w.alive).sort((a, b) => b.endBytes - a.endBytes)[0];
  return worker ? { worker, grows: false } : undefined;
}

function findWorker(d: Diagnosis, growers: readonly WorkerFigures[]): string {
  const judged = d.workers.filter((w) => w.trend !== 'too-short');
  if (growers.length === 0) {
    const anyGrows = d.workers.some((w) => w.trend === 'growing');
    // Workers can all grow together (a job, traffic) without one of them being the story.
    const why = anyGrows ? 'no worker grows apart from the others' : 'no worker grows steadily';
    return `${capitalise(why)}: ${plural(judged.length, 'worker')} judged over their own lifetimes${d.totals.workersAtEnd ? `, ${d.totals.workersAtEnd} live at the end` : ''}.`;
  }
  if (growers.length <= 3) {
    const names = growers.map((g) => `${g.name} (+${formatBytes(g.growthBytes)}, ${formatRate(g.growthMiBPerHour)})`).join('; ');
    return `${names}; ${plural(judged.length - growers.length, 'other worker')} flat.`;
  }
  return `${growers.length} of ${judged.length} workers grow; the fastest is ${growers[0]!.name} at ${formatRate(growers[0]!.growthMiBPerHour)}.`;
}

function findWorkerNext(target: Target | undefined): string[] {
  const list = 'List workers by resident memory: `ps -eo pid,ppid,rss,etime,cmd --sort=-rss | head -20`';
  const pid = target?.worker.pid;
  if (!target || !pid) return [list, 'Add a pid label to the memory series so pymem can name the worker.'];
  const where = target.worker.instance ? ` on ${target.worker.instance}` : '';
  if (!target.grows) {
    // Nothing to confirm: the step is to watch, on the host, for the pattern the metrics did not show.
    return [`${list}${where}; run it again later and see whether one pid climbs.`];
  }
  return [
    `Confirm it${where}: \`ps -o pid,ppid,rss,etime,cmd -p ${pid}\``,
    `See what it is doing right now: \`py-spy dump --pid ${pid}\``,
  ];
}

function compareDrivers(d: Diagnosis, timeZone: string): string {
  const parts: string[] = [];
  if (d.traffic) {
    parts.push(
      `memory vs traffic correlation ${formatCorrelation(d.traffic.correlation)} (${formatCorrelation(d.traffic.partialCorrelation)} with the time trend taken out)`,
    );
  } else parts.push('no traffic series for this service');
  const idle = d.idlePeriods[0];
  if (idle) {
    parts.push(`near-zero traffic for ${formatDuration(idle.durationSeconds * 1000)} from ${formatTime(Date.parse(idle.start), timeZone, Date.parse(d.window.end))}, memory ${formatBytes(idle.memoryAtStartBytes)} → ${formatBytes(idle.memoryAtEndBytes)} per worker`);
  }
  if (d.job) parts.push(`memory ${d.job.by === 'growth' ? 'grows while' : 'rises while'} \`${d.job.name}\` runs (correlation ${formatCorrelation(d.job.correlation)})`);
  parts.push(`total trend ${formatRate(d.totals.growthMiBPerHour)}`);
  return capitalise(parts.join('; ')) + '.';
}

function cacheBounds(d: Diagnosis): string {
  const patterns = d.pattern === 'mixed' ? d.secondary : [d.pattern];
  if ((patterns as readonly string[]).includes('high-while-idle')) return 'Memory did not come down when traffic stopped: something keeps what the busy period allocated.';
  if ((patterns as readonly string[]).includes('follows-traffic')) {
    return d.traffic && d.traffic.swingMiB > 0
      ? `Memory swings by about ${formatBytes(d.traffic.swingMiB * 1024 * 1024)} per worker with load; if it levels off at peaks, a bound is working.`
      : 'Memory grows with request volume: check that per-request caches have a bound.';
  }
  if ((patterns as readonly string[]).includes('all-workers-growing')) return 'Every worker grows with time: an unbounded module-level cache or registry is a prime suspect.';
  return 'Nothing in the metrics points at a cache or queue, but an unbounded one is cheap to rule out.';
}

function workerChanges(d: Diagnosis, timeZone: string): string {
  const ref = Date.parse(d.window.end);
  const changes = d.workerCountChanges;
  const limit = d.limit ? ` Total ${formatBytes(d.limit.currentTotalBytes)} of the ${formatBytes(d.limit.bytes)} limit.` : '';
  if (changes.length === 0) return `The worker count stayed at ${d.totals.workersAtEnd}.${limit}`;
  const list = changes
    .slice(0, 3)
    .map((c) => `${c.from}→${c.to} at ${formatTime(Date.parse(c.at), timeZone, ref)} (total ${formatBytes(c.totalBeforeBytes)} → ${formatBytes(c.totalAfterBytes)})`)
    .join('; ');
  return `Worker count changed: ${list}.${limit}`;
}

/** Kills in the window, appended to what step 4 found; empty when there were none. */
function killsFound(d: Diagnosis, timeZone: string): string {
  const kills = d.kills;
  const last = kills[kills.length - 1];
  if (last === undefined) return '';
  const when = formatTime(Date.parse(last.at), timeZone, Date.parse(d.window.end));
  const what = kills.length === 1 ? `${last.worker} was probably killed for memory` : `${plural(kills.length, d.granularity === 'pod' ? 'pod restart' : 'worker')} probably killed for memory`;
  return ` ${what}${kills.length === 1 ? '' : `, the last ${last.worker}`} at ${formatBytes(last.bytes)} at ${when}.`;
}

/** How to confirm a kill: the container's last state, or the kernel's log. */
function killsNext(d: Diagnosis, growing: boolean): string[] {
  const last = d.kills[d.kills.length - 1];
  if (last === undefined) return [];
  const pod = d.workers.find((w) => w.name === last.worker)?.labels['pod'] ?? (d.granularity === 'pod' || d.source.preset === 'cadvisor' ? '<pod>' : null);
  const lines = [
    pod !== null
      ? `Confirm the kill: \`kubectl describe pod ${pod}\` shows \`Last State: Terminated, Reason: OOMKilled\` (and \`kubectl get events --field-selector reason=OOMKilling\`).`
      : `Confirm the kill on ${last.instance ?? 'the host'}: \`dmesg -T | grep -iE "out of memory|oom-kill|killed process"\` (or \`journalctl -k | grep -i oom\`) names the pid and its size.`,
  ];
  if (growing) lines.push('A leak the OOM killer keeps cutting short is still a leak: each new process starts small and climbs again, so find what grows (steps 1 and 5) rather than raising the limit.');
  return lines;
}

function allocationNext(target: Target | undefined, d: Diagnosis): string[] {
  const pid = target?.worker.pid ?? '<pid>';
  if (d.granularity === 'pod') {
    const pod = podOf(target);
    return [
      `Inside the pod, with the pid step 1 found: \`kubectl exec ${pod}${namespaceFlag(target)} -- py-spy dump --pid <pid> --locals\` (py-spy must be in the image, or use an ephemeral debug container: \`kubectl debug -it ${pod} --image=<image with py-spy> --target=<container>\`)`,
      'Or compare two tracemalloc snapshots a few minutes apart: start the process with `PYTHONTRACEMALLOC=25`, then `snapshot2.compare_to(snapshot1, "traceback")` shows which lines keep allocating.',
    ];
  }
  return [
    `Attach memray and watch live allocations: \`memray attach ${pid}\` (or \`memray attach --aggregate -o ${pid}.bin ${pid}\`, then \`memray flamegraph ${pid}.bin\`)`,
    'Or compare two tracemalloc snapshots a few minutes apart: start the process with `PYTHONTRACEMALLOC=25`, then `snapshot2.compare_to(snapshot1, "traceback")` shows which lines keep allocating.',
    `Without attaching a profiler: \`py-spy dump --pid ${pid} --locals\` shows where each thread is and what its frames hold.`,
  ];
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
