/**
 * Composition root: configuration -> implementations -> Bolt app. The only module that wires
 * concrete classes together; everything else receives them.
 */

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver, type CustomRoute, type InstallationStore } from '@slack/bolt';
import { registerInstallations } from '../handlers/installations';
import { InstallationGateway } from './installations/gateway';
import { StoreInstallationStore } from './installations/bolt-store';
import { BOT_SCOPES } from './slack/scopes';
import { hardenBoltBodyParsing } from './slack/bolt-hardening';
import { healthRoutes, startHealthServer, type SocketState } from './observability/health';
import { PrometheusTelemetry } from './observability/prometheus-metrics';
import type { Telemetry } from './observability/telemetry';
import type { Logger } from 'pino';
import { registerActions, registerDigestActions, registerOtherActions } from '../handlers/actions';
import { registerCommand } from '../handlers/command';
import { registerVerifyActions } from '../handlers/verify';
import { startVerification, verificationSource } from './bot/verify-wiring';
import { registerIncidentActions } from '../handlers/incident';
import { registerHome } from '../handlers/home';
import { HomeService } from './bot/home';
import { nextDigestRun } from './digest/next-run';
import { IncidentService } from './bot/incidents';
import { DoctorService } from './bot/doctor';
import { ChannelCheck } from './bot/channel-check';
import { Subscriptions } from './bot/subscriptions';
import { InlineEngine, type AnalysisEngine } from './analysis/engine';
import { WorkerPoolEngine } from './analysis/pool';
import { analysisDepsFor, metricsSourceFor as sourceForSpec, stepMsFor, type AnalysisSpec } from './analysis/source';
import { DigestRunner, type RunnerDeps } from './digest/digest-runner';
import { currentInstallation, withInstallation, type InstallationScope } from './installations/scope';
import { DigestService, DIGEST_WINDOW_MS } from './digest/digest-service';
import type { SlackGateway } from './slack/gateway';
import { ReportService } from './bot/reports';
import type { BotConfig, OAuthSettings, SlackSettings } from './config/bot';
import { linksFor, serviceSettingsFor } from './config/load';
import { boltLogger } from './logging';
import type { MetricsSource } from './metrics/source';
import { WebApiGateway } from './slack/web-gateway';
import type { Store, WorkspaceRef } from './store/store';
import { AccessGate } from './bot/access-gate';
import { postedFailureText, type BackendFailure } from './domain/posted-failure';

export interface BotDeps {
  readonly store: Store;
  readonly logger: Logger;
  /** Computes analyses and charts; by default a pool of worker threads sized by the configuration. */
  readonly engine?: AnalysisEngine;
  /** A metrics source of the caller's own: analyses then run on this thread, through it. */
  readonly source?: MetricsSource;
  readonly clock?: () => number;
  readonly newId?: () => string;
}

export interface RunningBot {
  readonly app: App;
  readonly reports: ReportService;
  readonly digests: DigestRunner;
  readonly engine: AnalysisEngine;
  readonly telemetry: PrometheusTelemetry;
  /** The HTTP port: Slack requests and health in HTTP mode, health only in Socket Mode. */
  readonly port: number;
  /** The HTTP server receiving Slack's requests (HTTP mode), or null in Socket Mode. */
  readonly server: Server | null;
  /**
   * Readiness turns false at once; the bot keeps serving for `drainMs` (so a load balancer or Slack
   * stops sending it work), then stops taking work, lets work in progress finish for up to
   * `graceMs`, and cancels the rest.
   */
  stop(graceMs?: number, drainMs?: number): Promise<void>;
}

/** How often messages whose last update did not reach Slack are looked for, ms. */
const RENDER_SWEEP_MS = 60_000;

/** The plain-data analysis settings worker threads rebuild their source from. */
export function analysisSpecFor(config: BotConfig): AnalysisSpec {
  return { app: config.app, demo: config.demo };
}

export function metricsSourceFor(config: BotConfig): MetricsSource {
  return sourceForSpec(analysisSpecFor(config));
}

/** The Web API client settings every client of the bot shares (Bolt's, and each installation's in OAuth mode). */
export function webClientOptions(slack: SlackSettings) {
  return {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl.endsWith('/') ? slack.apiUrl : `${slack.apiUrl}/` } : {}),
    // No retries and no waiting inside the client: its one queue would stop every call while a
    // single channel waits out a Retry-After. WebApiGateway retries per method and channel instead.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
}

/** OAuth mode's parts of the HTTP receiver: the install routes and the store Bolt authorizes each request from. */
export interface OAuthReceiverParts {
  readonly installationStore: InstallationStore;
}

