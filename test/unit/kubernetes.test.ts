/**
 * deploy/kubernetes: both overlays rendered by kustomize (kubectl 1.32 on this machine, see
 * TOOLCHAIN.md), every object validated against the Kubernetes API schemas (kubernetes-models),
 * and the manifests checked against what the bot really does: the env var names its config reads,
 * the port and paths it serves health on, its shutdown deadline, the image's uid, the one path
 * Slack posts to.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Service, type IConfigMap, type IPersistentVolumeClaim, type IService } from 'kubernetes-models/v1';
import type { IIoK8sApiCoreV1Container as Container, IIoK8sApiCoreV1EnvVar as EnvVar } from 'kubernetes-models/v1';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { loadBotConfig, secretsOf, shutdownDeadlineMs, type BotConfig } from '../../src/config/bot';
import { accessAllows } from '../../src/domain/access';
import { DemoSource } from '../../src/metrics/demo';
import { healthHandlers, startHealthServer } from '../../src/observability/health';
import { PrometheusTelemetry } from '../../src/observability/prometheus-metrics';
import { SqliteStore } from '../../src/store/sqlite';

const ROOT = join(__dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy', 'kubernetes');

/** The API types the manifests may use; anything else fails the test until its model is added here. */
const MODELS: Readonly<Record<string, new (data: never) => { validate(): void }>> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
};

interface Rendered {
  readonly docs: readonly unknown[];
  readonly deployment: IDeployment;
  readonly container: Container;
  readonly services: readonly IService[];
  readonly configMaps: readonly IConfigMap[];
  readonly claims: readonly IPersistentVolumeClaim[];
  readonly budgets: readonly IPodDisruptionBudget[];
  readonly ingresses: readonly IIngress[];
}

function render(overlay: string): Rendered {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(DEPLOY, overlay)], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`kubectl kustomize ${overlay} failed (kubectl 1.32 with kustomize 5 is needed, see TOOLCHAIN.md)`, { cause: error });
  }
  const docs = parseAllDocuments(out).map((d) => {
    if (d.errors.length > 0) throw new Error(`${overlay}: ${d.errors[0]!.message}`);
    return d.toJS() as unknown;
  });
  const deployments = docs.filter(Deployment.is);
  expect(deployments, `${overlay}: one Deployment`).toHaveLength(1);
  const containers = deployments[0]!.spec?.template.spec?.containers ?? [];
  expect(containers, `${overlay}: one container`).toHaveLength(1);
  return {
    docs,
    deployment: deployments[0]!,
    container: containers[0]!,
    services: docs.filter(Service.is),
    configMaps: docs.filter(ConfigMap.is),
    claims: docs.filter(PersistentVolumeClaim.is),
    budgets: docs.filter(PodDisruptionBudget.is),
    ingresses: docs.filter(Ingress.is),
  };
}

/** Stand-ins for the Secret's keys: valid in form, so the bot's config accepts them. */
const SECRET_VALUES: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: 'xoxb-k8s-test-token',
  SLACK_SIGNING_SECRET: 'k8s-test-signing-secret',
  DATABASE_URL: 'postgres://pymem:k8s-test-password@db.internal:5432/pymem',
};

/** The Secret of an OAuth-mode overlay: the app's credentials and no single bot token. */
const OAUTH_SECRET_VALUES: Readonly<Record<string, string>> = {
  SLACK_CLIENT_ID: '1234567890.0987654321',
  SLACK_CLIENT_SECRET: 'k8s-test-client-secret',
  SLACK_STATE_SECRET: 'k8s-test-state-secret-0123456789abcdef0123456789abcdef',
  SLACK_SIGNING_SECRET: 'k8s-test-signing-secret',
  DATABASE_URL: 'postgres://pymem:k8s-test-password@db.internal:5432/pymem',
};

const isOAuth = (overlay: string): boolean => overlay.endsWith('-oauth');
const secretValuesFor = (overlay: string): Readonly<Record<string, string>> => (isOAuth(overlay) ? OAUTH_SECRET_VALUES : SECRET_VALUES);

