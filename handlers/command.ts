/** `/pymem ...`: acknowledge at once, then hand the work to the report service. */

import { randomUUID } from 'node:crypto';
import type { App, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import { parseCommand } from '../src/bot/command';
import type { ReportService } from '../src/bot/reports';
import type { Subscriptions } from '../src/bot/subscriptions';
import { formatDuration } from '../src/domain/format';
import type { Telemetry } from '../src/observability/telemetry';
import { helpMessage, noticeMessage, type SlackMessage } from '../src/slack/blocks';
import type { Reply } from '../src/slack/gateway';
import { escapeMrkdwn } from '../src/slack/limits';

export interface CommandDeps {
  readonly reports: ReportService;
  readonly subscriptions: Subscriptions;
  readonly maxWindowMs: number;
  readonly defaultWindowMs: number;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
}

export function registerCommand(app: App, deps: CommandDeps): void {
  // Any command name: a workspace may have renamed /pymem; help shows whatever name was used.
  app.command(/.*/, async ({ command, ack, respond }) => {
    // A forged or garbled request can carry text that is not a string (a repeated field, a number).
    const parsed = parseCommand(typeof command.text === 'string' ? command.text : '', deps.maxWindowMs);
    const log = deps.logger.child({ requestId: command.trigger_id || randomUUID(), command: parsed.kind, channel: command.channel_id, user: command.user_id });
    switch (parsed.kind) {
      case 'help':
        await ack(ephemeral(helpMessage(command.command)));
        deps.telemetry.commandHandled('help', 'answered');
        return;
      case 'invalid':
        await ack(ephemeral(noticeMessage(`:warning: ${escapeMrkdwn(parsed.message)} Try \`${command.command} help\`.`)));
        deps.telemetry.commandHandled('invalid', 'answered');
        log.info({ reason: parsed.message }, 'refused a command');
        return;
      case 'subscribe':
      case 'unsubscribe':
      case 'list': {
        await ack();
        await run(log, deps, parsed.kind, async () => {
          const message =
            parsed.kind === 'list'
              ? await deps.subscriptions.list(command.channel_id)
              : parsed.kind === 'subscribe'
                ? await deps.subscriptions.subscribe(command.channel_id, parsed.service, command.user_id)
                : await deps.subscriptions.unsubscribe(command.channel_id, parsed.service);
          // Subscriptions change what the whole channel gets, so the channel sees the answer.
          await respond({ response_type: parsed.kind === 'list' ? 'ephemeral' : 'in_channel', text: message.text, blocks: message.blocks });
          return 'answered';
        });
        return;
      }
      case 'analyze': {
        const windowMs = parsed.windowMs ?? deps.defaultWindowMs;
        await ack(ephemeral(noticeMessage(`:hourglass_flowing_sand: Analysing \`${parsed.service}\` over the last ${formatDuration(windowMs)}…`)));
        await run(log, deps, 'analyze', () =>
          deps.reports.runCommand({
            channelId: command.channel_id,
            userId: command.user_id,
            service: parsed.service,
            windowMs,
            deliveryKey: command.trigger_id,
            reply: replyVia(respond),
            log,
          }),
        );
        return;
      }
      default: {
        const unknown: never = parsed;
        throw new Error(`unhandled command ${JSON.stringify(unknown)}`);
      }
    }
  });
}

async function run(log: Logger, deps: CommandDeps, kind: 'analyze' | 'subscribe' | 'unsubscribe' | 'list', job: () => Promise<string>): Promise<void> {
  try {
    const outcome = await job();
    deps.telemetry.commandHandled(outcome === 'denied' ? 'denied' : kind, outcome);
  } catch (error) {
    deps.telemetry.commandHandled(kind, 'error');
    log.error({ err: error }, 'slash command failed after the acknowledgement');
  }
}

export function ephemeral(message: SlackMessage): { response_type: 'ephemeral'; text: string; blocks: SlackMessage['blocks'] } {
  return { response_type: 'ephemeral', text: message.text, blocks: message.blocks };
}

/** Replies only the requester sees, through the request's response_url. */
export function replyVia(respond: RespondFn): Reply {
  return async (message) => {
    await respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks });
  };
}
