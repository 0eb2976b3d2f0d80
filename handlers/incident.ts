/** Resolve and Export timeline under a report, and `/pymem timeline`. Acknowledge first, then one call into src/. */

import { randomUUID } from 'node:crypto';
import type { App, BlockAction, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { IncidentOutcome, IncidentService } from '../src/bot/incidents';
import type { ActionKind, Telemetry } from '../src/observability/telemetry';
import { INCIDENT_ACTION_MATCHERS, noticeMessage } from '../src/slack/blocks';
import { ACTION_FAILED_TEXT } from '../src/bot/notices';
import { parseMessageAction } from '../src/slack/payloads';
import { replyVia } from './reply';

export interface IncidentHandlerDeps {
  readonly incidents: IncidentService;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
}

export function registerIncidentActions(app: App, deps: IncidentHandlerDeps): void {
  const on = (actionId: string, kind: ActionKind, work: (service: IncidentService, request: Parameters<IncidentService['resolve']>[0]) => Promise<IncidentOutcome>): void => {
    app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action, respond }) => {
      await ack();
      const log = deps.logger.child({ requestId: body.trigger_id || randomUUID(), action: kind, user: body.user?.id });
      const reply = replyVia(respond);
      const where = parseMessageAction(body, action);
      if (!where.ok) {
        deps.telemetry.actionHandled('unreadable', 'unreadable');
        await reply(noticeMessage(`:warning: pymem could not read that click (${where.error}).`)).catch(() => undefined);
        return;
      }
      try {
        deps.telemetry.actionHandled(kind, await work(deps.incidents, { ...where.value, reply, log }));
      } catch (error) {
        deps.telemetry.actionHandled(kind, 'error');
        log.error({ err: error }, 'action failed after the acknowledgement');
        await failed(respond, log);
      }
    });
  };
  on(INCIDENT_ACTION_MATCHERS.resolve, 'resolve', (incidents, request) => incidents.resolve(request));
  on(INCIDENT_ACTION_MATCHERS.timeline, 'timeline', (incidents, request) => incidents.exportTimeline(request));
}

/** `/pymem timeline [service]`, after the command handler acknowledged it. */
export async function runTimelineCommand(
  deps: IncidentHandlerDeps,
  command: { readonly channel_id: string; readonly user_id: string; readonly trigger_id: string },
  service: string | null,
  respond: RespondFn,
  log: Logger,
): Promise<void> {
  try {
    const outcome = await deps.incidents.timelineCommand({ channelId: command.channel_id, userId: command.user_id, service, deliveryKey: command.trigger_id, reply: replyVia(respond), log });
    deps.telemetry.commandHandled('timeline', outcome);
  } catch (error) {
    deps.telemetry.commandHandled('timeline', 'error');
    log.error({ err: error }, 'slash command failed after the acknowledgement');
    await failed(respond, log);
  }
}

async function failed(respond: RespondFn, log: Logger): Promise<void> {
  await replyVia(respond)(noticeMessage(ACTION_FAILED_TEXT)).catch((replyError: unknown) =>
    log.error({ err: replyError }, 'could not tell the requester that it failed'),
  );
}