/** The container's environment as the bot would see it: literal values, and the stand-ins for the Secret's keys it has. */
function environment(env: readonly EnvVar[], configFile: string, secretValues: Readonly<Record<string, string>> = SECRET_VALUES): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const e of env) {
    const key = e.valueFrom?.secretKeyRef?.key;
    out[e.name] = key !== undefined ? secretValues[key] : e.value;
  }
  // The ConfigMap's file, written where this test can read it (checked against the mount below).
  out['PYMEM_CONFIG'] = configFile;
  return out;
}

/** Loads the bot's config from `values`, recording every variable name the loader reads. */
function loadRecording(values: Record<string, string | undefined>): { config: BotConfig; read: Set<string> } {
  const read = new Set<string>();
  const env = new Proxy(values, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return typeof key === 'string' ? target[key] : undefined;
    },
  });
  return { config: loadBotConfig(env, { cores: 2 }), read };
}

/** The container port a probe or Service port refers to (by name or number). */
function containerPort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return container.ports?.find((p) => p.containerPort === port)?.containerPort;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

const tmp = mkdtempSync(join(tmpdir(), 'pymem-k8s-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The ConfigMap mounted at PYMEM_CONFIG's directory, written to a file; fails unless the mount and the key line up. */
function mountedConfigFile(r: Rendered): string {
  const path = r.container.env?.find((e) => e.name === 'PYMEM_CONFIG')?.value;
  expect(path, 'PYMEM_CONFIG is set').toBeDefined();
  const mount = r.container.volumeMounts?.find((m) => m.mountPath === dirname(path!));
  expect(mount, `a volume is mounted at ${dirname(path!)}`).toBeDefined();
  const volume = r.deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount!.name);
  const configMap = r.configMaps.find((c) => c.metadata?.name === volume?.configMap?.name);
  const content = configMap?.data?.[basename(path!)];
  expect(content, `the ConfigMap mounted at ${mount!.mountPath} has ${basename(path!)}`).toBeDefined();
  const file = join(tmp, `${r.deployment.metadata?.name ?? 'pymem'}-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, content!);
  return file;
}

/** Numeric uid of the Dockerfile's runtime USER. */
function imageUid(): number {
  const users = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^USER\s+(\d+)/gm)];
  expect(users.length, 'the Dockerfile sets a numeric USER').toBeGreaterThan(0);
  return Number(users.at(-1)![1]);
}

/** The paths Bolt's HTTPReceiver serves Slack on, as written in src/app.ts. */
function slackEndpoints(): string[] {
  const source = readFileSync(join(ROOT, 'src', 'app.ts'), 'utf8');
  return [...source.matchAll(/endpoints:\s*'([^']+)'/g)].map((m) => m[1]!);
}

/** The install page and Slack's redirect in OAuth mode, as written in src/app.ts. */
function oauthPaths(): string[] {
  const source = readFileSync(join(ROOT, 'src', 'app.ts'), 'utf8');
  const paths = [...source.matchAll(/export const (?:INSTALL|REDIRECT)_PATH = '([^']+)'/g)].map((m) => m[1]!);
  expect(paths).toHaveLength(2);
  return paths;
}

const OVERLAYS = ['single-sqlite', 'ha-postgres', 'ha-postgres-oauth'] as const;

/** One overlay rendered, and the bot's config loaded from its environment and ConfigMap; once, on first use inside a test. */
function overlayUnderTest(overlay: string): () => Rendered & { env: readonly EnvVar[]; config: BotConfig; read: Set<string> } {
  let cached: ReturnType<ReturnType<typeof overlayUnderTest>> | null = null;
  return () => {
    if (cached) return cached;
    const r = render(overlay);
    const env = r.container.env ?? [];
    cached = { ...r, env, ...loadRecording(environment(env, mountedConfigFile(r), secretValuesFor(overlay))) };
    return cached;
  };
}

describe.each(OVERLAYS)('deploy/kubernetes/%s', (overlay) => {
  const get = overlayUnderTest(overlay);

  it('is valid against the Kubernetes API schemas, object by object', () => {
    const r = get();
    expect(r.docs.length).toBeGreaterThan(3);
    for (const doc of r.docs) {
      const meta = doc as { apiVersion?: unknown; kind?: unknown };
      const Model = MODELS[`${String(meta.apiVersion)}/${String(meta.kind)}`];
      expect(Model, `a model for ${String(meta.apiVersion)} ${String(meta.kind)}`).toBeDefined();
      expect(() => new Model!(doc as never).validate()).not.toThrow();
    }
  });

  it('sets only variables the bot reads, with values it accepts, and secrets only from the Secret', () => {
    const r = get();
    const { env, config, read } = r;
    // The loader read every variable it knows about (a guard on the recorder itself).
    for (const known of ['SLACK_BOT_TOKEN', 'PORT', 'PYMEM_SHUTDOWN_DRAIN', 'PROMETHEUS_PASSWORD', 'PYMEM_DIGEST_CRON']) expect(read).toContain(known);
    const names = env.map((e) => e.name);
    expect(new Set(names).size, 'no variable twice').toBe(names.length);
    for (const name of names) expect(read, `${name} is read by src/config`).toContain(name);

    const oauth = isOAuth(overlay) ? ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] : [];
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'PROMETHEUS_BEARER_TOKEN', 'PROMETHEUS_USERNAME', 'PROMETHEUS_PASSWORD', ...oauth]) {
      const e = env.find((v) => v.name === name);
      expect(e?.valueFrom?.secretKeyRef, `${name} from a Secret`).toBeDefined();
      expect(e?.value).toBeUndefined();
    }
    // What the bot scrubs from its logs as secret never appears as a literal value.
    const secrets = secretsOf(config);
    if (isOAuth(overlay)) {
      expect(config.slack?.oauth, 'OAuth mode is on').toBeTruthy();
      expect(secrets).toContain(OAUTH_SECRET_VALUES['SLACK_CLIENT_SECRET']);
      expect(secrets).toContain(OAUTH_SECRET_VALUES['SLACK_STATE_SECRET']);
    } else {
      expect(secrets).toContain(SECRET_VALUES['SLACK_BOT_TOKEN']);
    }
    for (const e of env) if (e.value !== undefined) expect(secrets).not.toContain(e.value);
  });

  it('probes the health endpoints on the port the bot listens on', async () => {
    const r = get();
    const { config } = r;
    const port = r.container.ports?.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(config.port);
    const probes = { startup: r.container.startupProbe, liveness: r.container.livenessProbe, readiness: r.container.readinessProbe };
    expect(probes.liveness?.httpGet?.path).toBe('/healthz');
    expect(probes.readiness?.httpGet?.path).toBe('/readyz');

    const store = SqliteStore.open(':memory:');
    await store.migrate();
    const deps = { store, source: new DemoSource(), telemetry: new PrometheusTelemetry(), shuttingDown: () => false };
    const served = Object.keys(healthHandlers(deps));
    const { server, port: bound } = await startHealthServer(deps, 0, '127.0.0.1');
    try {
      for (const [kind, probe] of Object.entries(probes)) {
        expect(probe?.httpGet, `${kind} probe over HTTP`).toBeDefined();
        expect(containerPort(r.container, probe!.httpGet!.port), `${kind} probe port`).toBe(config.port);
        expect(served, `${kind} probe path is served by health.ts`).toContain(probe!.httpGet!.path);
        const res = await fetch(`http://127.0.0.1:${bound}${probe!.httpGet!.path}`);
        expect(res.status, `${kind} probe answers`).toBe(200);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    }
    // /readyz waits up to 2 s for each check.
    expect(probes.readiness?.timeoutSeconds ?? 1).toBeGreaterThan(2);
  });

  it('lets the bot finish its shutdown before the kubelet kills it', () => {
    const r = get();
    const { config } = r;
    const podSpec = r.deployment.spec!.template.spec!;
    expect((podSpec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(shutdownDeadlineMs(config));
    expect(config.shutdownDrainMs, 'a drain, so no preStop sleep is needed').toBeGreaterThan(0);
  });

  it('runs as the image user, without privileges, on a read-only root with writable /data and /tmp', () => {
    const r = get();
    const podSpec = r.deployment.spec!.template.spec!;
    const uid = imageUid();
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } });
    expect(r.container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const mounts = new Map((r.container.volumeMounts ?? []).map((m) => [m.mountPath, m]));
    for (const path of ['/data', '/tmp']) expect(mounts.get(path)?.readOnly ?? false, `${path} writable`).toBe(false);
    expect(r.container.resources?.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(r.container.resources?.limits).toMatchObject({ memory: expect.anything() });
  });

  it('ships a config that loads and denies unlisted channels', () => {
    const r = get();
    const { config } = r;
    const access = config.app.access;
    expect(access?.unlisted).toBe('deny');
    const [listed, services] = Object.entries(access!.channels)[0]!;
    expect(accessAllows(access, listed, services[0]!)).toBe(true);
    expect(accessAllows(access, listed, 'some-other-team-api')).toBe(false);
    expect(accessAllows(access, 'C999NOTLISTED', services[0]!)).toBe(false);
  });

  it('publishes, if anything, only the path Slack posts to', () => {
    const r = get();
    const { config } = r;
    const service = r.services.find((s) => s.metadata?.name === 'pymem');
    expect(service?.spec?.selector).toEqual(r.deployment.spec?.template.metadata?.labels);
    for (const p of service!.spec!.ports!) expect(containerPort(r.container, p.targetPort)).toBe(config.port);
    expect(slackEndpoints()).toEqual(['/slack/events']);
    const endpoints = [...slackEndpoints(), ...(isOAuth(overlay) ? oauthPaths() : [])];
    for (const ingress of r.ingresses) {
      const paths = (ingress.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []);
      expect(paths.map((p) => p.path)).toEqual(endpoints);
      for (const p of paths) {
        expect(p.pathType).toBe('Exact');
        expect(p.backend.service?.name).toBe(service!.metadata!.name);
        expect(service!.spec!.ports!.some((sp) => sp.name === p.backend.service?.port?.name || sp.port === p.backend.service?.port?.number)).toBe(true);
      }
      expect(ingress.spec?.defaultBackend).toBeUndefined();
    }
  });
});

