/**
 * A real single-node VictoriaMetrics for end-to-end tests: started on a free loopback port in a
 * temporary directory, fed the same metric families as the Prometheus harness through
 * `/api/v1/import/prometheus`, and stopped (and its directory removed) when the test ends.
 *
 * Traps this avoids:
 * - The import takes Prometheus text with timestamps in **milliseconds** (promtool wants seconds).
 * - Imported rows sit in memory buffers for up to a second or so; `/internal/force_flush` makes
 *   them searchable, and we then wait until every series is found before handing the server out.
 * - Query results are cached per query; a test that imports and queries again would read stale
 *   answers, so the cache is off (`-search.disableCache`).
 * - Retention counts back from the wall clock and fixtures use fixed historical timestamps: 100y.
 * - A test that crashes must not leave the server running: child-servers.ts guards it, as it
 *   does the Prometheus harness.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLabels, formatValue, type MetricFamily } from './openmetrics';
import { guardChild } from './child-servers';
import { freePort } from './prometheus';

export interface StartVictoriaMetricsOptions {
  /** Families to import (the same shape the Prometheus harness backfills). */
  readonly families?: readonly MetricFamily[];
  readonly readyTimeoutMs?: number;
  readonly binary?: string;
  /** Characters of text per import request; VictoriaMetrics streams, but one huge body is slow to build. */
  readonly chunkChars?: number;
}

export interface RunningVictoriaMetrics {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly dataDir: string;
  /** Series and samples imported. */
  readonly imported: { readonly series: number; readonly samples: number };
  /** SIGTERM, wait for exit, remove the temporary directory. */
  stop(): Promise<void>;
}

/**
 * Prometheus text exposition lines (`name{labels} value timestamp_ms`), one per sample, in chunks
 * of about `chunkChars`. Counters carry `_total`, as the OpenMetrics writer gives them to promtool,
 * so both backends hold the same series names.
 */
export function* importChunks(families: Iterable<MetricFamily>, chunkChars: number, counts = { series: 0, samples: 0 }): Generator<string> {
  let chunk = '';
  for (const family of families) {
    const base = family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
    const name = family.type === 'counter' ? `${base}_total` : base;
    for (const series of family.series) {
      const prefix = `${name}${formatLabels(series.labels)} `;
      counts.series += 1;
      for (const { tSeconds, value } of series.samples) {
        counts.samples += 1;
        chunk += `${prefix}${formatValue(value)} ${Math.round(tSeconds * 1000)}\n`;
        if (chunk.length >= chunkChars) {
          yield chunk;
          chunk = '';
        }
      }
    }
  }
  if (chunk !== '') yield chunk;
}

export async function startVictoriaMetrics(options: StartVictoriaMetricsOptions = {}): Promise<RunningVictoriaMetrics> {
  const dir = await mkdtemp(join(tmpdir(), 'pymem-victoria-'));
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const binary = options.binary ?? 'victoria-metrics';
  const child = spawn(
    binary,
    [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-search.disableCache', '-loggerLevel=ERROR'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const guarded = guardChild(child, dir);

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-20_000);
  });
  child.once('error', (error) => {
    stderr += `\n${binary}: ${error.message}${(error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (install the Debian package victoria-metrics: ./scripts/setup.sh)' : ''}`;
  });

  const stop = async (): Promise<void> => {
    await guarded.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    const failedEarly = (): string | null => {
      const e = guarded.exit();
      return e === null ? null : `victoria-metrics exited (code ${e.code}, signal ${e.signal}) before it was ready:\n${stderr}`;
    };
    await waitFor(url, '/health', (status) => status === 200, deadline, failedEarly);
    const families = options.families ?? [];
    const imported = { series: 0, samples: 0 };
    // Samples may be generated lazily: they are counted as they are written, never iterated twice.
    for (const chunk of importChunks(families, options.chunkChars ?? 4 * 1024 * 1024, imported)) {
      const response = await fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', body: chunk });
      const text = await response.text();
      if (response.status !== 204 && response.status !== 200) {
        throw new Error(`victoria-metrics refused an import chunk with HTTP ${response.status}: ${text.slice(0, 500)}\n${stderr}`);
      }
    }
    const flushed = await fetch(`${url}/internal/force_flush`);
    await flushed.text();
    if (flushed.status !== 200) throw new Error(`victoria-metrics: /internal/force_flush answered HTTP ${flushed.status}`);
    await waitUntilSearchable(url, imported.series, deadline, failedEarly);
    return { url, dataDir, imported, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitFor(
  url: string,
  path: string,
  ok: (status: number) => boolean,
  deadline: number,
  failedEarly: () => string | null,
): Promise<void> {
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    const failure = failedEarly();
    if (failure !== null) throw new Error(failure);
    try {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(1000) });
      await response.text();
      if (ok(response.status)) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`victoria-metrics at ${url} did not answer ${path} in time (${lastProblem})`);
}

/** Polls the number of series the index knows until every imported series is there. */
async function waitUntilSearchable(url: string, series: number, deadline: number, failedEarly: () => string | null): Promise<void> {
  let seen = -1;
  while (Date.now() < deadline) {
    const failure = failedEarly();
    if (failure !== null) throw new Error(failure);
    const response = await fetch(`${url}/api/v1/series/count`);
    const body: unknown = await response.json();
    const data = typeof body === 'object' && body !== null && 'data' in body && Array.isArray(body.data) ? (body.data as unknown[]) : [];
    seen = typeof data[0] === 'number' ? data[0] : -1;
    if (seen >= series) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`victoria-metrics found ${seen} of the ${series} imported series before the deadline`);
}
