/**
 * A real Prometheus for end-to-end tests: backfills OpenMetrics fixtures with promtool,
 * starts the server on a free loopback port, and records every query it receives.
 *
 * Traps this avoids:
 * - Time-based retention is measured from the newest block, not the wall clock, so a
 *   fixture spanning more than the retention silently loses its older blocks; we use 100y.
 * - promtool reads timestamps as seconds; the writer refuses anything that looks like ms.
 * - A test that crashes must not leave the server running: every child is killed on
 *   process exit, and a watchdog kills it when this process dies without running handlers.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { guardChild, type ChildExit } from './child-servers';
import { type MetricFamily, writeOpenMetrics } from './openmetrics';

const execFileAsync = promisify(execFile);

export interface StartPrometheusOptions {
  /** OpenMetrics files to backfill (see openmetrics.ts). */
  readonly openMetricsFiles?: readonly string[];
  /** Families to write to a file and backfill. */
  readonly families?: readonly MetricFamily[];
  /** How long to wait for /-/ready. */
  readonly readyTimeoutMs?: number;
  readonly prometheusBinary?: string;
  readonly promtoolBinary?: string;
  /** --storage.tsdb.retention.time; long by default because fixtures use fixed historical timestamps. */
  readonly retentionTime?: string;
  /**
   * Serve this existing, already backfilled data directory instead of a temporary one; it is kept
   * when the server stops (the evaluation script reuses one across runs).
   */
  readonly dataDir?: string;
}

/** One entry of Prometheus's query log (the fields we use). */
export interface QueryLogEntry {
  readonly query: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly path: string | undefined;
}

export interface RunningPrometheus {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly dataDir: string;
  /** The PromQL of every query the server evaluated so far, in order. */
  queryLog(): Promise<string[]>;
  /** The same, with parameters (start, end, step) and the HTTP path. */
  queryLogEntries(): Promise<QueryLogEntry[]>;
  /** SIGTERM, wait for exit, remove the temporary directory. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not read the port of a test socket');
  return address.port;
}

/**
 * Runs `promtool tsdb create-blocks-from openmetrics`; throws with promtool's output when it fails.
 * promtool rescans the whole file once per block range, so week-long fixtures are cut into
 * week-long blocks (about ten times faster than the default 2h on a week of data).
 */
export async function backfill(file: string, dataDir: string, promtool = 'promtool', maxBlockDuration = '168h'): Promise<string> {
  try {
    const args = ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', `--max-block-duration=${maxBlockDuration}`, file, dataDir];
    const { stdout } = await execFileAsync(promtool, args, {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const details = error as { code?: unknown; stderr?: unknown; stdout?: unknown };
    throw new Error(
      `promtool could not backfill ${file} (exit ${String(details.code)}):\n${String(details.stderr ?? '')}${String(details.stdout ?? '')}`,
      { cause: error },
    );
  }
}

export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'pymem-prometheus-'));
  try {
    return await launch(dir, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function launch(dir: string, options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const dataDir = options.dataDir ?? join(dir, 'data');
  const files = [...(options.openMetricsFiles ?? [])];
  if (options.families !== undefined && options.families.length > 0) {
    const file = join(dir, 'fixtures.om');
    await writeOpenMetrics(file, options.families);
    files.push(file);
  }
  for (const file of files) await backfill(file, dataDir, options.promtoolBinary);
  const blocksWritten = await countBlocks(dataDir);

  const queryLogFile = join(dir, 'queries.log');
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(
    configFile,
    `global:\n  scrape_interval: 15s\n  query_log_file: ${JSON.stringify(queryLogFile)}\nscrape_configs: []\n`,
  );

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    options.prometheusBinary ?? 'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      // Fixtures use fixed historical timestamps; retention counts from the newest block.
      `--storage.tsdb.retention.time=${options.retentionTime ?? '100y'}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const guarded = guardChild(child, dir);
  const exited = guarded.exited;

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    // Keep the tail only: enough to explain a failure.
    stderr = (stderr + text).slice(-20_000);
  });
  child.once('error', (error) => {
    stderr += `\n${error.message}`;
  });

  const stop = async (): Promise<void> => {
    await guarded.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(url, exited, () => stderr, options.readyTimeoutMs ?? 30_000);
    await assertBlocksLoaded(url, blocksWritten, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }

  const queryLogEntries = async (): Promise<QueryLogEntry[]> => {
    let text: string;
    try {
      text = await readFile(queryLogFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(parseQueryLogLine);
  };

  return {
    url,
    dataDir,
    queryLogEntries,
    queryLog: async () => (await queryLogEntries()).map((entry) => entry.query),
    stop,
  };
}

const BLOCK_DIR = /^[0-9A-HJKMNP-TV-Z]{26}$/;

async function countBlocks(dataDir: string): Promise<number> {
  try {
    return (await readdir(dataDir)).filter((name) => BLOCK_DIR.test(name)).length;
  } catch {
    return 0;
  }
}

/**
 * Fails when Prometheus did not load every backfilled block: retention deletes blocks
 * older than (newest block - retention) at startup and says so only in its log.
 */
async function assertBlocksLoaded(url: string, written: number, stderr: () => string): Promise<void> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const loaded = Number(/^prometheus_tsdb_blocks_loaded (\S+)$/m.exec(text)?.[1]);
  if (loaded === written) return;
  const deleted = stderr()
    .split('\n')
    .filter((line) => /Deleting obsolete block|retention/i.test(line))
    .join('\n');
  throw new Error(
    `prometheus loaded ${loaded} of the ${written} backfilled blocks; retention or a bad block removed the rest ` +
      `(fixtures spanning more than the retention lose their older blocks):\n${deleted || stderr()}`,
  );
}

function parseQueryLogLine(line: string): QueryLogEntry {
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`unexpected query log line: ${line}`);
  const params = 'params' in parsed && typeof parsed.params === 'object' && parsed.params !== null ? parsed.params : {};
  const query = 'query' in params && typeof params.query === 'string' ? params.query : undefined;
  if (query === undefined) throw new Error(`query log line without params.query: ${line}`);
  const request = 'httpRequest' in parsed && typeof parsed.httpRequest === 'object' ? parsed.httpRequest : null;
  const path = request !== null && 'path' in request && typeof request.path === 'string' ? request.path : undefined;
  return { query, params: params as Record<string, unknown>, path };
}

async function waitUntilReady(
  url: string,
  exited: Promise<ChildExit>,
  stderr: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: ChildExit | null = null;
  void exited.then((e) => {
    exit = e;
  });
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exit !== null) {
      const { code, signal } = exit;
      throw new Error(`prometheus exited (code ${code}, signal ${signal}) before it was ready:\n${stderr()}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await response.text();
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`prometheus at ${url} was not ready after ${timeoutMs} ms (${lastProblem}):\n${stderr()}`);
}
