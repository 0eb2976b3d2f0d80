/**
 * Which services a channel may query. Off unless configured; once configured, a channel sees only
 * the services listed for it (exact names, or patterns with `*`), and unlisted channels see none
 * unless `unlisted: allow` — so one team cannot read another team's metrics from its channel.
 */

export interface AccessPolicy {
  readonly channels: Readonly<Record<string, readonly string[]>>;
  readonly unlisted: 'allow' | 'deny';
}

export function accessAllows(policy: AccessPolicy | null, channelId: string, service: string): boolean {
  if (policy === null) return true;
  const patterns = policy.channels[channelId];
  if (patterns === undefined) return policy.unlisted === 'allow';
  return patterns.some((p) => matches(p, service));
}

function matches(pattern: string, service: string): boolean {
  if (!pattern.includes('*')) return pattern === service;
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(service);
}

/** The refusal, naming the setting that would grant it (the operators edit the config file, not Slack). */
export function deniedText(service: string, channelId: string): string {
  return `This channel is not allowed to query \`${service}\`. Access is granted in pymem's config file: \`access.channels.${channelId}\` lists the services (or patterns like \`checkout-*\`) this channel may query. Ask the pymem operators to add it there, or run the command in the channel that owns the service.`;
}
