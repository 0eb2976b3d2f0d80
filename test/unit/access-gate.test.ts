import { describe, expect, it } from 'vitest';
import { AccessGate } from '../../src/bot/access-gate';

const gate = new AccessGate({ channels: { C0TEAM: ['checkout-*', 'search-api'] }, unlisted: 'deny' });

describe('AccessGate', () => {
  it('lets a listed channel see its services, exact or by pattern', () => {
    expect(gate.check('C0TEAM', 'checkout-api')).toEqual({ allowed: true });
    expect(gate.check('C0TEAM', 'search-api')).toEqual({ allowed: true });
    expect(gate.allows('C0TEAM', 'checkout-worker')).toBe(true);
  });

  it('refuses another service with the text that names the setting granting it', () => {
    const decision = gate.check('C0TEAM', 'billing-api');
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    const section = decision.message.blocks[0];
    expect(section).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: ":no_entry: This channel is not allowed to query `billing-api`. Access is granted in pymem's config file: `access.channels.C0TEAM` lists the services (or patterns like `checkout-*`) this channel may query. Ask the pymem operators to add it there, or run the command in the channel that owns the service.",
      },
    });
    expect(decision.message.text).toContain('access.channels.C0TEAM lists the services');
    expect(gate.allows('C0TEAM', 'billing-api')).toBe(false);
  });

  it('refuses unlisted channels when the list says deny, and allows them when it says allow', () => {
    expect(gate.check('C0OTHER', 'checkout-api').allowed).toBe(false);
    const lenient = new AccessGate({ channels: { C0TEAM: ['checkout-*'] }, unlisted: 'allow' });
    expect(lenient.check('C0OTHER', 'billing-api')).toEqual({ allowed: true });
    expect(lenient.check('C0TEAM', 'billing-api').allowed).toBe(false);
  });

  it('allows everything without an access list', () => {
    expect(new AccessGate(null).check('C0ANY', 'anything')).toEqual({ allowed: true });
    expect(AccessGate.open.allows('C0ANY', 'anything')).toBe(true);
  });
});
