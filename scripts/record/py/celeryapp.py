"""Celery app (prefork pool) for the job-driven, worker-count and stable Celery recordings.

Task types: thumbnail (may keep its inputs in a module-level list), build_report (holds a large
payload while it runs, then frees it), send_email and sync_inventory (small, allocate nothing lasting).
"""
import os
import random
import time

import behaviours
from celery import Celery
from celery.signals import task_prerun, worker_process_init
from metrics import celery_task_started

CELERY_TASK_STARTED = celery_task_started()
QUEUE = os.environ["PYMEM_QUEUE"]
app = Celery("pymem", broker=os.environ.get("PYMEM_BROKER", "amqp://guest:guest@127.0.0.1:5672//"))
app.conf.update(
    task_default_queue=QUEUE,
    task_ignore_result=True,
    worker_prefetch_multiplier=1,
    task_acks_late=False,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)

# Inputs kept "to avoid re-downloading": the list only grows.
_RECENT_INPUTS = []


@worker_process_init.connect
def _init(**_):
    behaviours.init_worker()  # ballast, timer cache... in each pool process, after the fork


@task_prerun.connect
def _count(task=None, **_):
    CELERY_TASK_STARTED.labels(name=task.name).inc()


@app.task(name="thumbnail")
def thumbnail(kb=256, hold_s=0.05):
    data = bytes(random.getrandbits(8) for _ in range(64)) * (kb * 16)  # kb KiB input image
    if behaviours.cfg("thumbnail_keeps_inputs"):
        _RECENT_INPUTS.append(data)
    time.sleep(hold_s)  # "resizing" (waiting on a subprocess or a service)
    return len(data)


@app.task(name="build_report")
def build_report(mb=64, hold_s=4.0):
    buf = bytearray(mb * (1 << 20))
    buf[::4096] = b"\x03" * len(buf[::4096])
    time.sleep(hold_s)
    n = len(buf)
    del buf
    return n


@app.task(name="send_email")
def send_email():
    msg = ("hello " * 200).encode()
    time.sleep(0.05)
    return len(msg)


@app.task(name="sync_inventory")
def sync_inventory():
    rows = [{"sku": i, "qty": random.randint(0, 9)} for i in range(500)]
    time.sleep(0.08)
    return len(rows)
