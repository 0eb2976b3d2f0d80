/** `/pymem ...`: acknowledge at once, then hand the work to the report service. */

import type { App, RespondFn, SlashCommand } from '@slack/bolt';
import type { Logger } from 'pino';
import { parseCommand } from '../src/bot/command';
import type { ReportService } from '../src/bot/reports';
import type { Subscriptions } from '../src/bot/subscriptions';
import { formatDuration } from '../src/domain/format';
import { helpMessage, noticeMessage, type SlackMessage } from '../src/slack/blocks';
import type { Reply } from '../src/slack/gateway';

export interface CommandDeps {
  readonly reports: ReportService;
  readonly subscriptions: Subscriptions;
  readonly maxWindowMs: number;
  readonly defaultWindowMs: number;
  readonly logger: Logger;
}

export function registerCommand(app: App, deps: CommandDeps): void {
  // Any command name: a workspace may have renamed /pymem; help shows whatever name was used.
  app.command(/.*/, async ({ command, ack, respond }) => {
    const parsed = parseCommand(command.text ?? '', deps.maxWindowMs);
    switch (parsed.kind) {
      case 'help':
        await ack(ephemeral(helpMessage(command.command)));
        return;
      case 'invalid':
        await ack(ephemeral(noticeMessage(`:warning: ${parsed.message} Try \`${command.command} help\`.`)));
        return;
      case 'subscribe':
      case 'unsubscribe':
      case 'list': {
        await ack();
        await run(deps, command, async () => {
          const message =
            parsed.kind === 'list'
              ? await deps.subscriptions.list(command.channel_id)
              : parsed.kind === 'subscribe'
                ? await deps.subscriptions.subscribe(command.channel_id, parsed.service, command.user_id)
                : await deps.subscriptions.unsubscribe(command.channel_id, parsed.service);
          // Subscriptions change what the whole channel gets, so the channel sees the answer.
          await respond({ response_type: parsed.kind === 'list' ? 'ephemeral' : 'in_channel', text: message.text, blocks: message.blocks });
        });
        return;
      }
      case 'analyze': {
        const windowMs = parsed.windowMs ?? deps.defaultWindowMs;
        await ack(ephemeral(noticeMessage(`:hourglass_flowing_sand: Analysing \`${parsed.service}\` over the last ${formatDuration(windowMs)}…`)));
        await run(deps, command, () =>
          deps.reports.runCommand({
            channelId: command.channel_id,
            userId: command.user_id,
            service: parsed.service,
            windowMs,
            deliveryKey: command.trigger_id,
            reply: replyVia(respond),
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

async function run(deps: CommandDeps, command: SlashCommand, job: () => Promise<unknown>): Promise<void> {
  try {
    await job();
  } catch (error) {
    deps.logger.error({ err: error, channel: command.channel_id }, 'slash command failed after the acknowledgement');
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
