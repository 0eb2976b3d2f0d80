/** Clicks on a report: checklist ticks, re-run, change window. Acknowledge first, then one call into src/. */

import type { App, BlockAction, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ReportService } from '../src/bot/reports';
import type { Subscriptions } from '../src/bot/subscriptions';
import { parseServiceName } from '../src/domain/service-name';
import { DIGEST_ACTIONS } from '../src/slack/digest-blocks';
import { ACTION_IDS, CHECKLIST_ACTION_PREFIX, noticeMessage } from '../src/slack/blocks';
import { parseButtonValue, parseChecklistAction, parseMessageAction, parseSelectedValue, parseWindowAction } from '../src/slack/payloads';
import { replyVia } from './command';

export interface ActionDeps {
  readonly reports: ReportService;
  readonly subscriptions: Subscriptions;
  readonly logger: Logger;
}

export function registerActions(app: App, deps: ActionDeps): void {
  app.action<BlockAction>({ type: 'block_actions', action_id: new RegExp(`^${CHECKLIST_ACTION_PREFIX}`) }, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = replyVia(respond);
    const where = parseMessageAction(body, action);
    const tick = parseChecklistAction(action);
    if (!where.ok || !tick.ok) {
      await reply(noticeMessage(`:warning: pymem could not read that click (${where.ok ? (tick.ok ? '' : tick.error) : where.error}).`)).catch(() => undefined);
      return;
    }
    await guarded(deps, () => deps.reports.tick({ ...where.value, ...tick.value, reply }));
  });

  app.action<BlockAction>({ type: 'block_actions', action_id: ACTION_IDS.rerun }, async ({ ack, body, action, respond }) => {
    await ack();
    const where = parseMessageAction(body, action);
    if (!where.ok) return;
    await guarded(deps, () => deps.reports.rerun({ ...where.value, windowMs: null, deliveryKey: where.value.requestKey, reply: replyVia(respond) }));
  });

  app.action<BlockAction>({ type: 'block_actions', action_id: ACTION_IDS.window }, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = replyVia(respond);
    const where = parseMessageAction(body, action);
    const window = parseWindowAction(action);
    if (!where.ok || !window.ok) {
      await reply(noticeMessage(`:warning: ${window.ok ? 'pymem could not tell which report that was' : window.error}.`)).catch(() => undefined);
      return;
    }
    await guarded(deps, () => deps.reports.rerun({ ...where.value, windowMs: window.value, deliveryKey: where.value.requestKey, reply }));
  });
}

export function registerDigestActions(app: App, deps: ActionDeps): void {
  // "Subscribe to daily digest" under a report.
  app.action<BlockAction>({ type: 'block_actions', action_id: ACTION_IDS.subscribe }, async ({ ack, body, action, respond }) => {
    await ack();
    const where = parseMessageAction(body, action);
    const service = parseServiceName(parseButtonValue(action) ?? '');
    if (!where.ok || !service.ok) return;
    await guarded(deps, async () => {
      const message = await deps.subscriptions.subscribe(where.value.channelId, service.name, where.value.userId);
      await respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks });
    });
  });

  // "Analyse" next to a service in a digest, or picked from the digest's menu: a full report in the channel.
  const analyse = async (args: { ack: () => Promise<void>; body: BlockAction; action: unknown; respond: RespondFn }, service: string | null): Promise<void> => {
    await args.ack();
    const where = parseMessageAction(args.body, args.action);
    const name = parseServiceName(service ?? '');
    if (!where.ok || !name.ok) return;
    await guarded(deps, () =>
      deps.reports.runCommand({ channelId: where.value.channelId, userId: where.value.userId, service: name.name, windowMs: null, deliveryKey: where.value.requestKey, reply: replyVia(args.respond) }),
    );
  };
  app.action<BlockAction>({ type: 'block_actions', action_id: new RegExp(`^${DIGEST_ACTIONS.analyzePrefix}:`) }, async (args) => analyse(args, parseButtonValue(args.action)));
  app.action<BlockAction>({ type: 'block_actions', action_id: DIGEST_ACTIONS.analyzeSelect }, async (args) => {
    const picked = parseSelectedValue(args.action);
    await analyse(args, picked);
  });
}

async function guarded(deps: ActionDeps, job: () => Promise<unknown>): Promise<void> {
  try {
    await job();
  } catch (error) {
    deps.logger.error({ err: error }, 'action failed after the acknowledgement');
  }
}
