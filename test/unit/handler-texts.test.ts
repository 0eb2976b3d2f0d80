/** The texts and response shapes the handlers send, now built in src/ (handlers only call them). */

import { describe, expect, it } from 'vitest';
import { ACTION_FAILED_TEXT, commandFailedText, invalidCommandText, unreadableClickText, unreadableWindowText } from '../../src/bot/notices';
import { commandResponse, ephemeralReply, ephemeralTextReply, noticeMessage } from '../../src/slack/blocks';

describe('what the handlers tell people', () => {
  it('a command that cannot be parsed: the reason, escaped, and help under the name the workspace uses', () => {
    expect(invalidCommandText('Unknown window "<1y>".', '/mem')).toBe(':warning: Unknown window "&lt;1y&gt;". Try `/mem help`.');
  });

  it('a command that failed after its acknowledgement names what could not be done', () => {
    expect(commandFailedText('list')).toBe(':x: pymem could not read this channel’s subscriptions: its database did not answer or something unexpected failed (logged). Try again in a minute.');
    expect(commandFailedText('unsubscribe')).toContain('pymem could not unsubscribe the service');
    expect(commandFailedText('analyze')).toBe(':x: Something unexpected went wrong on pymem’s side after it started (logged). Run the command again in a minute.');
    expect(commandFailedText('doctor')).toBe(commandFailedText('analyze'));
  });

  it('clicks that fail or cannot be read', () => {
    expect(ACTION_FAILED_TEXT).toBe(':x: That did not work: something failed on pymem’s side (logged). Try again in a minute.');
    expect(unreadableClickText('unknown checklist step "x"')).toBe(':warning: pymem could not read that click (unknown checklist step "x").');
    expect(unreadableWindowText(null)).toBe(':warning: pymem could not tell which report that was.');
    expect(unreadableWindowText('unknown window')).toBe(':warning: unknown window.');
  });

  it('responses: ephemeral by default, in the channel when asked, and replies that never replace the message clicked', () => {
    const message = noticeMessage('hello');
    expect(commandResponse(message)).toEqual({ response_type: 'ephemeral', text: 'hello', blocks: message.blocks });
    expect(commandResponse(message, 'in_channel').response_type).toBe('in_channel');
    expect(ephemeralReply(message)).toEqual({ response_type: 'ephemeral', replace_original: false, text: 'hello', blocks: message.blocks });
    expect(ephemeralTextReply('oops')).toEqual({ response_type: 'ephemeral', replace_original: false, text: 'oops' });
  });
});
