/**
 * The catalogue: one entry per recording (test/fixtures/recorded/<id>.*). Each names a real cause in
 * scripts/record/py/behaviours.py (through PYMEM_CONFIG), a server, a load schedule and nuisances.
 *
 * Rates are per instance for HTTP and per service for Celery; keep them modest (2 cores, shared).
 * `reading` is what an engineer should read off the chart; every fixture was checked against its data.
 */
import type { Phase, Recipe, Stream } from './types';

const MiB = 2 ** 20;
/** glibc raises its mmap threshold after the first free of a large block, after which large buffers
 *  come from the heap and are not returned; a fixed threshold keeps large buffers mmap'd, so a freed
 *  buffer leaves RSS at once (as with jemalloc or a tuned service). Only where memory must come down. */
const FIXED_MMAP = { MALLOC_MMAP_THRESHOLD_: String(128 * 1024) } as const;

const steady = (rps: number, dur: number, label?: string): Phase => ({ dur, rps, ...(label ? { label } : {}) });
const web = (phases: Phase[], extra: Partial<Stream> = {}): Stream => ({ name: 'web', phases, ...extra });
/** `n` bursts: base for `gap` s, then `burst` rps for `len` s; then base to fill `total` s. */
function bursts(base: number, burst: number, n: number, gap: number, len: number, total: number): Phase[] {
  const out: Phase[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    out.push(steady(base, gap, i === 0 ? `base load ${base}/s` : `back to ${base}/s`));
    out.push(steady(burst, len, `burst ${burst}/s`));
    t += gap + len;
  }
  out.push(steady(base, total - t, `back to ${base}/s`));
  return out;
}
/** Waves: ramp lo -> hi over `up` s, hold `hold` s, ramp down over `down` s, low for `low` s; repeated. */
function waves(lo: number, hi: number, n: number, up: number, hold: number, down: number, low: number, total: number): Phase[] {
  const out: Phase[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    out.push({ dur: low, rps: lo, label: `low ${lo}/s` });
    out.push({ dur: up, rps: lo, rps_end: hi, label: `ramp up to ${hi}/s` });
    out.push({ dur: hold, rps: hi, label: `high ${hi}/s` });
    out.push({ dur: down, rps: hi, rps_end: lo, label: `ramp down to ${lo}/s` });
    t += low + up + hold + down;
  }
  if (total > t) out.push({ dur: total - t, rps: lo, label: `low ${lo}/s` });
  return out;
}
const task = (name: string, phases: Phase[], kwargs?: Record<string, unknown>): Stream => ({ name, phases, ...(kwargs ? { kwargs } : {}) });

const TEN = 600;

