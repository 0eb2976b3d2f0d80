/**
 * Composition root: configuration -> implementations -> Bolt app. The only module that wires
 * concrete classes together; everything else receives them.
 */

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { registerActions } from '../handlers/actions';
import { registerCommand } from '../handlers/command';
import { Limiter } from './bot/limiter';
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
  /** The HTTP port, or null in Socket Mode. */
  readonly port: number | null;
  stop(): Promise<void>;
}

export function metricsSourceFor(config: BotConfig): MetricsSource {
  if (config.demo || config.app.prometheus === null) return new DemoSource();
  const app = config.app;
  return new PrometheusSource(app.prometheus!, (s) => serviceSettingsFor(app, s));
}

/** Charts come from the one shared renderer, loaded on first use (canvas is heavy to load). */
export const sharedCharts: ChartPort = {
  async render(series, diagnosis, timeZone) {
    const { renderMemoryChartPng } = await import('./charts/render-memory-chart.js');
    return renderMemoryChartPng(series, diagnosis, timeZone);
  },
};

export function createBoltApp(slack: SlackSettings, logger: Logger): App {
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
  return slack.appToken
    ? new App({ ...common, appToken: slack.appToken, socketMode: true })
    : new App({ ...common, signingSecret: slack.signingSecret, processBeforeResponse: false });
}

export async function startBot(config: BotConfig, deps: BotDeps): Promise<RunningBot> {
  if (!config.slack) throw new Error('startBot needs Slack settings');
  const app = createBoltApp(config.slack, deps.logger);
  const reports = new ReportService({
    analysis: {
      source: deps.source ?? metricsSourceFor(config),
      settings: (s) => serviceSettingsFor(config.app, s),
      timeZone: config.app.analysis.timeZone,
    },
    store: deps.store,
    slack: new WebApiGateway(app.client),
    charts: deps.charts ?? sharedCharts,
    limiter: new Limiter(config.maxConcurrentAnalyses),
    logger: deps.logger,
    clock: deps.clock ?? Date.now,
    newId: deps.newId ?? randomUUID,
    analysisTimeoutMs: config.analysisTimeoutMs,
    defaultWindowMs: config.app.analysis.defaultWindowMs,
    digestsAvailable: false,
  });
  registerCommand(app, { reports, maxWindowMs: config.app.analysis.maxWindowMs, defaultWindowMs: config.app.analysis.defaultWindowMs, logger: deps.logger });
  registerActions(app, { reports, logger: deps.logger });
  app.error(async (error) => {
    deps.logger.error({ err: error }, 'unhandled error in a Slack listener');
  });

  let port: number | null = null;
  if (config.slack.appToken) {
    await app.start();
  } else {
    const server = (await app.start({ port: config.port, host: config.host })) as Server;
    port = (server.address() as AddressInfo).port;
  }
  return {
    app,
    reports,
    port,
    async stop() {
      await app.stop();
      await reports.updater.idle();
    },
  };
}
