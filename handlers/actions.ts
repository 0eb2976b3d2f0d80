/** Clicks on reports and digests. Acknowledge first, then one call into src/. */

import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ReportService } from '../src/bot/reports';
import type { Subscriptions } from '../src/bot/subscriptions';
import { parseServiceName } from '../src/domain/service-name';
import type { ActionKind, Telemetry } from '../src/observability/telemetry';
import { noneOf } from '../src/slack/action-matchers';
import { ACTION_FAILED_TEXT, unreadableClickText, unreadableWindowText } from '../src/bot/notices';
import { ACTION_MATCHERS, ephemeralReply, INCIDENT_ACTION_MATCHERS, noticeMessage } from '../src/slack/blocks';
import { VERIFY_ACTION_MATCHERS } from '../src/slack/verify-blocks';
import { DIGEST_ACTION_MATCHERS } from '../src/slack/digest-blocks';
import { parseButtonValue, parseChecklistAction, parseMessageAction, parseSelectedValue, parseWindowAction } from '../src/slack/payloads';
import { replyVia } from './reply';

export interface ActionDeps {
  readonly reports: ReportService;
  readonly subscriptions: Subscriptions;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
}

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Registers one action: ack at once, then run `work` with a request-scoped logger, counted by outcome. */
function on(app: App, deps: ActionDeps, actionId: string | RegExp, kind: ActionKind, work: (args: ActionArgs, log: Logger) => Promise<string>): void {
  app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async (args) => {
    await args.ack();
    const log = deps.logger.child({ requestId: args.body.trigger_id || randomUUID(), action: kind, user: args.body.user?.id });
    try {
      deps.telemetry.actionHandled(kind, await work(args, log));
    } catch (error) {
      deps.telemetry.actionHandled(kind, 'error');
      log.error({ err: error }, 'action failed after the acknowledgement');
      // The click was acknowledged: say that it did not work rather than leave the clicker guessing.
      await replyVia(args.respond)(noticeMessage(ACTION_FAILED_TEXT)).catch((replyError: unknown) =>
        log.error({ err: replyError }, 'could not tell the clicker that the action failed'),
      );
    }
  });
}

export function registerActions(app: App, deps: ActionDeps): void {
  on(app, deps, ACTION_MATCHERS.checklist, 'tick', async ({ body, action, respond }, log) => {
    const reply = replyVia(respond);
    const where = parseMessageAction(body, action);
    const tick = parseChecklistAction(action);
    if (!where.ok || !tick.ok) {
      await reply(noticeMessage(unreadableClickText(where.ok ? (tick.ok ? '' : tick.error) : where.error))).catch(() => undefined);
      return 'unreadable';
    }
    return deps.reports.tick({ ...where.value, ...tick.value, reply, log });
  });

  on(app, deps, ACTION_MATCHERS.rerun, 'rerun', async ({ body, action, respond }, log) => {
    const where = parseMessageAction(body, action);
    if (!where.ok) return 'unreadable';
    return deps.reports.rerun({ ...where.value, windowMs: null, deliveryKey: where.value.requestKey, reply: replyVia(respond), log });
  });

  on(app, deps, ACTION_MATCHERS.window, 'window', async ({ body, action, respond }, log) => {
    const reply = replyVia(respond);
    const where = parseMessageAction(body, action);
    const window = parseWindowAction(action);
    if (!where.ok || !window.ok) {
      await reply(noticeMessage(unreadableWindowText(window.ok ? null : window.error))).catch(() => undefined);
      return 'unreadable';
    }
    return deps.reports.rerun({ ...where.value, windowMs: window.value, deliveryKey: where.value.requestKey, reply, log });
  });

  // Dashboard and runbook buttons (under reports and digest entries): Slack opens the URL itself and
  // still sends the click; without an acknowledgement it shows a warning beside the button.
  app.action({ type: 'block_actions', action_id: ACTION_MATCHERS.link }, async ({ ack }) => {
    await ack();
  });
}

export function registerDigestActions(app: App, deps: ActionDeps): void {
  // "Subscribe to daily digest" under a report.
  on(app, deps, ACTION_MATCHERS.subscribe, 'subscribe', async ({ body, action, respond }) => {
    const where = parseMessageAction(body, action);
    const service = parseServiceName(parseButtonValue(action) ?? '');
    if (!where.ok || !service.ok) return 'unreadable';
    const message = await deps.subscriptions.subscribe(where.value.channelId, service.name, where.value.userId);
    await respond(ephemeralReply(message));
    return 'answered';
  });

  // "Analyse" next to a service in a digest, or picked from its menu: a full report in the channel.
  const analyze = async ({ body, action, respond }: ActionArgs, log: Logger, service: string | null): Promise<string> => {
    const where = parseMessageAction(body, action);
    const name = parseServiceName(service ?? '');
    if (!where.ok || !name.ok) return 'unreadable';
    return deps.reports.runCommand({ channelId: where.value.channelId, userId: where.value.userId, service: name.name, windowMs: null, deliveryKey: where.value.requestKey, reply: replyVia(respond), log });
  };
  on(app, deps, DIGEST_ACTION_MATCHERS.analyze, 'digest-analyze', (args, log) => analyze(args, log, parseButtonValue(args.action)));
  on(app, deps, DIGEST_ACTION_MATCHERS.analyzeSelect, 'digest-analyze', (args, log) => analyze(args, log, parseSelectedValue(args.action)));
}

/** Every action id the listeners above do not take. */
export const UNCLAIMED_ACTIONS = noneOf([
  ...Object.values(ACTION_MATCHERS),
  ...Object.values(INCIDENT_ACTION_MATCHERS),
  ...Object.values(DIGEST_ACTION_MATCHERS),
  ...Object.values(VERIFY_ACTION_MATCHERS),
]);

/**
 * Any other action (an element pymem no longer posts, a tampered payload) is acknowledged and
 * ignored, instead of Bolt answering 404 after three seconds.
 */
export function registerOtherActions(app: App): void {
  // Not the ones registered above: a second ack of one request is an error in Bolt.
  app.action(UNCLAIMED_ACTIONS, async ({ ack }) => {
    await ack();
  });
}
