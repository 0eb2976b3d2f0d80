/** Clicks on a report: checklist ticks, re-run, change window. Acknowledge first, then one call into src/. */

import type { App, BlockAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ReportService } from '../src/bot/reports';
import { ACTION_IDS, CHECKLIST_ACTION_PREFIX, noticeMessage } from '../src/slack/blocks';
import { parseChecklistAction, parseMessageAction, parseWindowAction } from '../src/slack/payloads';
import { replyVia } from './command';

export interface ActionDeps {
  readonly reports: ReportService;
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

async function guarded(deps: ActionDeps, job: () => Promise<unknown>): Promise<void> {
  try {
    await job();
  } catch (error) {
    deps.logger.error({ err: error }, 'action failed after the acknowledgement');
  }
}
