import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/bot/command';
import { parseChecklistAction, parseMessageAction, parseWindowAction } from '../../src/slack/payloads';

const WEEK = 7 * 86_400_000;

describe('parseCommand', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['  HELP ', { kind: 'help' }],
    ['checkout-api', { kind: 'analyze', service: 'checkout-api', windowMs: null }],
    ['  checkout-api   24h ', { kind: 'analyze', service: 'checkout-api', windowMs: 86_400_000 }],
    ['checkout-api 7d', { kind: 'analyze', service: 'checkout-api', windowMs: WEEK }],
    ['doctor checkout-api', { kind: 'doctor', service: 'checkout-api', windowMs: null }],
    ['Doctor  checkout-api 24h', { kind: 'doctor', service: 'checkout-api', windowMs: 86_400_000 }],
    ['timeline', { kind: 'timeline', service: null }],
    ['Timeline  checkout-api ', { kind: 'timeline', service: 'checkout-api' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text, 30 * 86_400_000)).toEqual(expected);
  });

  it.each([
    ['checkout-api"} or vector(1)', /not a service name/],
    ['check out api', /at most one window/],
    ['checkout-api banana', /not a window/],
    ['checkout-api 5m', /shortest window is 10m/],
    ['checkout-api 60d', /longest window is 30d/],
    ['x'.repeat(600), /longer than any pymem command/],
    ['a\u0000b', /not a service name/],
    ['doctor', /Usage: `doctor <service> \[window\]`/],
    ['doctor checkout-api 5m', /shortest window is 10m/],
    ['doctor checkout-api 6h more', /at most one window/],
    ['doctor a"b', /not a service name/],
    ['timeline checkout-api search-api', /Usage: `timeline \[service\]`/],
    ['timeline a"b', /not a service name/],
  ])('refuses %j', (text, message) => {
    const parsed = parseCommand(text, 30 * 86_400_000);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') {
      expect(parsed.message).toMatch(message);
      expect(parsed.message.includes(String.fromCharCode(0))).toBe(false);
    }
  });
});

describe('interaction payloads', () => {
  const body = { trigger_id: '123.456.abc', user: { id: 'U1' }, channel: { id: 'C1' }, container: { type: 'message', message_ts: '1700000000.000100' } };

  it('reads who clicked where, with a key that a redelivery repeats', () => {
    const action = { type: 'checkboxes', action_id: 'checklist:find-worker', action_ts: '1700000001.1', selected_options: [] };
    expect(parseMessageAction(body, action)).toEqual({ ok: true, value: { userId: 'U1', channelId: 'C1', messageTs: '1700000000.000100', requestKey: '123.456.abc:1700000001.1' } });
  });

  it('reads a tick and an untick', () => {
    expect(parseChecklistAction({ type: 'checkboxes', action_id: 'checklist:find-worker', selected_options: [{ value: 'find-worker' }] })).toEqual({ ok: true, value: { stepId: 'find-worker', checked: true } });
    expect(parseChecklistAction({ type: 'checkboxes', action_id: 'checklist:allocation-paths', selected_options: [] })).toEqual({ ok: true, value: { stepId: 'allocation-paths', checked: false } });
  });

  it.each([
    [{ type: 'checkboxes', action_id: 'checklist:rm -rf', selected_options: [] }],
    [{ type: 'button', action_id: 'checklist:find-worker' }],
    [{}],
    [null],
    ['checklist'],
  ])('refuses a malformed checklist action %j', (action) => {
    expect(parseChecklistAction(action).ok).toBe(false);
  });

  it('refuses bodies without a user, channel or message', () => {
    expect(parseMessageAction({}, {}).ok).toBe(false);
    expect(parseMessageAction({ user: { id: 'U1' } }, {}).ok).toBe(false);
    expect(parseMessageAction({ user: { id: 'U1' }, channel: { id: 'C1' } }, {}).ok).toBe(false);
  });

  it('accepts only the offered windows', () => {
    expect(parseWindowAction({ selected_option: { value: '86400000' } })).toEqual({ ok: true, value: 86_400_000 });
    expect(parseWindowAction({ selected_option: { value: '1' } }).ok).toBe(false);
    expect(parseWindowAction({ selected_option: { value: '1e400' } }).ok).toBe(false);
    expect(parseWindowAction({}).ok).toBe(false);
  });
});