export function createBoltApp(slack: SlackSettings, logger: Logger, customRoutes: CustomRoute[] = [], oauthParts: OAuthReceiverParts | null = null): App {
  const apiUrl = slack.apiUrl ? { slackApiUrl: slack.apiUrl.endsWith('/') ? slack.apiUrl : `${slack.apiUrl}/` } : {};
  const common = {
    ...(slack.botToken !== null ? { token: slack.botToken } : {}),
    logger: boltLogger(logger),
    clientOptions: webClientOptions(slack),
  };
  if (slack.appToken && slack.oauth === null) {
    const receiver = new SocketModeReceiver({ appToken: slack.appToken, logger: common.logger, installerOptions: { clientOptions: apiUrl } });
    return new App({ ...common, receiver });
  }
  hardenBoltBodyParsing();
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret,
    endpoints: '/slack/events',
    customRoutes,
    processBeforeResponse: false,
    logger: common.logger,
    ...(slack.oauth !== null ? oauthReceiverOptions(slack.oauth, slack, oauthParts) : {}),
    // A signed request whose envelope Bolt cannot process (fields missing or of the wrong type) is
    // a bad request, not a server error: Slack never sends one, and a 500 invites retries.
    processEventErrorHandler: async ({ error, logger: boltLog, response }) => {
      if (response.headersSent) {
        boltLog.error(`an error after the acknowledgement: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      }
      boltLog.warn(`refused a request Bolt could not process: ${error instanceof Error ? error.message : String(error)}`);
      response.writeHead(400);
      response.end();
      return true;
    },
  });
  return new App({ ...common, receiver });
}

/** The install page at /slack/install, Slack's redirect back at /slack/oauth_redirect, and where installations are kept. */
function oauthReceiverOptions(oauth: OAuthSettings, slack: SlackSettings, parts: OAuthReceiverParts | null) {
  if (parts === null) throw new Error('OAuth mode needs an installation store');
  return {
    clientId: oauth.clientId,
    clientSecret: oauth.clientSecret,
    stateSecret: oauth.stateSecret,
    scopes: [...BOT_SCOPES],
    installationStore: parts.installationStore,
    installerOptions: {
      installPath: INSTALL_PATH,
      redirectUriPath: REDIRECT_PATH,
      // oauth.v2.access and auth.test go to the same Slack as every other call (a stand-in in tests).
      clientOptions: webClientOptions(slack),
    },
  };
}

export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

/** Whether the Socket Mode connection is up, from the client's own lifecycle events. */
function watchSocket(app: App): () => SocketState {
  // Bolt keeps its receiver private; the Socket Mode client is what reports the connection.
  const receiver = (app as unknown as { receiver?: unknown }).receiver;
  if (!(receiver instanceof SocketModeReceiver)) return () => ({ state: 'connecting', sinceMs: Date.now() });
  let state: SocketState = { state: 'connecting', sinceMs: Date.now() };
  const set = (next: SocketState['state']) => () => void (state = { state: next, sinceMs: Date.now() });
  receiver.client.on('connected', set('connected'));
  receiver.client.on('reconnecting', set('connecting'));
  receiver.client.on('connecting', set('connecting'));
  receiver.client.on('disconnected', set('disconnected'));
  return () => state;
}

export async function startBot(config: BotConfig, deps: BotDeps): Promise<RunningBot> {
  if (!config.slack) throw new Error('startBot needs Slack settings');
  const spec = analysisSpecFor(config);
  const source = deps.source ?? sourceForSpec(spec);
  const analysis = analysisDepsFor(spec, source);
  // On this thread when asked (PYMEM_ANALYSIS_THREADS=0) or when the caller brings its own source,
  // which cannot be handed to another thread; in the pool otherwise.
  const engine =
    deps.engine ??
    (deps.source !== undefined || config.analysisThreads === 0
      ? new InlineEngine(analysis, { slots: { interactive: config.maxConcurrentAnalyses, background: config.digest.concurrency } })
      : new WorkerPoolEngine(spec, { threads: config.analysisThreads, maxConcurrent: config.maxConcurrentAnalyses, backgroundConcurrent: config.digest.concurrency }));
  const telemetry = new PrometheusTelemetry();
  telemetry.watchPool(() => engine.stats());
  let shuttingDown = false;
  const socketMode = config.slack.appToken !== null;
  let socket: (() => SocketState) | null = null;
  const health = { store: deps.store, source, telemetry, shuttingDown: () => shuttingDown, socket: () => socket?.() ?? null };
  const clock = deps.clock ?? Date.now;
  const oauth = config.slack.oauth !== null ? oauthParts(config.slack, deps.store, clock, telemetry, config.slackRetryDeadlineMs) : null;
  const app = createBoltApp(config.slack, deps.logger, socketMode ? [] : healthRoutes(health), oauth);
  if (socketMode) socket = watchSocket(app);
  const slack = oauth?.gateway ?? new WebApiGateway(app.client, telemetry, { retryDeadlineMs: config.slackRetryDeadlineMs });
  const channels = new ChannelCheck({ slack, logger: deps.logger, now: clock });
  // One gate for every entry point: reports, re-runs, the doctor, subscriptions and the digest.
  const access = new AccessGate(config.app.access);
  const showSource = showsSource(config);
  const postedSource = showSource ? source.description : 'the metrics backend';
  const postedFailure = (failure: BackendFailure): string => postedFailureText(failure, { showSource, backendDescription: source.description });
  // OAuth mode: background work (redraws after a restart, re-checks) runs as its incident's installation.
  const inWorkspace =
    oauth !== null
      ? async <T>(workspace: WorkspaceRef, work: () => Promise<T>): Promise<T> => {
          const installation = await installationOf(deps.store, workspace);
          if (installation === null) throw new Error(`pymem is not installed in workspace ${workspace.teamId || '(none)'} any more`);
          return withInstallation(installation, work);
        }
      : null;
  const reports = new ReportService({
    engine,
    settingsKey: (service) => JSON.stringify(serviceSettingsFor(config.app, service)),
    stepMs: (windowMs, endMs) => stepMsFor(spec, windowMs, endMs),
    sourceDescription: postedSource,
    postedFailure,
    timeZone: config.app.analysis.timeZone,
    store: deps.store,
    slack,
    channels,
    logger: deps.logger,
    clock,
    newId: deps.newId ?? randomUUID,
    analysisTimeoutMs: config.analysisTimeoutMs,
    defaultWindowMs: config.app.analysis.defaultWindowMs,
    maxQueueWaitMs: config.maxQueueWaitMs,
    resultCacheTtlMs: config.resultCacheTtlMs,
    digestsAvailable: true,
    telemetry,
    access,
    links: (ctx) => linksFor(config.app, ctx),
    workspace: currentWorkspace,
    ...(inWorkspace ? { inWorkspace } : {}),
  });
  const digests = createDigestRunner(
    config,
    { ...deps, clock, telemetry, engine, channels, access, ...(oauth !== null ? { installationFor: (workspace: WorkspaceRef) => installationOf(deps.store, workspace) } : {}) },
    slack,
  );
  const subscriptions = new Subscriptions({
    store: deps.store,
    clock,
    scheduleFor: (channel) => config.digest.channels[channel] ?? config.digest.schedule,
    knownServices: () => source.knownServices(),
    channels,
    access,
    workspace: currentWorkspace,
  });
  const doctor = new DoctorService({
    engine,
    clock,
    defaultWindowMs: config.app.analysis.defaultWindowMs,
    timeoutMs: config.analysisTimeoutMs,
    access,
    telemetry,
    showSource,
    postedFailure,
  });
  const incidents = new IncidentService({
    store: deps.store,
    slack,
    updater: { refresh: (incidentId) => reports.redraw(incidentId) },
    logger: deps.logger,
    clock,
    timeZone: config.app.analysis.timeZone,
    workspaceUrl: () => slack.workspaceUrl(),
    verifications: verificationSource(deps.store),
  });
  const handlerDeps = { reports, subscriptions, logger: deps.logger, telemetry };
  if (oauth !== null) {
    // First, so that every listener below runs inside its installation's scope.
    registerInstallations(app, {
      logger: deps.logger,
      removeInstallation: async (key) => {
        const stored = await deps.store.fetchInstallation(key);
        await deps.store.deleteInstallation(key);
        if (stored) oauth.gateway.forget(stored.botToken);
      },
    });
  }
  registerIncidentActions(app, { incidents, logger: deps.logger, telemetry });
  const home = new HomeService({
    store: deps.store,
    slack,
    logger: deps.logger,
    clock,
    timeZone: config.app.analysis.timeZone,
    scheduleFor: (channel) => config.digest.channels[channel] ?? config.digest.schedule,
    nextRun: nextDigestRun,
    workspaceUrl: () => slack.workspaceUrl(),
  });
  registerHome(app, { home, logger: deps.logger, telemetry });
  const verification = startVerification(config, {
    engine,
    store: deps.store,
    slack,
    channels,
    logger: deps.logger,
    clock,
    sourceDescription: postedSource,
    postedFailure,
    refreshReport: (id) => reports.redraw(id),
    access,
    ...(inWorkspace ? { inWorkspace } : {}),
  });
  registerVerifyActions(app, { verify: verification.service, logger: deps.logger, telemetry });
  registerCommand(app, { ...handlerDeps, incidents, doctor, verify: verification.service, maxWindowMs: config.app.analysis.maxWindowMs, defaultWindowMs: config.app.analysis.defaultWindowMs });
  registerActions(app, handlerDeps);
  registerDigestActions(app, handlerDeps);
  registerOtherActions(app);
  app.error(async (error) => {
    deps.logger.error({ err: error }, 'unhandled error in a Slack listener');
  });

  let port: number;
  let healthServer: Server | null = null;
  let slackServer: Server | null = null;
  if (socketMode) {
    // Socket Mode opens no port of its own: probes and scrapes get a small server on PORT.
    const started = await startHealthServer(health, config.port, config.host);
    healthServer = started.server;
    port = started.port;
    await app.start();
  } else {
    slackServer = (await app.start({ port: config.port, host: config.host })) as Server;
    port = (slackServer.address() as AddressInfo).port;
  }
  digests.start();
  verification.rechecks.start();
  // After a restart, messages whose last update never reached Slack are drawn again.
  reports.start(RENDER_SWEEP_MS);
  return {
    app,
    reports,
    digests,
    engine,
    telemetry,
    port,
    server: slackServer,
    async stop(graceMs = 10_000, drainMs = 0) {
      shuttingDown = true;
      // Readiness is false from here on; requests still arriving (the load balancer or Slack has not
      // noticed yet) are served as usual until the drain period ends.
      if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
      await digests.stop();
      await verification.rechecks.stop();
      await app.stop();
      await reports.drain(graceMs);
      // The grace period is over: what the threads still do (a backend that never answers) is abandoned.
      await engine.close(1_000);
      if (healthServer) await new Promise((resolve) => healthServer!.close(resolve));
    },
  };
}

/** OAuth mode: installations in the store, and a gateway calling Slack with the token of each request's installation. */
function oauthParts(slack: SlackSettings, store: Store, clock: () => number, telemetry: Telemetry, retryDeadlineMs: number): OAuthReceiverParts & { readonly gateway: InstallationGateway } {
  const gateway = new InstallationGateway(webClientOptions(slack), telemetry, { retryDeadlineMs });
  return { installationStore: new StoreInstallationStore(store, clock), gateway };
}

/**
 * What a channel is shown of the backend: its address and error texts only when the config says
 * so (the demo data has no backend to hide).
 */
function showsSource(config: BotConfig): boolean {
  return config.app.showSource || config.app.prometheus === null;
}

/** The workspace of the request in progress: its installation's scope in OAuth mode, the single workspace ('') otherwise. */
function currentWorkspace(): WorkspaceRef {
  const key = currentInstallation()?.key;
  return { teamId: key?.teamId ?? '', enterpriseId: key?.enterpriseId ?? '' };
}

/** The installation a workspace's digests go out with: the workspace's own, else its organisation's org-wide one. */
async function installationOf(store: Store, workspace: WorkspaceRef): Promise<InstallationScope | null> {
  // Subscriptions made in the single-token mode name no workspace: no installation can claim them.
  if (workspace.teamId === '') return null;
  const enterpriseId = workspace.enterpriseId === '' ? null : workspace.enterpriseId;
  const own = await store.fetchInstallation({ enterpriseId, teamId: workspace.teamId, isEnterpriseInstall: false });
  const found = own ?? (enterpriseId !== null ? await store.fetchInstallation({ enterpriseId, teamId: workspace.teamId, isEnterpriseInstall: true }) : null);
  return found ? { key: { enterpriseId, teamId: workspace.teamId, isEnterpriseInstall: found.isEnterpriseInstall }, botToken: found.botToken } : null;
}

/** `access` is the bot's gate; without one (the CLI) a gate is built from the config. */
type DigestDeps = {
  readonly store: Store;
  readonly logger: Logger;
  readonly engine: AnalysisEngine;
  readonly access?: AccessGate;
  readonly telemetry?: Telemetry;
  readonly installationFor?: RunnerDeps['installationFor'];
};

export function createDigestService(config: BotConfig, deps: DigestDeps): DigestService {
  return new DigestService({
    engine: deps.engine,
    timeZone: config.app.analysis.timeZone,
    store: deps.store,
    logger: deps.logger,
    concurrency: config.digest.concurrency,
    serviceTimeoutMs: config.digest.serviceTimeoutMs,
    showSource: showsSource(config),
    windowMs: DIGEST_WINDOW_MS,
    access: deps.access ?? new AccessGate(config.app.access),
    links: (ctx) => linksFor(config.app, ctx),
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
  });
}

export function createDigestRunner(
  config: BotConfig,
  deps: DigestDeps & { readonly clock: () => number; readonly channels: ChannelCheck },
  slack: SlackGateway,
): DigestRunner {
  const digest = createDigestService(config, deps);
  return new DigestRunner({
    digest,
    store: deps.store,
    slack,
    channels: deps.channels,
    logger: deps.logger,
    clock: deps.clock,
    settings: config.digest,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    ...(deps.installationFor ? { installationFor: deps.installationFor } : {}),
  });
}
