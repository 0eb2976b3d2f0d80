/**
 * Records real Python services under real load, scraped by a real Prometheus, as OpenMetrics
 * fixtures with metadata (test/fixtures/recorded/<id>.om + <id>.json).
 *
 *   scripts/record/setup.sh                                    # once: Debian packages
 *   npx tsx scripts/record/record.ts --list
 *   npx tsx scripts/record/record.ts [--only id[,id...]] [--parallel N] [--duration S] [--out DIR]
 *
 * Per recording: a temporary directory; for each instance a server (Gunicorn, Uvicorn or a Celery
 * worker) and its sidecar exporter (py/sidecar.py) on free loopback ports; one Prometheus scraping
 * every sidecar each second; the load generator (py/loadgen.py); the recipe's actions (signals) at
 * their times. At the end the raw samples are read back with one instant query of a range vector per
 * job, written as OpenMetrics, checked with promtool, and summarised into the notes.
 *
 * Every child runs in its own process group; all groups are killed on exit, on Ctrl-C and on
 * failure, and a watchdog shell kills them if this process dies without running its handlers.
 * Run by hand only (never in CI): it takes 10-15 minutes per recording.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type MetricFamily, type SeriesData, writeOpenMetrics } from '../../test/support/openmetrics';
import { type RecordingMeta, recordingMetaSchema } from '../../test/support/recordings';
import { RECIPES } from './recipes';
import { summarise } from './summary';
import type { Action, Recipe } from './types';

const execFileAsync = promisify(execFile);
const PY = '/usr/bin/python3';
const PY_DIR = resolve(__dirname, 'py');
const REPO = resolve(__dirname, '..', '..');
const SCRAPE_INTERVAL_S = 1;
const KEEP_FAMILIES = new Map<string, { name: string; type: 'gauge' | 'counter' }>([
  ['process_resident_memory_bytes', { name: 'process_resident_memory_bytes', type: 'gauge' }],
  ['http_requests_total', { name: 'http_requests', type: 'counter' }],
  ['celery_task_started_total', { name: 'celery_task_started', type: 'counter' }],
  ['container_spec_memory_limit_bytes', { name: 'container_spec_memory_limit_bytes', type: 'gauge' }],
  ['up', { name: 'up', type: 'gauge' }],
]);
const KEEP_LABELS = ['job', 'instance', 'pid', 'name', 'container'];

// ---------------------------------------------------------------------------------------------
// Process groups: every child is spawned detached (its own group) and remembered here.
// ---------------------------------------------------------------------------------------------
const groups = new Set<number>();
let groupsFile = '';

function track(child: ChildProcess): void {
  if (child.pid === undefined) throw new Error('spawn failed');
  groups.add(child.pid);
  if (groupsFile) appendFileSync(groupsFile, `${child.pid}\n`);
  child.once('exit', () => groups.delete(child.pid!));
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

function killAll(): void {
  for (const g of groups) killGroup(g, 'SIGKILL');
  groups.clear();
}

function installCleanup(workDir: string): void {
  groupsFile = join(workDir, 'groups');
  writeFileSync(groupsFile, '');
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      console.error(`record: ${sig}, killing children`);
      killAll();
      process.exit(130);
    });
  }
  // Watchdog: if this process is SIGKILLed, kill every group it started.
  const dog = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; for g in $(cat ${groupsFile}); do kill -9 -$g 2>/dev/null; done`],
    { detached: true, stdio: 'ignore' },
  );
  dog.unref();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

function start(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; log: string; cwd?: string }): ChildProcess {
  const fd = openSync(opts.log, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env, cwd: opts.cwd ?? PY_DIR });
  track(child);
  return child;
}

async function httpOk(url: string): Promise<string | null> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok ? await r.text() : null;
  } catch {
    return null;
  }
}

async function workerPids(masterPid: number): Promise<number[]> {
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'pid=,args=', '--ppid', String(masterPid)]);
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/resource_tracker|semaphore_tracker/.test(l))
      .map((l) => Number(l.split(/\s+/)[0]));
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// One recording
// ---------------------------------------------------------------------------------------------
interface Instance {
  readonly index: number;
  readonly appPort: number;
  readonly exporterPort: number;
  readonly server: ChildProcess;
  sidecar: ChildProcess;
}

interface Event {
  readonly at: number; // unix seconds
  readonly what: string;
}

function serviceName(r: Recipe): string {
  return `rec-${r.id}`;
}

function expectedWorkers(r: Recipe): number {
  return r.server.kind === 'celery' ? r.server.concurrency : r.server.workers;
}

function serverArgs(r: Recipe, appPort: number, node: string): string[] {
  const s = r.server;
  if (s.kind === 'gunicorn') {
    const a = ['/usr/bin/gunicorn', '-c', join(PY_DIR, 'gunicorn_conf.py'), '--chdir', PY_DIR, '-b', `127.0.0.1:${appPort}`];
    a.push('-w', String(s.workers), '-k', s.worker, '--timeout', '120', '--graceful-timeout', '10');
    if (s.worker === 'gthread') a.push('--threads', String(s.threads ?? 4));
    if (s.maxRequests) a.push('--max-requests', String(s.maxRequests), '--max-requests-jitter', String(s.maxRequestsJitter ?? 0));
    a.push('webapp:app');
    return a;
  }
  if (s.kind === 'uvicorn') {
    return ['-m', 'uvicorn', 'asgiapp:app', '--app-dir', PY_DIR, '--host', '127.0.0.1', '--port', String(appPort), '--workers', String(s.workers), '--no-access-log', '--timeout-keep-alive', '2'];
  }
  return ['-m', 'celery', '-A', 'celeryapp', 'worker', '-P', 'prefork', '-c', String(s.concurrency), '-Q', serviceName(r), '-n', node, '--without-gossip', '--without-mingle', '--without-heartbeat', '-O', 'fair', '--loglevel=INFO'];
}

export function serverDescription(r: Recipe): string {
  const s = r.server;
  const inst = `${r.instances} instance${r.instances > 1 ? 's' : ''}`;
  if (s.kind === 'gunicorn') {
    const kind = s.worker === 'gthread' ? `gthread (${s.threads ?? 4} threads)` : 'sync';
    const mr = s.maxRequests ? `, max_requests ${s.maxRequests} (jitter ${s.maxRequestsJitter ?? 0})` : '';
    return `gunicorn 20.1 ${kind}, ${s.workers} workers${mr}, Flask 2.2, ${inst}`;
  }
  if (s.kind === 'uvicorn') return `uvicorn 0.17 --workers ${s.workers}, plain ASGI app, ${inst}`;
  return `celery 5.2 prefork, concurrency ${s.concurrency}, RabbitMQ broker, ${inst}`;
}

function iso(unixSeconds: number): string {
  return new Date(Math.round(unixSeconds * 1000)).toISOString();
}

function rel(t: number, t0: number): string {
  const s = Math.round(t - t0);
  return `t+${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

async function record(r: Recipe, outDir: string, durationOverride: number | undefined): Promise<void> {
  const service = serviceName(r);
  const durationS = durationOverride ?? r.durationS;
  const dir = mkdtempSync(join(tmpdir(), `rec-${r.id}-`));
  const say = (msg: string): void => console.log(`[${r.id}] ${msg}`);
  say(`work dir ${dir}`);
  const lockDir = join(dir, 'lock');
  mkdirSync(lockDir);
  const mine: ChildProcess[] = [];
  const events: Event[] = [];
  const nuisances: string[] = [];
  const instances: Instance[] = [];
  let t0 = 0;
  try {
    // -- services and sidecars --------------------------------------------------------------
    // Like cAdvisor: each pod's container reports its own limit, and the default limit query sums
    // them into the service's budget.
      const perInstanceLimit = r.limitBytes === undefined || r.limitBytes === null ? r.limitBytes : Math.round(r.limitBytes / r.instances);
    for (let i = 0; i < r.instances; i++) {
      const mp = join(dir, `multiproc-${i}`);
      mkdirSync(mp);
      const appPort = await freePort();
      const exporterPort = await freePort();
      const config = { ...r.config, ...(r.instanceConfig?.[i] ?? {}) };
      const env: NodeJS.ProcessEnv = {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: dir,
        LANG: 'C.UTF-8',
        PYTHONUNBUFFERED: '1',
        PROMETHEUS_MULTIPROC_DIR: mp,
        PYMEM_CONFIG: JSON.stringify(config),
        PYMEM_LOCK_DIR: lockDir,
        PYMEM_QUEUE: service,
        ...(r.env ?? {}),
      };
      const node = `${service}-${i}@localhost`;
      const server = start(PY, serverArgs(r, appPort, node), { env, log: join(dir, `server-${i}.log`) });
      mine.push(server);
      const sidecarArgs = [join(PY_DIR, 'sidecar.py'), '--port', String(exporterPort), '--parent-pid', String(server.pid), '--multiproc-dir', mp, '--container', service];
      if (perInstanceLimit) sidecarArgs.push('--limit-bytes', String(perInstanceLimit));
      const sidecar = start(PY, sidecarArgs, { env: { ...env, PYMEM_CONFIG: '{}' }, log: join(dir, `sidecar-${i}.log`) });
      mine.push(sidecar);
      instances.push({ index: i, appPort, exporterPort, server, sidecar });
    }
    // -- wait until every instance serves and has all its workers -----------------------------
    const deadline = Date.now() + 120_000;
    for (const inst of instances) {
      for (;;) {
        if (Date.now() > deadline) throw new Error(`instance ${inst.index} not ready; see ${dir}/server-${inst.index}.log`);
        if (inst.server.exitCode !== null) throw new Error(`server ${inst.index} exited; see ${dir}/server-${inst.index}.log`);
        const metrics = await httpOk(`http://127.0.0.1:${inst.exporterPort}/metrics`);
        const nWorkers = metrics ? (metrics.match(/^process_resident_memory_bytes\{/gm) ?? []).length : 0;
        const appUp = r.server.kind === 'celery' ? /celery@|ready/i.test(readFileSync(join(dir, `server-${inst.index}.log`), 'utf8')) : (await httpOk(`http://127.0.0.1:${inst.appPort}/healthz`)) !== null;
        if (nWorkers >= expectedWorkers(r) && appUp) break;
        await sleep(500);
      }
    }
    await sleep(8000); // let per-worker start-up (ballast) settle
    // -- Prometheus -------------------------------------------------------------------------
    const promPort = await freePort();
    const promDir = join(dir, 'prometheus');
    mkdirSync(promDir);
    const targets = instances.map((i) => `'127.0.0.1:${i.exporterPort}'`).join(', ');
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        // One scrape a second: the fixtures are stretched in time afterwards (e.g. x36 turns a
        // 10-minute recording at 1 s spacing into 6 h at 36 s), so the recording itself must be dense.
        `  scrape_interval: ${SCRAPE_INTERVAL_S}s`,
        // A scrape must fit in its interval; a SIGSTOPped exporter then times out within the second (up = 0).
        '  scrape_timeout: 1s',
        'scrape_configs:',
        `  - job_name: '${service}'`,
        `    static_configs: [{ targets: [${targets}] }]`,
        '',
      ].join('\n'),
    );
    const prom = start(
      '/usr/bin/prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${promDir}`, `--web.listen-address=127.0.0.1:${promPort}`, '--storage.tsdb.retention.time=1d', '--log.level=warn'],
      { log: join(dir, 'prometheus.log'), cwd: dir },
    );
    mine.push(prom);
    const promUrl = `http://127.0.0.1:${promPort}`;
    for (let k = 0; ; k++) {
      if ((await httpOk(`${promUrl}/-/ready`)) !== null) break;
      if (k > 120) throw new Error('prometheus not ready');
      await sleep(500);
    }
    await sleep(3000);
    t0 = Date.now() / 1000;
    const tEnd = t0 + durationS;
    say(`recording ${durationS}s from ${iso(t0)}`);
    // -- load ---------------------------------------------------------------------------------
    const schedule = {
      mode: r.server.kind === 'celery' ? 'celery' : 'http',
      queue: service,
      targets: instances.map((i) => `http://127.0.0.1:${i.appPort}`),
      streams: r.streams,
    };
    writeFileSync(join(dir, 'schedule.json'), JSON.stringify(schedule, null, 1));
    const load = spawn(PY, [join(PY_DIR, 'loadgen.py'), join(dir, 'schedule.json')], {
      detached: true,
      stdio: ['ignore', 'pipe', openSync(join(dir, 'loadgen.log'), 'a')],
      cwd: PY_DIR,
      env: { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PYMEM_QUEUE: service, PYTHONUNBUFFERED: '1' },
    });
    track(load);
    mine.push(load);
    let loadDone = '';
    let buf = '';
    load.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const j = JSON.parse(line) as { at?: number; what?: string; done?: boolean };
          if (j.done) loadDone = line;
          else if (j.at !== undefined && j.what) events.push({ at: j.at, what: `traffic: ${j.what}` });
        } catch {
          /* ignore */
        }
      }
    });
    // -- actions ------------------------------------------------------------------------------
    // With --duration (a smoke run), action times shrink in proportion.
    const scale = durationS / r.durationS;
    const actionsDone = (r.actions ?? []).map((a) =>
      runAction(r, { ...a, at: a.at * scale, ...('forS' in a ? { forS: a.forS * scale } : {}) }, instances, t0, events, nuisances, dir, say),
    );
    while (Date.now() / 1000 < tEnd) await sleep(500);
    await Promise.all(actionsDone);
    const tStop = Date.now() / 1000;
    killGroup(load.pid!, 'SIGKILL');
    say(`load: ${loadDone || 'stopped at end of window'}`);
    // -- export -------------------------------------------------------------------------------
    await sleep(1500);
    const families = await exportFamilies(promUrl, service, t0, tEnd);
    mkdirSync(outDir, { recursive: true });
    const omPath = join(outDir, `${r.id}.om`);
    await writeOpenMetrics(omPath, families);
    await promtoolCheck(omPath, dir);
    const summary = summarise(families, t0, tEnd, r.limitBytes ?? null);
    const meta: RecordingMeta = {
      id: r.id,
      service,
      pattern: r.pattern,
      components: [...(r.components ?? [])],
      server: serverDescription(r),
      cause: r.cause,
      nuisances: [...nuisances, ...(r.extraNuisances ?? [])],
      events: events.sort((a, b) => a.at - b.at).map((e) => ({ at: iso(e.at), what: `${e.what} (${rel(e.at, t0)})` })),
      start: iso(t0),
      end: iso(tEnd),
      scrapeIntervalSeconds: SCRAPE_INTERVAL_S,
      limitBytes: r.limitBytes ?? null,
      notes: `${r.reading} Data: ${summary.text}`,
    };
    recordingMetaSchema.parse(meta);
    writeFileSync(join(outDir, `${r.id}.json`), `${JSON.stringify(meta, null, 2)}\n`);
    writeFileSync(join(dir, 'table.txt'), summary.table);
    say(`wrote ${omPath} (${tStop - t0 > 0 ? Math.round(tStop - t0) : 0}s)\n${summary.table}`);
  } finally {
    for (const c of mine) if (c.pid !== undefined) killGroup(c.pid, 'SIGTERM');
    await sleep(3000);
    for (const c of mine) if (c.pid !== undefined) killGroup(c.pid, 'SIGKILL');
    if (!process.env['RECORD_KEEP_TMP'] && t0 > 0) rmSync(join(dir, 'prometheus'), { recursive: true, force: true });
  }
}