export const RECIPES: readonly Recipe[] = [
  // ------------------------------------------------------------------ stable
  {
    id: 'stable-gunicorn-sync-steady',
    pattern: 'stable',
    server: { kind: 'gunicorn', worker: 'sync', workers: 4 },
    instances: 2,
    config: {},
    durationS: TEN,
    streams: [web([steady(4, TEN, 'steady 4/s per instance')])],
    cause: 'No leak: a Flask handler that does a little work and allocates nothing that outlives the request.',
    reading: 'Stable: all eight workers flat at ~36 MiB for the whole window under steady traffic (4/s per instance).',
  },
  {
    id: 'stable-gunicorn-sync-max-requests',
    pattern: 'stable',
    server: { kind: 'gunicorn', worker: 'sync', workers: 4, maxRequests: 250, maxRequestsJitter: 50 },
    instances: 2,
    config: {},
    durationS: TEN,
    streams: [web([steady(5, TEN, 'steady 5/s per instance')])],
    cause: 'No leak; Gunicorn recycles each worker after 250-300 requests (max_requests), so pids are replaced every few minutes.',
    extraNuisances: ['max_requests recycling: each worker is replaced by a fresh pid after 250-300 requests (about every 3-4 minutes per worker at this load), throughout the window'],
    reading: 'Stable: workers flat at ~36 MiB; every worker is recycled about every 3.5 minutes (16 replacements in the window, listed as observed events), each new pid the same size, the total level.',
  },
  {
    id: 'stable-gthread-hup-reload',
    pattern: 'stable',
    server: { kind: 'gunicorn', worker: 'gthread', workers: 3, threads: 4 },
    instances: 2,
    config: {},
    durationS: TEN,
    streams: [web(waves(2, 8, 2, 60, 60, 60, 120, TEN))],
    actions: [
      { at: 270, kind: 'hup', instance: 0 },
      { at: 330, kind: 'hup', instance: 1 },
    ],
    cause: 'No leak; the service is reloaded with SIGHUP (as on a config change): Gunicorn starts new workers and retires every old one.',
    reading: 'Stable: workers flat at ~36 MiB under traffic waves (2/s to 8/s); at each HUP (t+4m30s, t+5m30s) all three pids of that instance are replaced by new ones of the same size.',
  },
  {
    id: 'stable-uvicorn-traffic-burst',
    pattern: 'stable',
    server: { kind: 'uvicorn', workers: 3 },
    instances: 2,
    config: {},
    durationS: TEN,
    streams: [web([steady(3, 240, 'base load 3/s'), steady(25, 90, 'burst 25/s (unrelated to memory)'), steady(3, 270, 'back to 3/s')])],
    cause: 'No leak: an ASGI handler that allocates nothing lasting; a traffic burst that needs no extra memory.',
    extraNuisances: ['traffic burst unrelated to memory: 25/s per instance from t+4m00s to t+5m30s (base 3/s)'],
    reading: 'Stable: workers flat at ~29 MiB, including through an eight-fold traffic burst (25/s for 90 s), which leaves them 1-2 MiB higher (allocator warm-up) and flat again.',
  },
  {
    id: 'stable-gunicorn-exporter-outage',
    pattern: 'stable',
    server: { kind: 'gunicorn', worker: 'sync', workers: 4 },
    instances: 2,
    config: {},
    durationS: TEN,
    streams: [web([steady(4, TEN, 'steady 4/s per instance')])],
    actions: [{ at: 180, kind: 'stop-exporter', instance: 1, forS: 180 }],
    cause: 'No leak; the exporter of one instance is frozen for three minutes (SIGSTOP), so its scrapes fail while its workers keep serving.',
    reading: 'Stable: all eight workers flat at ~36 MiB; instance 2 has a three-minute gap (up = 0, no samples from t+3m00s to t+6m00s) and comes back at the same level with the same pids.',
  },
  {
    id: 'stable-gthread-sigkill-worker',
    pattern: 'stable',
    server: { kind: 'gunicorn', worker: 'gthread', workers: 4, threads: 4 },
    instances: 2,
    config: {},
    durationS: TEN,
    streams: [web([steady(5, TEN, 'steady 5/s per instance')])],
    actions: [
      { at: 240, kind: 'kill-worker', instance: 0 },
      { at: 420, kind: 'kill-worker', instance: 1 },
    ],
    cause: 'No leak; one worker of each instance is SIGKILLed (as by an OOM killer or an operator) and the master starts a replacement.',
    reading: 'Stable: workers flat at ~36 MiB; one series per instance ends abruptly (SIGKILL at t+4m00s and t+7m00s) and a new pid of the same size takes over within a second.',
  },
  {
    id: 'stable-gunicorn-traffic-stops',
    pattern: 'stable',
    server: { kind: 'gunicorn', worker: 'sync', workers: 4 },
    instances: 2,
    config: {},
    durationS: 660,
    streams: [web([steady(6, 300, 'busy 6/s per instance'), steady(0, 360, 'idle: no traffic')])],
    cause: 'No leak: the same handler as the other stable recordings; traffic stops after five minutes (the shape of the high-while-idle recordings, without their retained objects).',
    reading: 'Stable: all eight workers flat at ~36 MiB through five busy minutes (6/s per instance) and six idle ones (0/s); idle, but memory is not high and does not move.',
  },
  {
    id: 'stable-celery-steady',
    pattern: 'stable',
    server: { kind: 'celery', concurrency: 4 },
    instances: 2,
    config: { thumbnail_keeps_inputs: false },
    durationS: TEN,
    streams: [
      task('send_email', [steady(3, TEN, 'send_email 3/s, sync_inventory 2/s, thumbnail 1/s')]),
      task('sync_inventory', [steady(2, TEN)]),
      task('thumbnail', [steady(1, TEN)], { kb: 512 }),
    ],
    cause: 'No leak: three Celery task types that allocate only while they run (thumbnail does not keep its inputs here).',
    reading: 'Stable: all eight pool processes flat at 38-40 MiB while all three task types run steadily.',
  },
  // ------------------------------------------------------------------ one worker growing
  {
    id: 'one-worker-gunicorn-sync-age',
    pattern: 'one-worker-growing',
    server: { kind: 'gunicorn', worker: 'sync', workers: 4 },
    instances: 2,
    config: {},
    instanceConfig: [{ leak_workers: 'age:1', leak_per_request_kb: 250 }, {}],
    durationS: TEN,
    streams: [web([steady(6, TEN, 'steady 6/s per instance')])],
    cause: 'In the first worker Gunicorn spawned on one of the two instances (worker.age 1, from the post_fork hook), every request it serves stores ~250 KiB of objects in a module-level dict that is never pruned; all other workers serve the same requests and keep nothing.',
    reading: 'One worker growing: a single worker of one instance climbs steadily from ~36 to ~250 MiB, its seven peers (both instances) stay flat at ~36 MiB.',
  },
  {
    id: 'one-worker-gunicorn-two-of-eight',
    pattern: 'one-worker-growing',
    server: { kind: 'gunicorn', worker: 'sync', workers: 8 },
    instances: 1,
    config: { leak_workers: 'age:3,6', leak_per_request_kb: 250 },
    durationS: TEN,
    streams: [web([steady(8, TEN, 'steady 8/s')])],
    cause: 'Two of eight workers (worker.age 3 and 6) keep ~250 KiB per request in a dict that is never pruned; the other six keep nothing.',
    reading: 'One (here two) worker(s) growing: two of eight workers climb steadily from ~36 to ~180 MiB, six stay flat at ~36 MiB.',
  },
  {
    id: 'one-worker-uvicorn-lock-outage',
    pattern: 'one-worker-growing',
    server: { kind: 'uvicorn', workers: 4 },
    instances: 2,
    config: { leak_workers: 'lock:1', leak_per_request_kb: 1000 },
    durationS: TEN,
    streams: [web([steady(6, TEN, 'steady 6/s per instance')])],
    actions: [{ at: 240, kind: 'stop-exporter', instance: 1, forS: 120 }],
    cause: 'Exactly one worker of the whole service (the first to take a flock slot shared by both instances) keeps ~1 MiB per request in a never-pruned dict; the seven others keep nothing.',
    reading: 'One worker growing: one worker of eight climbs steadily from ~39 to ~254 MiB, the other seven stay flat at ~29 MiB; the other instance has a two-minute scrape gap (t+4m00s to t+6m00s).',
  },
  // ------------------------------------------------------------------ all workers growing
  {
    id: 'all-growing-gthread-timer-varying',
    pattern: 'all-workers-growing',
    server: { kind: 'gunicorn', worker: 'gthread', workers: 3, threads: 4 },
    instances: 2,
    config: { timer_leak_kb_per_s: 150 },
    durationS: TEN,
    streams: [web(waves(1, 10, 2, 60, 60, 60, 90, TEN))],
    cause: 'Every worker runs a background thread that adds 1 KiB entries to a module-level "recently seen" dict ten times a second (~150 KiB/s) and never evicts; traffic plays no part.',
    reading: 'All workers growing: all six workers climb at the same steady pace (~10 MiB/min, ~38 to ~140 MiB) while traffic rises and falls in waves between 1/s and 10/s.',
  },
  {
    id: 'all-growing-sync-unique-key-steady',
    pattern: 'all-workers-growing',
    server: { kind: 'gunicorn', worker: 'sync', workers: 4 },
    instances: 2,
    config: { unique_key_kb: 60 },
    durationS: TEN,
    streams: [web([steady(8, TEN, 'perfectly steady 8/s per instance')], { steady: true })],
    cause: 'Every request memoises ~60 KiB under a key that includes a request id and a timestamp, in an unbounded module-level dict: the cache never hits and never shrinks.',
    reading: 'All workers growing: all eight workers climb at a similar pace (~7.5 MiB/min, ~36 to ~110 MiB) under perfectly steady traffic (8.0/s per instance every minute).',
  },
  {
    id: 'all-growing-uvicorn-timer-outage',
    pattern: 'all-workers-growing',
    server: { kind: 'uvicorn', workers: 3 },
    instances: 2,
    config: { timer_leak_kb_per_s: 120 },
    durationS: TEN,
    streams: [web(bursts(2, 12, 2, 150, 60, TEN))],
    actions: [{ at: 300, kind: 'stop-exporter', instance: 0, forS: 150 }],
    cause: 'Every worker runs a background thread that adds ~120 KiB/s of entries to an unbounded module-level dict.',
    reading: 'All workers growing: all six workers climb steadily (~8 MiB/min, ~31 to ~110 MiB) through two traffic bursts; instance 1 has a 2.5-minute scrape gap (up = 0) after which its workers are where the slope predicts.',
  },
  // ------------------------------------------------------------------ all workers large, stable
  {
    id: 'large-stable-gthread',
    pattern: 'all-workers-large-stable',
    server: { kind: 'gunicorn', worker: 'gthread', workers: 4, threads: 4 },
    instances: 2,
    config: { ballast_mb: 220 },
    limitBytes: 2400 * MiB,
    durationS: TEN,
    streams: [web([steady(4, TEN, 'steady 4/s per instance')])],
    cause: 'Each worker builds and touches a 220 MiB read-only lookup table at start (no preload, so one copy per worker); nothing grows afterwards.',
    reading: 'All workers large and stable: eight workers of ~257 MiB each, flat for the whole window, the total (~2.0 GiB) at 86% of the configured 2400 MiB limit.',
  },
  {
    id: 'large-stable-uvicorn',
    pattern: 'all-workers-large-stable',
    server: { kind: 'uvicorn', workers: 3 },
    instances: 2,
    config: { ballast_mb: 280 },
    limitBytes: 2200 * MiB,
    durationS: TEN,
    streams: [web(bursts(3, 12, 1, 200, 90, TEN))],
    cause: 'Each worker loads and touches a 280 MiB read-only table at start; flat afterwards.',
    extraNuisances: ['traffic burst unrelated to memory: 12/s per instance from t+3m20s to t+4m50s (base 3/s)'],
    reading: 'All workers large and stable: six workers of ~310 MiB, flat (within 1 MiB) through a traffic burst, the total (~1.8 GiB) at 85% of the configured 2200 MiB limit.',
  },
  // ------------------------------------------------------------------ worker count jump
  {
    id: 'worker-jump-gunicorn-ttin',
    pattern: 'worker-count-jump',
    server: { kind: 'gunicorn', worker: 'sync', workers: 3 },
    instances: 2,
    config: { ballast_mb: 150 },
    durationS: TEN,
    streams: [web([steady(4, TEN, 'steady 4/s per instance')])],
    actions: [
      { at: 240, kind: 'ttin', instance: 0, count: 3, spacingS: 15 },
      { at: 270, kind: 'ttin', instance: 1, count: 2, spacingS: 15 },
    ],
    cause: 'Each worker loads a 150 MiB table at start; the operator scales up with SIGTTIN (three more workers on instance 1, two on instance 2), each new worker as large as its peers.',
    reading: 'Worker count jump: six workers flat at ~186 MiB, then five more of the same size appear within a minute (t+4m00s to t+4m45s); the total steps up from ~1.1 to ~2.0 GiB and stays, per-worker size unchanged.',
  },
  {
    id: 'worker-jump-celery-pool-grow',
    pattern: 'worker-count-jump',
    server: { kind: 'celery', concurrency: 2 },
    instances: 2,
    config: { ballast_mb: 150 },
    durationS: TEN,
    streams: [task('send_email', [steady(2, TEN, 'send_email 2/s, sync_inventory 2/s')]), task('sync_inventory', [steady(2, TEN)])],
    actions: [
      { at: 240, kind: 'pool-grow', instance: 0, n: 2 },
      { at: 300, kind: 'pool-grow', instance: 1, n: 2 },
    ],
    cause: 'Each pool process loads a 150 MiB table in worker_process_init; `celery control pool_grow 2` adds two pool processes to each node, each as large as its peers.',
    reading: 'Worker count jump: four pool processes flat at ~190 MiB, then two more of the same size on each node (t+4m00s and t+5m00s); the total steps up twice, from ~760 MiB to ~1.5 GiB, per-process size unchanged.',
  },
  // ------------------------------------------------------------------ follows traffic
  {
    id: 'follows-traffic-gthread-payload',
    pattern: 'follows-traffic',
    server: { kind: 'gunicorn', worker: 'gthread', workers: 2, threads: 8 },
    instances: 2,
    config: { payload_mb: 8, hold_s: 1.5 },
    env: FIXED_MMAP,
    durationS: TEN,
    streams: [web(bursts(1.5, 10, 3, 100, 70, TEN), { body_kb: 512 })],
    cause: 'Each request POSTs a 512 KiB body and builds an 8 MiB response buffer that is held for 1.5 s while a slow step runs; memory is proportional to requests in flight.',
    reading: 'Follows traffic: each worker sits at ~40-50 MiB at 1.5/s, rises to ~90-105 MiB during each of the three 10/s bursts (more requests in flight, each holding its buffers) and comes back down to ~45 MiB after each; no drift over the window.',
  },
  {
    id: 'follows-traffic-uvicorn-ttl-cache',
    pattern: 'follows-traffic',
    server: { kind: 'uvicorn', workers: 3 },
    instances: 2,
    config: { ttl_cache_kb: 512, ttl_s: 40 },
    env: FIXED_MMAP,
    durationS: TEN,
    streams: [web(waves(1, 12, 2, 60, 60, 60, 90, TEN))],
    cause: 'Each request stores a 512 KiB value in a module-level cache with a 40 s TTL (a sweeper thread evicts expired entries every 2 s): the cache holds rate x TTL entries.',
    reading: 'Follows traffic: workers go from ~30 MiB at 1/s to 60-160 MiB at 12/s (uvicorn spreads requests unevenly, so one worker per instance holds most of the cache) and back to ~30-40 MiB when traffic falls, lagging by up to the 40 s TTL; twice, no drift.',
  },
  // ------------------------------------------------------------------ high while idle
  {
    id: 'idle-high-gunicorn-global-list',
    pattern: 'high-while-idle',
    server: { kind: 'gunicorn', worker: 'sync', workers: 4 },
    instances: 2,
    config: { leak_workers: 'all', leak_per_request_kb: 100 },
    durationS: 660,
    streams: [web([steady(6, 300, 'busy 6/s per instance'), steady(0, 360, 'idle: no traffic')])],
    cause: 'Every request appends ~100 KiB of objects to a module-level collection that is never cleared; when traffic stops nothing is released.',
    reading: 'High while idle: every worker grows from ~36 to ~83 MiB during five busy minutes (6/s), then traffic drops to zero for six minutes and memory stays up, flat at its peak.',
  },
  {
    id: 'idle-high-gthread-queue',
    pattern: 'high-while-idle',
    server: { kind: 'gunicorn', worker: 'gthread', workers: 3, threads: 4 },
    instances: 2,
    config: { queue_producer_kb_per_s: 150 },
    durationS: 660,
    streams: [web([steady(5, 300, 'busy 5/s per instance'), steady(0, 360, 'idle: no traffic')])],
    cause: 'A background thread in every worker enqueues ~150 KiB/s of work items into an in-process queue that only requests drain; while traffic flows the queue stays empty, when it stops the queue fills without bound.',
    reading: 'High while idle: workers flat at ~38 MiB for five busy minutes, then traffic drops to zero and every worker grows steadily, to ~100 MiB by the end of the six idle minutes.',
  },
  // ------------------------------------------------------------------ job driven
  {
    id: 'job-driven-celery-thumbnail-inputs',
    pattern: 'job-driven',
    server: { kind: 'celery', concurrency: 4 },
    instances: 2,
    config: { thumbnail_keeps_inputs: true },
    durationS: TEN,
    streams: [
      task('send_email', [steady(2, TEN)]),
      task('sync_inventory', [steady(1.5, 60), steady(4, 120, 'sync_inventory 4/s'), steady(1.5, TEN - 180, 'sync_inventory 1.5/s')]),
      task(
        'thumbnail',
        [steady(0, 90, 'thumbnail off'), steady(2, 120, 'thumbnail 2/s'), steady(0, 120, 'thumbnail off'), steady(2, 120, 'thumbnail 2/s'), steady(0, TEN - 450, 'thumbnail off')],
        // 3 s per task: about three in flight per node, so every pool process takes its share (with
        // 50 ms tasks the first idle process took nearly all of them and only one process per node grew).
        { kb: 1024, hold_s: 3 },
      ),
    ],
    cause: 'The thumbnail task (3 s each) appends its 1 MiB input to a module-level list "to avoid re-downloading" and never clears it; send_email and sync_inventory allocate nothing lasting.',
    reading: 'Job driven: all eight pool processes step up by ~30 MiB during each of the two two-minute thumbnail runs (t+1m31s, t+5m31s) and stay flat between and after them (~38 to ~100 MiB in all), although send_email and sync_inventory run throughout (sync_inventory with its own burst to 4/s at t+1m01s).',
  },
  {
    id: 'job-driven-celery-report-payload',
    pattern: 'job-driven',
    server: { kind: 'celery', concurrency: 4 },
    instances: 1,
    config: {},
    env: FIXED_MMAP,
    durationS: TEN,
    streams: [
      task('send_email', [steady(1, 60), steady(4, 90, 'send_email 4/s'), steady(1, TEN - 150, 'send_email 1/s')]),
      task('sync_inventory', [steady(1, TEN)]),
      task(
        'build_report',
        [steady(0, 180, 'build_report off'), steady(1, 90, 'build_report 1/s'), steady(0, 120, 'build_report off'), steady(1, 90, 'build_report 1/s'), steady(0, TEN - 480, 'build_report off')],
        { mb: 96, hold_s: 3 },
      ),
    ],
    cause: 'build_report builds a 96 MiB report in memory and holds it for 3 s while it "uploads", then frees it; send_email and sync_inventory allocate nothing lasting.',
    reading: 'Job driven: while build_report runs (two 90 s runs) the pool processes hold ~100 MiB reports in turn (per-worker RSS jumps from ~39 to ~135 MiB and back, the total triples) and drop back when it stops; a send_email burst at 4/s leaves them flat.',
  },
  // ------------------------------------------------------------------ mixed
  {
    id: 'mixed-gthread-one-leak-plus-traffic',
    pattern: 'mixed',
    components: ['one-worker-growing', 'follows-traffic'],
    server: { kind: 'gunicorn', worker: 'gthread', workers: 3, threads: 6 },
    instances: 2,
    config: { payload_mb: 6, hold_s: 1.5, leak_workers: 'lock:1', leak_per_request_kb: 200 },
    env: FIXED_MMAP,
    durationS: TEN,
    streams: [web(bursts(2, 10, 3, 100, 70, TEN))],
    cause: 'Every worker builds a 6 MiB response buffer held 1.5 s per request (memory follows requests in flight); in addition one worker of the service keeps ~200 KiB per request in a never-pruned dict.',
    reading: 'Mixed: all six workers rise and fall with the traffic bursts, and one worker also climbs from ~45 to ~270 MiB (faster during bursts, since it keeps something per request) and never comes back down.',
  },
  {
    id: 'mixed-uvicorn-all-growing-plus-traffic',
    pattern: 'mixed',
    components: ['all-workers-growing', 'follows-traffic'],
    server: { kind: 'uvicorn', workers: 3 },
    instances: 2,
    config: { timer_leak_kb_per_s: 100, ttl_cache_kb: 512, ttl_s: 30 },
    env: FIXED_MMAP,
    durationS: TEN,
    streams: [web(waves(1, 12, 2, 60, 60, 60, 90, TEN))],
    cause: 'A 30 s TTL cache of 512 KiB values filled per request (follows traffic) plus a background thread adding ~100 KiB/s to an unbounded module-level dict in every worker.',
    reading: 'Mixed: all six workers climb steadily (by ~70 MiB over the ten minutes, visible in the troughs) and, on top of that, swell by up to ~80 MiB and shrink back with each traffic wave.',
  },
];