describe('the overlays differ where they must', () => {
  it('single-sqlite: one replica, recreated, its database on a PersistentVolumeClaim', () => {
    const r = render('single-sqlite');
    expect(r.deployment.spec?.replicas).toBe(1);
    expect(r.deployment.spec?.strategy).toEqual({ type: 'Recreate' });
    const url = r.container.env?.find((e) => e.name === 'DATABASE_URL');
    expect(url?.value).toBeDefined();
    const { config } = loadRecording(environment(r.container.env ?? [], mountedConfigFile(r)));
    expect(config.database.kind).toBe('sqlite');
    const path = config.database.kind === 'sqlite' ? config.database.path : '';
    const mount = r.container.volumeMounts?.find((m) => m.mountPath === dirname(path));
    const volume = r.deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.persistentVolumeClaim?.claimName, `${dirname(path)} is on a claim`).toBeDefined();
    expect(r.claims.map((c) => c.metadata?.name)).toContain(volume!.persistentVolumeClaim!.claimName);
    expect(r.budgets).toHaveLength(0);
  });

  it('ha-postgres: three replicas on PostgreSQL from the Secret, a disruption budget, no volume claim', () => {
    const r = render('ha-postgres');
    expect(r.deployment.spec?.replicas).toBe(3);
    const url = r.container.env?.find((e) => e.name === 'DATABASE_URL');
    expect(url?.valueFrom?.secretKeyRef).toMatchObject({ name: 'pymem', key: 'DATABASE_URL' });
    expect(url?.valueFrom?.secretKeyRef?.optional ?? false).toBe(false);
    const { config } = loadRecording(environment(r.container.env ?? [], mountedConfigFile(r)));
    expect(config.database.kind).toBe('postgres');
    expect(secretsOf(config)).toContain('k8s-test-password');
    expect(r.budgets).toHaveLength(1);
    const pdb = r.budgets[0]!.spec!;
    expect(pdb.maxUnavailable === 1 || pdb.minAvailable === 2).toBe(true);
    expect(pdb.selector?.matchLabels).toEqual(r.deployment.spec?.selector.matchLabels);
    expect(r.claims).toHaveLength(0);
    expect(r.ingresses).toHaveLength(1);
  });
});
