/**
 * End to end through what stands in front of a hosted backend: an HTTPS reverse proxy with a
 * certificate from a throwaway private CA, serving the API under `/prometheus`, wanting a tenant
 * (X-Scope-OrgID, as Mimir and Cortex do) and credentials, and forwarding to a real Prometheus.
 * `pymem analyze` (the dist binary) must diagnose through it with the right settings, and each
 * missing setting must fail with exit code 4 (3 when the setting itself is bad) and one line that
 * names what to fix. The analysis threads of the bot must trust the CA too.
 */

import { execFile } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPoolEngine } from '../../src/analysis/pool';
import { loadConfig } from '../../src/config/load';
import { formatWindow } from '../../src/domain/format';
import { SCENARIOS, SCENARIO_END_MS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pymem.js');
const END_ISO = new Date(SCENARIO_END_MS).toISOString();
const SCENARIO = SCENARIOS.find((s) => s.id === 'one-diurnal-16w-24h')!;
const TENANT = 'team-a';
const USER = 'alice';
const PASSWORD = 'pw-S3CRET-proxy';
const TOKEN = 'tok-S3CRET-proxy';

let dir: string;
let prom: RunningPrometheus;
let proxy: Server;
let proxyUrl: string;
let caFile: string;
/** What reached the proxy: path and the headers it checks. */
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];

async function openssl(args: readonly string[]): Promise<void> {
  await execFileAsync('openssl', args, { cwd: dir });
}

/** A CA, and a certificate for 127.0.0.1 signed by it (EC P-256, two days). */
async function makeCertificates(): Promise<{ key: Buffer; cert: Buffer }> {
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=pymem throwaway CA']);
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { key: await readFile(join(dir, 'server.key')), cert: await readFile(join(dir, 'server.pem')) };
}

