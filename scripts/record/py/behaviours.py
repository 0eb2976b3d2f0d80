"""Real memory behaviours shared by the WSGI app, the ASGI app and the Celery worker.

Everything is configured by one environment variable, PYMEM_CONFIG (JSON), that the recorder sets
per recipe (and per instance).  Each behaviour is ordinary Python that a real service could contain:
a dict that only grows, a module-level cache without a bound, a TTL cache, buffers held while a
request is in flight, a background thread feeding a queue that only requests drain, a large
read-only table loaded at start.  Nothing here fakes a number: RSS is whatever the kernel reports.
"""
import fcntl
import json
import os
import queue
import random
import threading
import time

CONFIG = json.loads(os.environ.get("PYMEM_CONFIG", "{}"))


def cfg(name, default=None):
    return CONFIG.get(name, default)


# ---------------------------------------------------------------------------------------------
# Which worker is "the leaky one".  Decided once per worker process (the app module is imported in
# each worker after the fork: no --preload).  Two ways:
#   "age:1,2"  Gunicorn's post_fork hook (gunicorn_conf.py) puts worker.age in PYMEM_WORKER_AGE;
#              the workers with those ages leak (ages count spawns: a respawned worker gets a new age).
#   "lock:N"   the first N workers of the whole service (all instances) that take one of N flock
#              slots in a directory shared by the instances; a slot is held until the process dies.
#   "all"      every worker.
# ---------------------------------------------------------------------------------------------
_LOCK_FILES = []


def _is_selected(spec):
    if not spec:
        return False
    if spec == "all":
        return True
    kind, _, arg = spec.partition(":")
    if kind == "age":
        age = os.environ.get("PYMEM_WORKER_AGE")
        return age is not None and age in arg.split(",")
    if kind == "lock":
        lockdir = os.environ["PYMEM_LOCK_DIR"]
        for slot in range(int(arg)):
            f = open(os.path.join(lockdir, "leaker-%d.lock" % slot), "a+")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                continue
            _LOCK_FILES.append(f)  # keep it open: the slot is ours until we exit
            f.write("%d\n" % os.getpid())
            f.flush()
            return True
        return False
    raise ValueError("bad worker selector %r" % spec)


LEAKER = False  # set by init_worker()

# A large read-only structure (lookup table, model, reference data) built and touched at start.
_BALLAST = None


def _load_ballast(mb):
    # 1 MiB bytes blocks, each with different content so nothing is shared or deduplicated; building
    # them writes every page, so the whole table is resident from the start.
    return tuple(bytes([i % 251 + 1]) * (1 << 20) for i in range(mb))


# Module-level caches of the kinds real services grow by accident.
_RETAINED = {}          # per-request references kept "for later" (debug, dedup, audit...)
_SEEN_KEYS = {}          # memoised results keyed by something unique per request
_TIMER_CACHE = {}        # filled by a background thread on a timer
_TTL_CACHE = {}          # key -> (expires_at, value)
_TTL_LOCK = threading.Lock()
_PENDING = queue.Queue()  # filled by a background producer, drained by requests
_counter_lock = threading.Lock()
_seq = [0]


def _next_seq():
    with _counter_lock:
        _seq[0] += 1
        return _seq[0]


def _timer_filler(kb_per_s):
    # e.g. a "recently seen" cache refreshed from a feed every 100 ms and never pruned
    n = 0
    per_tick = max(1, int(kb_per_s / 10))  # ten ticks a second, 1 KiB entries
    while True:
        time.sleep(0.1)
        for _ in range(per_tick):
            n += 1
            _TIMER_CACHE["feed:%d:%d" % (os.getpid(), n)] = ("x%07d" % n) * 128  # 1 KiB string


def _ttl_sweeper(period):
    while True:
        time.sleep(period)
        now = time.monotonic()
        with _TTL_LOCK:
            for k in [k for k, (exp, _) in _TTL_CACHE.items() if exp <= now]:
                del _TTL_CACHE[k]


def _queue_producer(kb_per_s):
    # A background loop that enqueues work items (1 KiB payloads); requests pop what is pending.
    per_tick = max(1, int(kb_per_s / 10))
    n = 0
    while True:
        time.sleep(0.1)
        for _ in range(per_tick):
            n += 1
            _PENDING.put({"id": n, "payload": ("q%07d" % n) * 128})


def init_worker():
    """Called once in each worker process after the fork."""
    global LEAKER, _BALLAST
    LEAKER = _is_selected(cfg("leak_workers", ""))
    if cfg("ballast_mb"):
        _BALLAST = _load_ballast(int(cfg("ballast_mb")))
    if cfg("timer_leak_kb_per_s"):
        threading.Thread(target=_timer_filler, args=(float(cfg("timer_leak_kb_per_s")),), daemon=True).start()
    if cfg("ttl_cache_kb"):
        threading.Thread(target=_ttl_sweeper, args=(2.0,), daemon=True).start()
    if cfg("queue_producer_kb_per_s"):
        threading.Thread(target=_queue_producer, args=(float(cfg("queue_producer_kb_per_s")),), daemon=True).start()


def handle(body):
    """The memory side of one request. Returns (bytes held while in flight, seconds to hold them)."""
    seq = _next_seq()
    if LEAKER and cfg("leak_per_request_kb"):
        # per-request objects kept in a dict that nothing ever prunes
        kb = int(cfg("leak_per_request_kb"))
        _RETAINED["req:%d" % seq] = [("r%07d" % seq) * 128 for _ in range(kb)]
    if cfg("unique_key_kb"):
        # "memoise" a result under a key that is unique per request (includes a request id)
        kb = int(cfg("unique_key_kb"))
        _SEEN_KEYS["%d:%d:%f" % (os.getpid(), seq, time.time())] = [("u%07d" % seq) * 128 for _ in range(kb)]
    if cfg("ttl_cache_kb"):
        now = time.monotonic()
        value = bytearray(int(cfg("ttl_cache_kb")) * 1024)
        value[::4096] = b"\x01" * len(value[::4096])  # touch every page
        with _TTL_LOCK:
            _TTL_CACHE["%d:%d" % (os.getpid(), seq)] = (now + float(cfg("ttl_s", 30)), value)
    if cfg("queue_producer_kb_per_s"):
        # each request handles what is pending (up to a batch)
        for _ in range(int(cfg("queue_drain_per_request", 1000))):
            try:
                _PENDING.get_nowait()
            except queue.Empty:
                break
    held = None
    if cfg("payload_mb"):
        # build the response in memory (e.g. a report or an export) and keep it while the slow part runs
        held = bytearray(int(cfg("payload_mb")) * (1 << 20))
        held[::4096] = b"\x02" * len(held[::4096])
    return held, float(cfg("hold_s", 0)) + float(cfg("base_latency_s", 0.01)) * random.uniform(0.5, 1.5)
