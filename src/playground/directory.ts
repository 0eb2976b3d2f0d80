/** The made-up workspace the playground shows: two channels and three people. Pure data. */

export interface PlaygroundChannel {
  readonly id: string;
  readonly name: string;
  readonly topic: string;
}

export interface PlaygroundUser {
  readonly id: string;
  readonly name: string;
  /** Lower-case handle, what Slack sends as `user_name` / `username`. */
  readonly handle: string;
  readonly title: string;
  /** Avatar background, a CSS colour. */
  readonly color: string;
}

export const PLAYGROUND_CHANNELS: readonly PlaygroundChannel[] = [
  { id: 'C0CHECKOUT1', name: 'incident-checkout', topic: 'checkout-api memory climbing since the 09:00 deploy · IC: Alice' },
  { id: 'C0PLATFORM1', name: 'platform-oncall', topic: 'Platform on-call · daily memory digest lands here' },
];

export const PLAYGROUND_USERS: readonly PlaygroundUser[] = [
  { id: 'U0ALICE01', name: 'Alice', handle: 'alice', title: 'Incident commander', color: '#2b7bb9' },
  { id: 'U0BOB0001', name: 'Bob', handle: 'bob', title: 'Backend engineer', color: '#e8912d' },
  { id: 'U0CHANDRA1', name: 'Chandra', handle: 'chandra', title: 'SRE', color: '#2bac76' },
];

/** The team id the stand-in reports and the signed requests carry. */
export const PLAYGROUND_TEAM = { id: 'T0PLAYGRND', name: 'pymem playground', domain: 'pymem-playground' } as const;

/** The only slash command the playground forwards; the bot answers to any name, Slack would route only its own. */
export const PLAYGROUND_COMMAND = '/pymem';

export const CHANNEL_IDS = PLAYGROUND_CHANNELS.map((c) => c.id) as [string, ...string[]];
export const USER_IDS = PLAYGROUND_USERS.map((u) => u.id) as [string, ...string[]];

export function channelById(id: string): PlaygroundChannel | undefined {
  return PLAYGROUND_CHANNELS.find((c) => c.id === id);
}

export function userById(id: string): PlaygroundUser | undefined {
  return PLAYGROUND_USERS.find((u) => u.id === id);
}
