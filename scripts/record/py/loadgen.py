"""Load generator: HTTP requests to every instance, or Celery tasks to the service's queue.

usage: loadgen.py <schedule.json>
  {"mode": "http"|"celery", "targets": [...base urls...],
   "streams": [{"name": str, "body_kb": int, "steady": bool, "kwargs": {...},
                "phases": [{"dur": s, "rps": r, "rps_end": r2?, "label": str?}]}]}
For http, rps is per target; for celery, rps is the stream's total.  A phase with a label prints one
JSON line {"at": unix seconds, "what": label} on stdout when it starts (the recorder keeps them as events).
Bounded: it stops by itself after the last phase.
"""
import http.client
import json
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

sched = json.load(open(sys.argv[1]))
mode = sched["mode"]
out_lock = threading.Lock()
stats = {"ok": 0, "err": 0}


def emit(what):
    with out_lock:
        print(json.dumps({"at": time.time(), "what": what}), flush=True)


pool = ThreadPoolExecutor(max_workers=int(sched.get("max_in_flight", 64)))


def http_call(target, body_kb):
    u = urlparse(target)
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        if body_kb:
            c.request("POST", "/work", body=os.urandom(1024) * body_kb, headers={"Content-Type": "application/octet-stream"})
        else:
            c.request("GET", "/work")
        r = c.getresponse()
        r.read()
        c.close()
        stats["ok" if r.status == 200 else "err"] += 1
    except Exception:
        stats["err"] += 1


celery_app = None
if mode == "celery":
    sys.path.insert(0, os.path.dirname(__file__))
    from celery import Celery
    celery_app = Celery("loadgen", broker=os.environ.get("PYMEM_BROKER", "amqp://guest:guest@127.0.0.1:5672//"))


def run_stream(stream, target, t0, announce):
    steady = stream.get("steady", False)
    t_phase = t0
    for ph in stream["phases"]:
        dur = float(ph["dur"])
        end = t_phase + dur
        r0 = float(ph["rps"])
        r1 = float(ph.get("rps_end", r0))
        if announce and ph.get("label"):
            delay = t_phase - time.time()
            if delay > 0:
                time.sleep(delay)
            emit(ph["label"])
        t = t_phase
        while True:
            frac = (t - t_phase) / dur if dur else 1.0
            rate = r0 + (r1 - r0) * frac
            if rate <= 0:
                t += 0.25
            else:
                gap = 1.0 / rate
                t += gap if steady else gap * random.uniform(0.6, 1.4)
            if t >= end:
                break
            delay = t - time.time()
            if delay > 0:
                time.sleep(delay)
            if rate <= 0:
                continue
            if mode == "http":
                pool.submit(http_call, target, int(stream.get("body_kb", 0)))
            else:
                try:
                    celery_app.send_task(stream["name"], kwargs=stream.get("kwargs", {}), queue=sched["queue"])
                    stats["ok"] += 1
                except Exception:
                    stats["err"] += 1
        t_phase = end


t0 = time.time() + 0.5
threads = []
for s in sched["streams"]:
    for i, tgt in enumerate(sched["targets"] if mode == "http" else [None]):
        th = threading.Thread(target=run_stream, args=(s, tgt, t0, i == 0), daemon=True)
        th.start()
        threads.append(th)
for th in threads:
    th.join()
pool.shutdown(wait=True)
print(json.dumps({"done": True, "ok": stats["ok"], "err": stats["err"]}), flush=True)
