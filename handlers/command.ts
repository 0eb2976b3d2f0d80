/** `/pymem ...`: acknowledge at once, then hand the work to the report service. */

import { randomUUID } from 'node:crypto';
import type { App, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import { parseCommand } from '../src/bot/command';
import type { DoctorService } from '../src/bot/doctor';
import { commandFailedText, doctorCheckingText, invalidCommandText, timelineExportingText, type CommandWork } from '../src/bot/notices';
import type { ReportService } from '../src/bot/reports';
import type { Subscriptions } from '../src/bot/subscriptions';
import type { VerifyService } from '../src/bot/verify';
import type { Telemetry } from '../src/observability/telemetry';
import { commandResponse, ephemeralReply, ephemeralTextReply, helpMessage, noticeMessage } from '../src/slack/blocks';
import { replyVia } from './reply';
import { runTimelineCommand, type IncidentHandlerDeps } from './incident';
import { handleVerifyCommand } from './verify';

export interface CommandDeps {
  readonly reports: ReportService;
  readonly subscriptions: Subscriptions;
  readonly doctor: DoctorService;
  readonly verify: VerifyService;
  readonly maxWindowMs: number;
  readonly defaultWindowMs: number;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly incidents: IncidentHandlerDeps['incidents'];
}

export function registerCommand(app: App, deps: CommandDeps): void {
  // Any command name: a workspace may have renamed /pymem; help shows whatever name was used.
  app.command(/.*/, async ({ command, ack, respond }) => {
    // A forged or garbled request can carry text that is not a string (a repeated field, a number).
    const parsed = parseCommand(typeof command.text === 'string' ? command.text : '', deps.maxWindowMs);
    const log = deps.logger.child({ requestId: command.trigger_id || randomUUID(), command: parsed.kind, channel: command.channel_id, user: command.user_id });
    const channelName = typeof command.channel_name === 'string' ? command.channel_name : null;
    switch (parsed.kind) {
      case 'help':
        await ack(commandResponse(helpMessage(command.command)));
        deps.telemetry.commandHandled('help', 'answered');
        return;
      case 'invalid':
        await ack(commandResponse(noticeMessage(invalidCommandText(parsed.message, command.command))));
        deps.telemetry.commandHandled('invalid', 'answered');
        log.info({ reason: parsed.message }, 'refused a command');
        return;
      case 'subscribe':
      case 'unsubscribe':
      case 'list': {
        await ack();
        const job = async (): Promise<string> => {
          const message =
            parsed.kind === 'list'
              ? await deps.subscriptions.list(command.channel_id)
              : parsed.kind === 'subscribe'
                ? await deps.subscriptions.subscribe(command.channel_id, parsed.service, command.user_id, channelName)
                : await deps.subscriptions.unsubscribe(command.channel_id, parsed.service);
          // Subscriptions change what the whole channel gets, so the channel sees the answer.
          await respond(commandResponse(message, parsed.kind === 'list' ? 'ephemeral' : 'in_channel'));
          return 'answered';
        };
        await run(log, deps, parsed.kind, job, respond);
        return;
      }
      case 'analyze': {
        // Decided without waiting for anything: "Analysing…", or "busy" when the queue is too long.
        const accepted = deps.reports.accept({
          channelId: command.channel_id,
          channelName,
          userId: command.user_id,
          service: parsed.service,
          windowMs: parsed.windowMs,
          deliveryKey: command.trigger_id,
          reply: replyVia(respond),
          log,
        });
        await ack(commandResponse(accepted.ack));
        if (accepted.kind === 'busy') {
          deps.telemetry.commandHandled('analyze', 'busy');
          log.warn({ service: parsed.service }, 'answered busy: the analysis queue is too long');
          return;
        }
        // Let the acknowledgements of requests that arrived with this one go out before this
        // one's work starts (a burst of commands otherwise acks one, works, acks the next, ...).
        await new Promise((resolve) => setImmediate(resolve));
        await run(log, deps, 'analyze', accepted.run, respond);
        return;
      }
      case 'doctor': {
        await ack(commandResponse(noticeMessage(doctorCheckingText(parsed.service, parsed.windowMs ?? deps.defaultWindowMs))));
        await new Promise((resolve) => setImmediate(resolve));
        const job = async (): Promise<string> => {
          const { outcome, message } = await deps.doctor.answer({ channelId: command.channel_id, service: parsed.service, windowMs: parsed.windowMs, log });
          await respond(ephemeralReply(message));
          return outcome;
        };
        await run(log, deps, 'doctor', job, respond);
        return;
      }
      case 'verify':
        await handleVerifyCommand(deps, command, parsed, ack, respond, log);
        return;
      case 'timeline':
        await ack(commandResponse(noticeMessage(timelineExportingText(parsed.service))));
        await runTimelineCommand(deps, command, parsed.service, respond, log);
        return;
      default: {
        const unknown: never = parsed;
        throw new Error(`unhandled command ${JSON.stringify(unknown)}`);
      }
    }
  });
}

async function run(log: Logger, deps: CommandDeps, kind: CommandWork, job: () => Promise<string>, respond: RespondFn): Promise<void> {
  try {
    const outcome = await job();
    deps.telemetry.commandHandled(outcome === 'denied' ? 'denied' : kind, outcome);
  } catch (error) {
    deps.telemetry.commandHandled(kind, 'error');
    log.error({ err: error }, 'slash command failed after the acknowledgement');
    // The requester was told "Analysing…" (or nothing yet, for subscriptions): never leave them waiting.
    await respond(ephemeralTextReply(commandFailedText(kind))).catch((replyError: unknown) =>
      log.error({ err: replyError }, 'could not tell the requester that the command failed'),
    );
  }
}

