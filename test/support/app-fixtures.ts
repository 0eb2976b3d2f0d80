/**
 * The application layer wired to in-memory fakes (test/support/fakes): a ReportService as src/app.ts
 * builds it, with an InMemoryStore, a FakeSlackGateway, a FakeAnalysisEngine and a recording
 * telemetry, and the requests a handler would make of it. For unit tests that run in milliseconds.
 */

import pino from 'pino';
import { ChannelCheck } from '../../src/bot/channel-check';
import { ReportService, type CommandRequest, type ReportDeps, type TickRequest } from '../../src/bot/reports';
import type { ChecklistStepId } from '../../src/domain/checklist';
import type { SlackMessage } from '../../src/slack/blocks';
import { FakeAnalysisEngine } from './fakes/fake-analysis-engine';
import { FakeSlackGateway } from './fakes/fake-slack-gateway';
import { InMemoryStore } from './fakes/in-memory-store';
import { RecordingTelemetry } from './fakes/recording-telemetry';

export const NOW = Date.UTC(2026, 2, 2, 12);
export const CHANNEL = 'C0INCIDENT1';
export const silentLogger = pino({ level: 'silent' });

/** What the requester was told through the response_url: the text and the blocks, as one string to search. */
export interface Reply {
  readonly user: string;
  readonly text: string;
}

export type ReportOptions = Partial<Pick<ReportDeps, 'maxQueueWaitMs' | 'timeZone' | 'links' | 'access' | 'resultCacheTtlMs' | 'updateRetryDelayMs' | 'clock'>> & {
  /** Share a store between two services (two replicas, or one restarted). */
  readonly store?: InMemoryStore;
  readonly slack?: FakeSlackGateway;
};

export async function reportFixture(options: ReportOptions = {}) {
  const store = options.store ?? new InMemoryStore();
  await store.migrate();
  const engine = new FakeAnalysisEngine();
  const slack = options.slack ?? new FakeSlackGateway();
  const telemetry = new RecordingTelemetry();
  const clock = options.clock ?? (() => NOW);
  let ids = 0;
  const reports = new ReportService({
    engine,
    settingsKey: () => 'default queries',
    stepMs: () => 15_000,
    sourceDescription: 'a fake backend',
    timeZone: options.timeZone ?? 'UTC',
    store,
    slack,
    channels: new ChannelCheck({ slack, logger: silentLogger, now: clock }),
    logger: silentLogger,
    clock,
    newId: () => `inc-${++ids}`,
    analysisTimeoutMs: 10_000,
    defaultWindowMs: 6 * 3_600_000,
    maxQueueWaitMs: options.maxQueueWaitMs ?? 30_000,
    resultCacheTtlMs: options.resultCacheTtlMs ?? 30_000,
    digestsAvailable: true,
    storeRetryDelaysMs: [1, 1],
    imageRetryDelayMs: 1,
    updateRetryDelayMs: options.updateRetryDelayMs ?? 2_000,
    telemetry,
    ...(options.links ? { links: options.links } : {}),
    ...(options.access !== undefined ? { access: options.access } : {}),
  });
  const replies: Reply[] = [];
  const replyAs =
    (user: string) =>
    async (message: SlackMessage): Promise<void> =>
      void replies.push({ user, text: message.text + JSON.stringify(message.blocks) });

  /** `/pymem <service>` from `user`; its delivery key is the user's unless given. */
  const request = (user: string, extra: { channelId?: string; channelName?: string; service?: string; deliveryKey?: string; windowMs?: number } = {}): CommandRequest => ({
    channelId: extra.channelId ?? CHANNEL,
    channelName: extra.channelName ?? 'incidents',
    userId: user,
    service: extra.service ?? 'checkout-api',
    windowMs: extra.windowMs ?? null,
    deliveryKey: extra.deliveryKey ?? `trigger-${user}`,
    reply: replyAs(user),
  });

  /** A click on a checklist step of the message at `messageTs`. */
  const tick = (user: string, messageTs: string, stepId: ChecklistStepId, checked = true, requestKey = `${user}:${stepId}:${checked}`): TickRequest => ({
    channelId: CHANNEL,
    messageTs,
    userId: user,
    stepId,
    checked,
    requestKey,
    reply: replyAs(user),
  });

  /** Posts a report as `user` and returns its message ts and incident. */
  const posted = async (user = 'U0ALICE') => {
    const outcome = await reports.runCommand(request(user, { deliveryKey: `post-${user}-${slack.messages.length}` }));
    if (outcome !== 'posted') throw new Error(`expected the report to be posted, got ${outcome}`);
    const message = slack.messages.at(-1)!;
    const incident = (await store.findIncidentByMessage(message.channel, message.ts))!;
    return { ts: message.ts, incident };
  };

  return { store, engine, slack, telemetry, reports, replies, request, tick, posted };
}
