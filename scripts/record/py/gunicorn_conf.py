"""Gunicorn hooks for the recordings."""
import os


def post_fork(server, worker):
    # The app is imported after this (no preload), so it can see which spawn this worker is.
    os.environ["PYMEM_WORKER_AGE"] = str(worker.age)
