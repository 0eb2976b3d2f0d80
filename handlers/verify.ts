/** Verifying a fix (issue 13): the "Verify fix" and "Check again in 1 h" buttons, and `/pymem verify`. Acknowledge first, then one call into src/. */

import { randomUUID } from 'node:crypto';
import type { App, BlockAction, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { VerifyService } from '../src/bot/verify';
import type { BotCommand } from '../src/bot/command';
import type { Telemetry } from '../src/observability/telemetry';
import { noticeMessage } from '../src/slack/blocks';
import { parseButtonValue, parseMessageAction } from '../src/slack/payloads';
import { VERIFY_ACTIONS, verifyingText } from '../src/slack/verify-blocks';
import { replyVia } from './command';

export interface VerifyHandlerDeps {
  readonly verify: VerifyService;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
}

export function registerVerifyActions(app: App, deps: VerifyHandlerDeps): void {
  for (const [actionId, kind] of [
    [VERIFY_ACTIONS.verify, 'verify'],
    [VERIFY_ACTIONS.recheck, 'recheck'],
  ] as const) {
    app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action, respond }) => {
      await ack();
      const log = deps.logger.child({ requestId: body.trigger_id || randomUUID(), action: kind, user: body.user?.id });
      const reply = replyVia(respond);
      try {
        const where = parseMessageAction(body, action);
        const incidentId = parseButtonValue(action);
        if (!where.ok || incidentId === null) {
          await reply(noticeMessage(':warning: pymem could not tell which report that button belongs to.')).catch(() => undefined);
          deps.telemetry.actionHandled(kind, 'unreadable');
          return;
        }
        const request = { channelId: where.value.channelId, userId: where.value.userId, incidentId, requestKey: where.value.requestKey, reply, log };
        const outcome = kind === 'verify' ? await deps.verify.click(request) : await deps.verify.scheduleRecheck(request);
        deps.telemetry.actionHandled(kind, outcome);
      } catch (error) {
        deps.telemetry.actionHandled(kind, 'error');
        log.error({ err: error }, 'verify action failed after the acknowledgement');
        await reply(noticeMessage(':x: That did not work: something failed on pymem’s side (logged). Try again in a minute.')).catch(() => undefined);
      }
    });
  }
}

/** `/pymem verify <service> [since <time>]`, called by the command handler after it parsed the text. */
export async function handleVerifyCommand(
  deps: VerifyHandlerDeps,
  command: { readonly channel_id: string; readonly user_id: string; readonly trigger_id: string },
  parsed: Extract<BotCommand, { kind: 'verify' }>,
  ack: (message: { response_type: 'ephemeral'; text: string; blocks: ReturnType<typeof noticeMessage>['blocks'] }) => Promise<void>,
  respond: RespondFn,
  log: Logger,
): Promise<void> {
  const message = noticeMessage(verifyingText(parsed.service));
  await ack({ response_type: 'ephemeral', text: message.text, blocks: message.blocks });
  const reply = replyVia(respond);
  try {
    const outcome = await deps.verify.command({
      channelId: command.channel_id,
      userId: command.user_id,
      service: parsed.service,
      since: parsed.since,
      deliveryKey: command.trigger_id,
      reply,
      log,
    });
    deps.telemetry.commandHandled(outcome === 'denied' ? 'denied' : 'verify', outcome);
  } catch (error) {
    deps.telemetry.commandHandled('verify', 'error');
    log.error({ err: error }, 'verify failed after the acknowledgement');
    await reply(noticeMessage(':x: Something unexpected went wrong on pymem’s side after it started (logged). Run the command again in a minute.')).catch(() => undefined);
  }
}
