"""Flask app served by Gunicorn (sync or gthread).  GET / and POST /work do the same thing."""
import time

import behaviours
from flask import Flask, request
from metrics import http_requests

HTTP_REQUESTS = http_requests()
behaviours.init_worker()  # imported in each worker after the fork (no --preload)
app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
@app.route("/work", methods=["GET", "POST"])
def work():
    body = request.get_data()  # a POSTed body is read whole and held while the request runs
    held, hold_s = behaviours.handle(body)
    time.sleep(hold_s)
    n = len(held) if held is not None else 0
    del held, body
    HTTP_REQUESTS.inc()
    return {"ok": True, "held": n}


@app.route("/healthz")
def healthz():
    return "ok"
