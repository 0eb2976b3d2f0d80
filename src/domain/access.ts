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

export function deniedText(service: string): string {
  return `This channel is not allowed to query \`${service}\`. Ask the pymem operators to add it to the channel's access list, or run the command in the channel that owns the service.`;
}
