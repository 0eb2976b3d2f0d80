/** Verifying a fix (issue 13): the "Verify fix" and "Check again in 1 h" buttons, and `/pymem verify`. Acknowledge first, then one call into src/. */

import { randomUUID } from 'node:crypto';
import type { App, BlockAction, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { VerifyService } from '../src/bot/verify';
import type { BotCommand } from '../src/bot/command';
import { ACTION_FAILED_TEXT, commandFailedText, unreadableWindowText } from '../src/bot/notices';
import type { Telemetry } from '../src/observability/telemetry';
import { noticeMessage } from '../src/slack/blocks';
import { replyVia } from './reply';
import { parseButtonValue, parseMessageAction } from '../src/slack/payloads';
import { VERIFY_ACTION_MATCHERS, verifyingText } from '../src/slack/verify-blocks';

export interface VerifyHandlerDeps {
  readonly verify: VerifyService;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
}

export function registerVerifyActions(app: App, deps: VerifyHandlerDeps): void {
  for (const [actionId, kind] of [
    [VERIFY_ACTION_MATCHERS.verify, 'verify'],
    [VERIFY_ACTION_MATCHERS.recheck, 'recheck'],
  ] as const) {
    app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action, respond }) => {
      await ack();
      const log = deps.logger.child({ requestId: body.trigger_id || randomUUID(), action: kind, user: body.user?.id });
      const reply = replyVia(respond);
      try {
        const where = parseMessageAction(body, action);
        const incidentId = parseButtonValue(action);
        if (!where.ok || incidentId === null) {
          await reply(noticeMessage(unreadableWindowText(null))).catch(() => undefined);
          deps.telemetry.actionHandled(kind, 'unreadable');
          return;
        }
        const request = { channelId: where.value.channelId, userId: where.value.userId, incidentId, requestKey: where.value.requestKey, reply, log };
        const outcome = kind === 'verify' ? await deps.verify.click(request) : await deps.verify.scheduleRecheck(request);
        deps.telemetry.actionHandled(kind, outcome);
      } catch (error) {
        deps.telemetry.actionHandled(kind, 'error');
        log.error({ err: error }, 'verify action failed after the acknowledgement');
        await reply(noticeMessage(ACTION_FAILED_TEXT)).catch(() => undefined);
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
    await reply(noticeMessage(commandFailedText('verify'))).catch(() => undefined);
  }
}

