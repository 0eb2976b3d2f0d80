"""A plain ASGI app for Uvicorn --workers: the same behaviours as webapp.py, awaited instead of blocking."""
import asyncio
import json

import behaviours
from metrics import http_requests

HTTP_REQUESTS = http_requests()
behaviours.init_worker()  # uvicorn --workers spawns fresh interpreters that each import this module


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    chunks = []
    more = True
    while more:
        msg = await receive()
        chunks.append(msg.get("body", b""))
        more = msg.get("more_body", False)
    body = b"".join(chunks)
    if scope["path"] == "/healthz":
        payload = b"ok"
    else:
        held, hold_s = behaviours.handle(body)
        await asyncio.sleep(hold_s)
        payload = json.dumps({"ok": True, "held": len(held) if held is not None else 0}).encode()
        del held
        HTTP_REQUESTS.inc()
    del body, chunks
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
