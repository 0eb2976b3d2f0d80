/**
 * Composition root: configuration -> implementations -> Bolt app. The only module that wires
 * concrete classes together; everything else receives them.
 */

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, type CustomRoute } from '@slack/bolt';
import { hardenBoltBodyParsing } from './slack/bolt-hardening';
import { healthRoutes, startHealthServer } from './observability/health';
import { PrometheusTelemetry } from './observability/prometheus-metrics';
import type { Telemetry } from './observability/telemetry';
import type { Logger } from 'pino';
import { registerActions, registerDigestActions, registerOtherActions } from '../handlers/actions';
import { registerCommand } from '../handlers/command';
import { Limiter } from './bot/limiter';
import { Subscriptions } from './bot/subscriptions';
import type { AnalysisDeps } from './analysis/analyze-service';
import { DigestRunner } from './digest/digest-runner';
import { DigestService, DIGEST_WINDOW_MS, type DigestChartPort } from './digest/digest-service';
import type { SlackGateway } from './slack/gateway';
import { ReportService, type ChartPort } from './bot/reports';
import type { BotConfig, SlackSettings } from './config/bot';
import { serviceSettingsFor } from './config/load';
import { boltLogger } from './logging';
import { DemoSource } from './metrics/demo';
import { PrometheusSource } from './metrics/prometheus';
import type { MetricsSource } from './metrics/source';
import { WebApiGateway } from './slack/web-gateway';
import type { Store } from './store/store';

export interface BotDeps {
  readonly store: Store;
  readonly logger: Logger;
  readonly source?: MetricsSource;
  readonly charts?: ChartPort;
  readonly clock?: () => number;
  readonly newId?: () => string;
}

export interface RunningBot {
  readonly app: App;
  readonly reports: ReportService;
  readonly digests: DigestRunner;
  readonly telemetry: PrometheusTelemetry;
  /** The HTTP port: Slack requests and health in HTTP mode, health only in Socket Mode. */
  readonly port: number;
  /** The HTTP server receiving Slack's requests (HTTP mode), or null in Socket Mode. */
  readonly server: Server | null;
  /** Stops taking work, lets work in progress finish for up to `graceMs`, then cancels the rest. */
  stop(graceMs?: number): Promise<void>;
}

export function metricsSourceFor(config: BotConfig): MetricsSource {
  if (config.demo || config.app.prometheus === null) return new DemoSource();
  const app = config.app;
  return new PrometheusSource(app.prometheus!, (s) => serviceSettingsFor(app, s));
}

/** Charts come from the one shared renderer, loaded on first use (canvas is heavy to load). */
export const sharedCharts: ChartPort = {
  async render(series, diagnosis, fleet, timeZone) {
    const { renderMemoryChartPng } = await import('./charts/render-memory-chart.js');
    return renderMemoryChartPng(series, diagnosis, fleet, timeZone);
  },
};

export function createBoltApp(slack: SlackSettings, logger: Logger, customRoutes: CustomRoute[] = []): App {
  const common = {
    token: slack.botToken,
    logger: boltLogger(logger),
    clientOptions: {
      ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl.endsWith('/') ? slack.apiUrl : `${slack.apiUrl}/` } : {}),
      // Interactive work: a few quick retries, honouring Slack's Retry-After on 429.
      retryConfig: { retries: 3, factor: 2, minTimeout: 300, maxTimeout: 5_000 },
      rejectRateLimitedCalls: false,
    },
  };
  if (slack.appToken) return new App({ ...common, appToken: slack.appToken, socketMode: true });
  hardenBoltBodyParsing();
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret,
    endpoints: '/slack/events',
    customRoutes,
    processBeforeResponse: false,
    logger: common.logger,
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

export async function startBot(config: BotConfig, deps: BotDeps): Promise<RunningBot> {
  if (!config.slack) throw new Error('startBot needs Slack settings');
  const source = deps.source ?? metricsSourceFor(config);
  const telemetry = new PrometheusTelemetry();
  let shuttingDown = false;
  const health = { store: deps.store, source, telemetry, shuttingDown: () => shuttingDown };
  const socketMode = config.slack.appToken !== null;
  const app = createBoltApp(config.slack, deps.logger, socketMode ? [] : healthRoutes(health));
  const analysis = analysisFor(config, source);
  const slack = new WebApiGateway(app.client, telemetry);
  const clock = deps.clock ?? Date.now;
  const access = config.app.access;
  const reports = new ReportService({
    analysis,
    store: deps.store,
    slack,
    charts: deps.charts ?? sharedCharts,
    limiter: new Limiter(config.maxConcurrentAnalyses),
    logger: deps.logger,
    clock,
    newId: deps.newId ?? randomUUID,
    analysisTimeoutMs: config.analysisTimeoutMs,
    defaultWindowMs: config.app.analysis.defaultWindowMs,
    digestsAvailable: true,
    telemetry,
    access,
  });
  const digests = createDigestRunner(config, { ...deps, clock, telemetry }, analysis, slack);
  const subscriptions = new Subscriptions({
    store: deps.store,
    clock,
    scheduleFor: (channel) => config.digest.channels[channel] ?? config.digest.schedule,
    knownServices: () => source.knownServices(),
    access,
  });
  const handlerDeps = { reports, subscriptions, logger: deps.logger, telemetry };
  registerCommand(app, { ...handlerDeps, maxWindowMs: config.app.analysis.maxWindowMs, defaultWindowMs: config.app.analysis.defaultWindowMs });
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
  return {
    app,
    reports,
    digests,
    telemetry,
    port,
    server: slackServer,
    async stop(graceMs = 10_000) {
      shuttingDown = true;
      await digests.stop();
      await app.stop();
      await reports.drain(graceMs);
      if (healthServer) await new Promise((resolve) => healthServer!.close(resolve));
    },
  };
}

/** Digest charts come from the shared renderer too. */
export const sharedDigestCharts: DigestChartPort = {
  async render(panels, options) {
    const { renderDigestChartPng } = await import('./charts/render-digest-chart.js');
    return renderDigestChartPng(panels, options);
  },
};

type DigestDeps = { readonly store: Store; readonly logger: Logger; readonly digestCharts?: DigestChartPort };

/** The analysis settings every consumer of the metrics backend shares. */
export function analysisFor(config: BotConfig, source: MetricsSource = metricsSourceFor(config)): AnalysisDeps {
  return { source, settings: (s: string) => serviceSettingsFor(config.app, s), timeZone: config.app.analysis.timeZone };
}

export function createDigestService(config: BotConfig, deps: DigestDeps, analysis: AnalysisDeps): DigestService {
  return new DigestService({
    analysis,
    store: deps.store,
    charts: deps.digestCharts ?? sharedDigestCharts,
    logger: deps.logger,
    concurrency: config.digest.concurrency,
    serviceTimeoutMs: config.digest.serviceTimeoutMs,
    windowMs: DIGEST_WINDOW_MS,
    access: config.app.access,
  });
}

export function createDigestRunner(
  config: BotConfig,
  deps: DigestDeps & { readonly clock: () => number; readonly telemetry?: Telemetry },
  analysis: AnalysisDeps,
  slack: SlackGateway,
): DigestRunner {
  const digest = createDigestService(config, deps, analysis);
  return new DigestRunner({ digest, store: deps.store, slack, logger: deps.logger, clock: deps.clock, settings: config.digest, ...(deps.telemetry ? { telemetry: deps.telemetry } : {}) });
}