async function runAction(r: Recipe, a: Action, instances: Instance[], t0: number, events: Event[], nuisances: string[], dir: string, say: (m: string) => void): Promise<void> {
  const waitUntil = async (t: number): Promise<void> => {
    const ms = t * 1000 - Date.now();
    if (ms > 0) await sleep(ms);
  };
  await waitUntil(t0 + a.at);
  const inst = instances[a.instance];
  if (!inst) throw new Error(`action on missing instance ${a.instance}`);
  const name = `instance ${a.instance + 1} (127.0.0.1:${inst.exporterPort})`;
  const now = (): number => Date.now() / 1000;
  switch (a.kind) {
    case 'stop-exporter': {
      const t1 = now();
      process.kill(inst.sidecar.pid!, 'SIGSTOP');
      events.push({ at: t1, what: `exporter of ${name} stopped (SIGSTOP): scrapes time out, up = 0` });
      await waitUntil(t1 + a.forS);
      const t2 = now();
      process.kill(inst.sidecar.pid!, 'SIGCONT');
      events.push({ at: t2, what: `exporter of ${name} resumed (SIGCONT)` });
      nuisances.push(`exporter outage: ${name}'s sidecar SIGSTOPped from ${iso(t1)} to ${iso(t2)} (${rel(t1, t0)} to ${rel(t2, t0)}); the workers kept running and serving`);
      break;
    }
    case 'kill-worker': {
      const pids = await workerPids(inst.server.pid!);
      const victim = pids[Math.floor(pids.length / 2)];
      if (victim === undefined) throw new Error('no worker to kill');
      const t1 = now();
      process.kill(victim, 'SIGKILL');
      events.push({ at: t1, what: `SIGKILL to worker pid ${victim} of ${name}; the master respawns a new pid` });
      nuisances.push(`worker killed: SIGKILL to pid ${victim} of ${name} at ${iso(t1)} (${rel(t1, t0)}); replaced by a fresh worker`);
      break;
    }
    case 'hup': {
      const t1 = now();
      process.kill(inst.server.pid!, 'SIGHUP');
      events.push({ at: t1, what: `SIGHUP to the Gunicorn master of ${name}: every worker replaced` });
      nuisances.push(`HUP reload: SIGHUP to the master of ${name} at ${iso(t1)} (${rel(t1, t0)}); every worker pid replaced`);
      break;
    }
    case 'ttin': {
      const t1 = now();
      for (let k = 0; k < a.count; k++) {
        if (k > 0) await waitUntil(t1 + k * a.spacingS);
        process.kill(inst.server.pid!, 'SIGTTIN');
        events.push({ at: now(), what: `SIGTTIN to the Gunicorn master of ${name}: one more worker` });
      }
      break;
    }
    case 'pool-grow': {
      const t1 = now();
      const env = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PYMEM_QUEUE: serviceName(r), PROMETHEUS_MULTIPROC_DIR: join(dir, 'lock') };
      const { stdout } = await execFileAsync(PY, ['-m', 'celery', '-A', 'celeryapp', 'control', '-d', `${serviceName(r)}-${a.instance}@localhost`, 'pool_grow', String(a.n)], { cwd: PY_DIR, env, timeout: 30_000 });
      events.push({ at: t1, what: `celery control pool_grow ${a.n} to ${name}: ${a.n} more pool processes` });
      say(`pool_grow: ${stdout.trim().replace(/\s+/g, ' ')}`);
      break;
    }
  }
}

