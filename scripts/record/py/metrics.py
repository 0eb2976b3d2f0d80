"""The app's own counters, in prometheus_client multiprocess mode (PROMETHEUS_MULTIPROC_DIR must be set
before prometheus_client is imported).  Every worker writes its own file; the sidecar sums them with
MultiProcessCollector, so a counter does not go back when a worker is replaced.  Each app creates only
the counter it uses, so a web service exports no Celery counter and a Celery service no HTTP one."""
import os

assert os.environ.get("PROMETHEUS_MULTIPROC_DIR"), "PROMETHEUS_MULTIPROC_DIR must be set"
from prometheus_client import Counter  # noqa: E402


def http_requests():
    return Counter("http_requests", "HTTP requests served by the app")


def celery_task_started():
    return Counter("celery_task_started", "Celery tasks started", ["name"])
