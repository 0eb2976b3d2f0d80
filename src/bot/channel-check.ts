/**
 * Asks Slack whether pymem can post in a channel before any work is done for it. A channel found
 * postable is remembered for a few minutes (conversations.info is rate limited, and a busy incident
 * channel asks many times); a refusal is never remembered, so inviting pymem takes effect at once.
 */

import type { Logger } from 'pino';
import { SlackCallError, type SlackGateway } from '../slack/gateway';
import { postabilityOf, type ChannelHint, type Postability } from '../slack/postability';

export interface ChannelCheckDeps {
  readonly slack: SlackGateway;
  readonly logger: Logger;
  /** Clock in ms. */
  readonly now: () => number;
  /** How long a channel found postable stays so without asking again, ms. */
  readonly okTtlMs?: number;
}

const DEFAULT_OK_TTL_MS = 5 * 60_000;
/**
 * The check is worth a few seconds, not the request: a rate-limited or slow conversations.info
 * (Tier 3, about 50 a minute) is given up and the work goes ahead, handling a refusal when posting.
 */
const CHECK_DEADLINE_MS = 3_000;
/** After missing_scope, the app cannot check at all: stop asking for this long. */
const NO_SCOPE_PAUSE_MS = 10 * 60_000;
/** Remembered channels, at most; the oldest are forgotten first. */
const MAX_REMEMBERED = 5_000;

export class ChannelCheck {
  private readonly ok = new Map<string, number>();
  private readonly asking = new Map<string, Promise<Postability>>();
  private warnedScope = false;
  /** Until when pymem does not ask (the app lacks the scopes conversations.info needs). */
  private noScopeUntil = 0;

  constructor(private readonly deps: ChannelCheckDeps) {}

  /** `fresh`: ask Slack even if the channel was found postable a moment ago (a daily digest can afford to). */
  async check(hint: ChannelHint, options: { readonly fresh?: boolean } = {}): Promise<Postability> {
    if (this.noScopeUntil > this.deps.now()) return { kind: 'unknown', code: 'missing_scope' };
    const until = this.ok.get(hint.channelId);
    if (options.fresh !== true && until !== undefined && until > this.deps.now()) return { kind: 'can-post' };
    let pending = this.asking.get(hint.channelId);
    if (pending === undefined) {
      pending = this.ask(hint).finally(() => this.asking.delete(hint.channelId));
      this.asking.set(hint.channelId, pending);
    }
    return pending;
  }

  /** A call into the channel was refused: ask Slack again next time. */
  forget(channelId: string): void {
    this.ok.delete(channelId);
  }

  private async ask(hint: ChannelHint): Promise<Postability> {
    let result: Postability;
    try {
      result = postabilityOf({ ok: true, info: await this.deps.slack.conversationInfo(hint.channelId, { deadlineMs: CHECK_DEADLINE_MS }) }, hint);
    } catch (error) {
      const code = error instanceof SlackCallError ? error.code : 'unknown';
      result = postabilityOf({ ok: false, code }, hint);
      if (code === 'missing_scope') this.noScopeUntil = this.deps.now() + NO_SCOPE_PAUSE_MS;
      if (result.kind === 'unknown') {
        if (code === 'missing_scope' && !this.warnedScope) {
          this.warnedScope = true;
          this.deps.logger.warn(
            'pymem cannot check channels before analysing (missing_scope): add the bot scopes channels:read, groups:read, im:read and mpim:read (manifest.yml) and reinstall the app',
          );
        } else if (code !== 'missing_scope') {
          this.deps.logger.warn({ err: error, channelId: hint.channelId }, 'could not check the channel before analysing; going ahead');
        }
      }
    }
    if (result.kind === 'can-post') {
      if (this.ok.size >= MAX_REMEMBERED) this.ok.delete(this.ok.keys().next().value!);
      this.ok.set(hint.channelId, this.deps.now() + (this.deps.okTtlMs ?? DEFAULT_OK_TTL_MS));
    }
    return result;
  }
}