interface PromMatrix {
  readonly status: string;
  readonly data: { readonly resultType: string; readonly result: { metric: Record<string, string>; values: [number, string][] }[] };
}

async function exportFamilies(promUrl: string, service: string, t0: number, tEnd: number): Promise<MetricFamily[]> {
  const range = Math.ceil(tEnd - t0) + 5;
  const q = `{job="${service}"}[${range}s]`;
  const url = `${promUrl}/api/v1/query?query=${encodeURIComponent(q)}&time=${tEnd.toFixed(3)}`;
  const body = (await (await fetch(url)).json()) as PromMatrix;
  if (body.status !== 'success' || body.data.resultType !== 'matrix') throw new Error(`export query failed: ${JSON.stringify(body).slice(0, 300)}`);
  const byFamily = new Map<string, SeriesData[]>();
  for (const s of body.data.result) {
    const metricName = s.metric['__name__'] ?? '';
    if (!KEEP_FAMILIES.has(metricName)) continue;
    const labels: Record<string, string> = {};
    for (const l of KEEP_LABELS) if (s.metric[l] !== undefined) labels[l] = s.metric[l]!;
    const samples = s.values.filter(([t]) => t >= t0 && t <= tEnd).map(([t, v]) => ({ tSeconds: Math.round(t * 1000) / 1000, value: Number(v) }));
    if (samples.length === 0) continue;
    const list = byFamily.get(metricName) ?? [];
    list.push({ labels, samples });
    byFamily.set(metricName, list);
  }
  const out: MetricFamily[] = [];
  for (const [metricName, fam] of KEEP_FAMILIES) {
    const series = byFamily.get(metricName);
    if (!series) continue;
    series.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
    out.push({ name: fam.name, type: fam.type, series });
  }
  return out;
}

