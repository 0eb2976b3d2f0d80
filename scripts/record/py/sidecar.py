"""Per-instance exporter: one scrape target per service instance.

  process_resident_memory_bytes{pid}        RSS of each WORKER (direct children of the Gunicorn/Uvicorn
                                            master or of the Celery main process).  The master/parent is
                                            left out on purpose: pymem counts every series as a worker,
                                            and a master that serves nothing would read as a flat worker.
                                            Uvicorn's multiprocessing resource tracker is not a worker either.
  http_requests_total, celery_task_started_total{name}
                                            read from the app's prometheus_client multiprocess files
                                            (MultiProcessCollector), so counts survive worker restarts.
  container_spec_memory_limit_bytes{container}
                                            the memory budget configured for the service, if any
                                            (a configured number, not a cgroup limit).
"""
import argparse
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--parent-pid", type=int, required=True)
p.add_argument("--multiproc-dir", required=True)
p.add_argument("--container", default="")
p.add_argument("--limit-bytes", type=int, default=0)
args = p.parse_args()

NOT_WORKERS = ("resource_tracker", "semaphore_tracker", "forkserver")


def workers():
    try:
        parent = psutil.Process(args.parent_pid)
        children = parent.children(recursive=False)
    except psutil.Error:
        return []
    out = []
    for c in children:
        try:
            cmd = " ".join(c.cmdline())
            if any(s in cmd for s in NOT_WORKERS):
                continue
            out.append((c.pid, c.memory_info().rss))
        except psutil.Error:
            continue  # exited between listing and reading
    return out


def render():
    lines = ["# HELP process_resident_memory_bytes Resident memory of each worker process.",
             "# TYPE process_resident_memory_bytes gauge"]
    for pid, rss in sorted(workers()):
        lines.append('process_resident_memory_bytes{pid="%d"} %d' % (pid, rss))
    if args.limit_bytes:
        lines += ["# HELP container_spec_memory_limit_bytes Memory budget configured for the service.",
                  "# TYPE container_spec_memory_limit_bytes gauge",
                  'container_spec_memory_limit_bytes{container="%s"} %d' % (args.container, args.limit_bytes)]
    reg = CollectorRegistry()
    MultiProcessCollector(reg, path=args.multiproc_dir)
    return ("\n".join(lines) + "\n").encode() + generate_latest(reg)


class H(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/metrics"):
            body = render()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
        else:
            body = b"ok"
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


ThreadingHTTPServer(("127.0.0.1", args.port), H).serve_forever()
