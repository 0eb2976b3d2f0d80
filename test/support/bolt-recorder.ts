/**
 * Bolt's listener registration without Bolt's network: handlers register on this as on an App, and a
 * test delivers a slash command or a click to every listener whose constraints match, as Bolt does
 * (all matching listeners run, so a request two listeners match is acknowledged twice: a bug). It
 * records the acknowledgements and the replies sent to the response_url.
 */

import type { App } from '@slack/bolt';

type Listener = (args: Record<string, unknown>) => Promise<void>;
type ActionConstraints = string | RegExp | { readonly type?: string; readonly action_id?: string | RegExp };

export interface Delivery {
  /** What each ack() was called with (undefined: an empty acknowledgement). */
  readonly acks: unknown[];
  /** What was sent to the response_url, in order. */
  readonly responses: Record<string, unknown>[];
}

export class BoltRecorder {
  private readonly commands: { pattern: string | RegExp; listener: Listener }[] = [];
  private readonly actions: { constraints: ActionConstraints; listener: Listener }[] = [];

  command(pattern: string | RegExp, listener: Listener): void {
    this.commands.push({ pattern, listener });
  }

  action(constraints: ActionConstraints, listener: Listener): void {
    this.actions.push({ constraints, listener });
  }

  /** The handlers only register listeners; the rest of App is never touched. */
  asApp(): App {
    return this as unknown as App;
  }

  /** Delivers a slash command (`text` after the command name) and waits for every listener to finish. */
  async slashCommand(text: string, fields: { readonly user?: string; readonly channel?: string; readonly channelName?: string; readonly triggerId?: string; readonly command?: string } = {}): Promise<Delivery> {
    const command = {
      command: fields.command ?? '/pymem',
      text,
      user_id: fields.user ?? 'U0ALICE',
      channel_id: fields.channel ?? 'C0INCIDENT1',
      channel_name: fields.channelName ?? 'incidents',
      trigger_id: fields.triggerId ?? `trigger-${Math.random().toString(36).slice(2)}`,
      response_url: 'https://hooks.slack.test/commands/1',
      team_id: 'T0TEAM',
    };
    const matching = this.commands.filter(({ pattern }) => (typeof pattern === 'string' ? pattern === command.command : pattern.test(command.command)));
    return this.deliver(
      matching.map((m) => m.listener),
      (delivery) => ({ command, body: command, payload: command, ...this.replies(delivery) }),
    );
  }

  /** Delivers a block_actions click on `action` in the message at (channel, ts). */
  async click(
    action: Record<string, unknown> & { readonly action_id: string },
    where: { readonly channel?: string; readonly messageTs: string; readonly user?: string; readonly triggerId?: string },
  ): Promise<Delivery> {
    const fullAction = { block_id: 'b1', action_ts: '1772452900.000100', ...action };
    const body = {
      type: 'block_actions',
      trigger_id: where.triggerId ?? `trigger-${Math.random().toString(36).slice(2)}`,
      user: { id: where.user ?? 'U0ALICE' },
      channel: { id: where.channel ?? 'C0INCIDENT1' },
      container: { type: 'message', message_ts: where.messageTs, channel_id: where.channel ?? 'C0INCIDENT1' },
      message: { ts: where.messageTs },
      actions: [fullAction],
      response_url: 'https://hooks.slack.test/actions/1',
    };
    const matching = this.actions.filter(({ constraints }) => actionMatches(constraints, body.type, fullAction.action_id));
    return this.deliver(
      matching.map((m) => m.listener),
      (delivery) => ({ body, action: fullAction, payload: fullAction, ...this.replies(delivery) }),
    );
  }

  private replies(delivery: Delivery): Record<string, unknown> {
    return {
      ack: async (response?: unknown) => void delivery.acks.push(response),
      respond: async (message: Record<string, unknown>) => void delivery.responses.push(message),
    };
  }

  private async deliver(listeners: Listener[], args: (delivery: Delivery) => Record<string, unknown>): Promise<Delivery> {
    const delivery: Delivery = { acks: [], responses: [] };
    await Promise.all(listeners.map((listener) => listener(args(delivery))));
    return delivery;
  }
}

function actionMatches(constraints: ActionConstraints, type: string, actionId: string): boolean {
  const idMatches = (id: string | RegExp | undefined) => id === undefined || (typeof id === 'string' ? id === actionId : id.test(actionId));
  if (typeof constraints === 'string' || constraints instanceof RegExp) return idMatches(constraints);
  return (constraints.type === undefined || constraints.type === type) && idMatches(constraints.action_id);
}