async function promtoolCheck(omPath: string, dir: string): Promise<void> {
  const blocks = join(dir, 'promtool-blocks');
  rmSync(blocks, { recursive: true, force: true });
  mkdirSync(blocks);
  await execFileAsync('/usr/bin/promtool', ['tsdb', 'create-blocks-from', 'openmetrics', omPath, blocks], { timeout: 120_000 });
  rmSync(blocks, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--list')) {
    for (const r of RECIPES) console.log(`${r.id.padEnd(40)} ${r.pattern.padEnd(26)} ${Math.round(r.durationS / 60)}min  ${serverDescription(r)}`);
    return;
  }
  const ids = new Set(RECIPES.map((r) => r.id));
  if (ids.size !== RECIPES.length) throw new Error('duplicate recipe ids');
  const only = opt('--only')?.split(',');
  for (const id of only ?? []) if (!ids.has(id)) throw new Error(`no recipe "${id}" (see --list)`);
  const chosen = only ? only.map((id) => RECIPES.find((r) => r.id === id)!) : [...RECIPES]; // in the order given
  const parallel = Math.min(3, Math.max(1, Number(opt('--parallel') ?? 1)));
  const duration = opt('--duration') !== undefined ? Number(opt('--duration')) : undefined;
  const outDir = resolve(opt('--out') ?? join(REPO, 'test', 'fixtures', 'recorded'));
  if (!existsSync('/usr/bin/gunicorn')) throw new Error('run scripts/record/setup.sh first');
  const work = mkdtempSync(join(tmpdir(), 'record-'));
  installCleanup(work);
  const queue = [...chosen];
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: parallel }, async (_, k) => {
      await sleep(k * 4000); // stagger start-ups (ballast loading is CPU-heavy)
      for (let r = queue.shift(); r; r = queue.shift()) {
        try {
          await record(r, outDir, duration);
        } catch (e) {
          console.error(`[${r.id}] FAILED: ${e instanceof Error ? e.stack : String(e)}`);
          failures.push(r.id);
        }
      }
    }),
  );
  killAll();
  if (failures.length > 0) {
    console.error(`failed: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  killAll();
  process.exit(1);
});