/** The gate a hosted backend puts in front of its API; anything it refuses is answered the way Mimir's gateway does. */
function startProxy(tls: { key: Buffer; cert: Buffer }): Promise<Server> {
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const server = createServer(tls, (req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, headers: req.headers });
    if (!path.startsWith('/prometheus/')) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
    const tenant = req.headers['x-scope-orgid'];
    if (tenant === undefined) return void res.writeHead(401, { 'Content-Type': 'text/plain' }).end('no org id\n');
    if (req.headers.authorization !== basic && req.headers.authorization !== `Bearer ${TOKEN}`) {
      return void res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Basic realm="metrics"' }).end('Unauthorized\n');
    }
    if (tenant !== TENANT) return void res.writeHead(403, { 'Content-Type': 'text/plain' }).end(`tenant ${String(tenant)} may not read here\n`);
    const upstream = new URL(prom.url);
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: path.slice('/prometheus'.length), headers: { accept: req.headers.accept ?? '*/*' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => res.writeHead(502).end(error.message));
    req.pipe(forward);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnCli(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const analyze = (env: Record<string, string>, extra: readonly string[] = []): Promise<Run> =>
  spawnCli(['analyze', SCENARIO.spec.service, '--end', END_ISO, '--window', formatWindow(SCENARIO.spec.windowMs), '--json', ...extra], env);

/** Every setting right, basic auth. */
const good = (): Record<string, string> => ({
  PROMETHEUS_URL: `${proxyUrl}/prometheus`,
  PROMETHEUS_TENANT: TENANT,
  PROMETHEUS_USERNAME: USER,
  PROMETHEUS_PASSWORD: PASSWORD,
  PROMETHEUS_CA_FILE: caFile,
});

function expectOneLineFailure(run: Run, code: number, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^pymem: /);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toContain(PASSWORD);
  expect(run.stderr).not.toContain(TOKEN);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pymem-proxy-'));
  caFile = join(dir, 'ca.pem');
  const tls = await makeCertificates();
  prom = await startPrometheus({ families: familiesFor([SCENARIO.spec]), readyTimeoutMs: 60_000 });
  proxy = await startProxy(tls);
  const address = proxy.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy port');
  proxyUrl = `https://127.0.0.1:${address.port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await prom?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('pymem analyze through an HTTPS proxy with a tenant, credentials and a private CA', () => {
  it('diagnoses with basic auth, the tenant and the CA file, keeping the /prometheus prefix on every request', async () => {
    seen.length = 0;
    const run = await analyze(good());
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { pattern: string }).pattern).toBe(SCENARIO.label);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (const { path, headers } of seen) {
      expect(path).toMatch(/^\/prometheus\/api\/v1\/query_range\?/);
      expect(headers['x-scope-orgid']).toBe(TENANT);
    }
  }, 60_000);

  it('diagnoses with a bearer token, the tenant, the CA file and extra headers from the config file', async () => {
    const config = join(dir, 'bearer.yml');
    await writeFile(
      config,
      `prometheus:\n  url: ${proxyUrl}/prometheus/\n  tenant: ${TENANT}\n  caFile: ${caFile}\n  bearerToken: ${TOKEN}\n  headers:\n    X-Team: payments\n`,
    );
    seen.length = 0;
    const run = await analyze({ PYMEM_CONFIG: config });
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { pattern: string }).pattern).toBe(SCENARIO.label);
    expect(seen.length).toBeGreaterThan(0);
    for (const { path, headers } of seen) {
      expect(path).toMatch(/^\/prometheus\/api\/v1\//);
      expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(headers['x-team']).toBe('payments');
    }
  }, 60_000);

  it('without the tenant: exit 4, and the line says to set PROMETHEUS_TENANT', async () => {
    const { PROMETHEUS_TENANT: _, ...env } = good();
    expectOneLineFailure(await analyze(env), 4, /HTTP 401 Unauthorized \("no org id"\): it wants a tenant; set PROMETHEUS_TENANT/);
  }, 60_000);

  it('with the wrong password: exit 4, and the line says to check the credentials', async () => {
    expectOneLineFailure(await analyze({ ...good(), PROMETHEUS_PASSWORD: 'wrong' }), 4, /HTTP 401 Unauthorized \("Unauthorized"\): check the credentials/);
  }, 60_000);

  it('with a tenant the proxy does not allow: exit 4, Forbidden', async () => {
    expectOneLineFailure(await analyze({ ...good(), PROMETHEUS_TENANT: 'team-b' }), 4, /HTTP 403 Forbidden/);
  }, 60_000);

  it('without the CA file: exit 4, a TLS error that says to set PROMETHEUS_CA_FILE', async () => {
    const { PROMETHEUS_CA_FILE: _, ...env } = good();
    expectOneLineFailure(await analyze(env), 4, /TLS failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\).*set PROMETHEUS_CA_FILE/);
  }, 60_000);

  it('without the path prefix: exit 4, and the line mentions the path prefix', async () => {
    expectOneLineFailure(await analyze({ ...good(), PROMETHEUS_URL: proxyUrl }), 4, /path prefix/);
  }, 60_000);

  it.each([
    ['a CA file that does not exist', { PROMETHEUS_CA_FILE: '/nonexistent/ca.pem' }, /^pymem: .*PROMETHEUS_CA_FILE: cannot read the CA file \/nonexistent\/ca.pem \(no such file\)/],
    ['a CA file that is not PEM', { PROMETHEUS_CA_FILE: BIN }, /PROMETHEUS_CA_FILE: .* is not a PEM certificate file/],
    ['a tenant with a newline', { PROMETHEUS_TENANT: 'team-a\nX-Evil: 1' }, /PROMETHEUS_TENANT: contains a control character/],
  ])('refuses %s at start-up: exit 3, one line naming the setting', async (_what, bad, pattern) => {
    seen.length = 0;
    expectOneLineFailure(await analyze({ ...good(), ...bad }), 3, pattern);
    expect(seen).toHaveLength(0);
  }, 60_000);
});

describe('the analysis threads', () => {
  it('trust the CA file and send the tenant and credentials (a digest measurement on a worker thread)', async () => {
    const measure = async (env: Record<string, string>, showSource = true): Promise<string> => {
      const engine = new WorkerPoolEngine({ app: loadConfig({ env }), demo: false }, { threads: 1, maxConcurrent: 1, backgroundConcurrent: 1 });
      try {
        const { measurement, internalError, backendError } = await engine.measure({ service: SCENARIO.spec.service, endMs: SCENARIO_END_MS, windowMs: 86_400_000, timeoutMs: 30_000, showSource });
        expect(internalError).toBeNull();
        // Whatever the digest may show, the full backend error comes back for the logs.
        if (measurement.entry.kind === 'error') expect(backendError?.message).toMatch(/PROMETHEUS_CA_FILE/);
        return measurement.entry.kind === 'error' ? `error: ${measurement.entry.message}` : measurement.entry.kind;
      } finally {
        await engine.close();
      }
    };
    seen.length = 0;
    expect(await measure(good())).toBe('measured');
    expect(seen.length).toBeGreaterThan(0);
    const { PROMETHEUS_CA_FILE: _, ...withoutCa } = good();
    expect(await measure(withoutCa)).toMatch(/^error: .*set PROMETHEUS_CA_FILE/);
    // Posted to a channel by default, the entry leaves the address and the TLS details to the logs.
    expect(await measure(withoutCa, false)).toBe('error: The metrics backend could not be reached; the details are in pymem’s logs.');
  }, 120_000);
});
