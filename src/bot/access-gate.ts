/**
 * The one place every entry point asks whether a channel may see a service: /pymem reports and
 * re-runs, the doctor, subscriptions and the digest. Built once from the config's access list in
 * src/app.ts and handed to each, so they cannot disagree on the rule or on what the refusal says.
 */

import { accessAllows, deniedText, type AccessPolicy } from '../domain/access';
import { noticeMessage, type SlackMessage } from '../slack/blocks';

export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly message: SlackMessage };

const ALLOWED: AccessDecision = { allowed: true };

export class AccessGate {
  /** A gate that lets every channel see every service (no access list configured). */
  static readonly open = new AccessGate(null);

  /** `policy` null means no access list: everything is allowed. */
  constructor(private readonly policy: AccessPolicy | null) {}

  /** Whether the channel may see the service; when not, the refusal to show the requester, naming the setting that grants it. */
  check(channelId: string, service: string): AccessDecision {
    if (this.allows(channelId, service)) return ALLOWED;
    return { allowed: false, message: noticeMessage(`:no_entry: ${deniedText(service, channelId)}`) };
  }

  /** The same rule, for callers that skip what is not allowed instead of telling anyone (the digest). */
  allows(channelId: string, service: string): boolean {
    return accessAllows(this.policy, channelId, service);
  }
}
