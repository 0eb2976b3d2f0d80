import { afterEach, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { startHealthServer, type SocketState } from '../../src/observability/health';
import { PrometheusTelemetry } from '../../src/observability/prometheus-metrics';
import { DemoSource } from '../../src/metrics/demo';
import { SqliteStore } from '../../src/store/sqlite';

let server: Server | null = null;
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = null;
});

async function serve(socket: () => SocketState | null, now: () => number): Promise<(path: string) => Promise<{ status: number; body: unknown }>> {
  const store = SqliteStore.open(':memory:');
  await store.migrate();
  const started = await startHealthServer(
    { store, source: new DemoSource(), telemetry: new PrometheusTelemetry(), shuttingDown: () => false, socket, now, socketLivenessGraceMs: 60_000 },
    0,
    '127.0.0.1',
  );
  server = started.server;
  return async (path) => {
    const res = await fetch(`http://127.0.0.1:${started.port}${path}`);
    return { status: res.status, body: await res.json() };
  };
}

describe('health in Socket Mode', () => {
  it('is ready only while the socket is connected, and alive until it has been down for the grace period', async () => {
    let now = 1_000_000;
    let socket: SocketState = { state: 'connected', sinceMs: now };
    const get = await serve(() => socket, () => now);
    expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ready', store: 'ok', metricsBackend: 'ok', socket: 'connected' } });

    socket = { state: 'disconnected', sinceMs: now };
    expect(await get('/readyz')).toMatchObject({ status: 503, body: { status: 'not ready', socket: 'disconnected' } });
    now += 59_000;
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok', socket: 'disconnected' } });
    now += 2_000;
    // Down for over a minute: not coming back by itself; the supervisor should restart the process.
    expect(await get('/healthz')).toEqual({ status: 503, body: { status: 'socket down', socket: 'disconnected', forSeconds: 61 } });

    socket = { state: 'connected', sinceMs: now };
    expect((await get('/healthz')).status).toBe(200);
  });

  it('answers as before in HTTP mode', async () => {
    const get = await serve(() => null, () => 0);
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ready', store: 'ok', metricsBackend: 'ok' } });
  });
});
