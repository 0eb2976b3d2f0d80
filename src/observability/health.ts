/**
 * GET /healthz (the process is alive), /readyz (store and metrics backend answer), /metrics
 * (Prometheus format). Served through Bolt's HTTP receiver in HTTP mode, and by a small server of
 * their own in Socket Mode, so probes and scrapes work the same way in both. In Socket Mode both
 * also say whether the WebSocket to Slack is connected: without it no request can arrive.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusTelemetry } from './prometheus-metrics';

/** The Socket Mode connection, and since when (ms since the epoch) it is in that state. */
export interface SocketState {
  readonly state: 'connecting' | 'connected' | 'disconnected';
  readonly sinceMs: number;
}

/**
 * What readiness asks of the store and the metrics source: one round trip each. Only that, so this
 * module depends on no implementation (the Store and MetricsSource interfaces both fit).
 */
export interface Pingable {
  ping(signal?: AbortSignal): Promise<void>;
}

export interface HealthDeps {
  readonly store: Pingable;
  readonly source: Pingable;
  readonly telemetry: PrometheusTelemetry;
  readonly shuttingDown: () => boolean;
  /** The Socket Mode connection; null in HTTP mode. */
  readonly socket?: () => SocketState | null;
  /** Each readiness check gives up after this long. */
  readonly checkTimeoutMs?: number;
  /** How long the socket may stay down before /healthz fails (so the process gets restarted), ms. */
  readonly socketLivenessGraceMs?: number;
  readonly now?: () => number;
}

/**
 * Slack closes Socket Mode connections now and then and the client reconnects within seconds; a
 * connection down for longer than this is not coming back by itself.
 */
const SOCKET_LIVENESS_GRACE_MS = 60_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function healthHandlers(deps: HealthDeps): Record<'/healthz' | '/readyz' | '/metrics', Handler> {
  const timeout = deps.checkTimeoutMs ?? 2_000;
  const now = deps.now ?? Date.now;
  return {
    '/healthz': (_req, res) => {
      const socket = deps.socket?.() ?? null;
      if (socket === null) return json(res, 200, { status: 'ok' });
      const downForMs = socket.state === 'connected' ? 0 : now() - socket.sinceMs;
      if (downForMs > (deps.socketLivenessGraceMs ?? SOCKET_LIVENESS_GRACE_MS)) {
        return json(res, 503, { status: 'socket down', socket: socket.state, forSeconds: Math.round(downForMs / 1000) });
      }
      return json(res, 200, { status: 'ok', socket: socket.state });
    },
    '/readyz': (_req, res) => {
      if (deps.shuttingDown()) return json(res, 503, { status: 'shutting down' });
      void Promise.all([check(() => deps.store.ping(), timeout), check((signal) => deps.source.ping(signal), timeout)]).then(([store, metrics]) => {
        const socket = deps.socket?.() ?? null;
        const ready = store === 'ok' && metrics === 'ok' && (socket === null || socket.state === 'connected');
        json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', store, metricsBackend: metrics, ...(socket === null ? {} : { socket: socket.state }) });
      });
    },
    '/metrics': (_req, res) => {
      deps.telemetry.exposition().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType });
          res.end(body);
        },
        () => json(res, 500, { status: 'metrics unavailable' }),
      );
    },
  };
}

/** The same handlers as Bolt custom routes (HTTP mode). */
export function healthRoutes(deps: HealthDeps): { path: string; method: string[]; handler: Handler }[] {
  return Object.entries(healthHandlers(deps)).map(([path, handler]) => ({ path, method: ['GET'], handler }));
}

/** A server of their own, for Socket Mode where Bolt opens no HTTP port. */
export async function startHealthServer(deps: HealthDeps, port: number, host: string): Promise<{ server: Server; port: number }> {
  const handlers = healthHandlers(deps);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as keyof typeof handlers;
    const handler = req.method === 'GET' ? handlers[path] : undefined;
    if (handler) handler(req, res);
    else json(res, 404, { status: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function check(probe: (signal: AbortSignal) => Promise<void>, timeoutMs: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await Promise.race([
      probe(signal),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`)), { once: true })),
    ]);
    return 'ok';
  } catch (error) {
    return `unavailable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
