import { describe, expect, it } from 'vitest';
import {
  BLOCK_LIMITS,
  type BlockValidationContext,
  formatProblem,
  type SlackFileRef,
  validateBlocks,
} from '../../src/slack-standin/block-validation';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'section', text: mrkdwn(text), ...extra });
const button = (text: string, actionId: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain(text),
  action_id: actionId,
  ...extra,
});
const option = (text: string, value: string) => ({ text: plain(text), value });

/** Pointers of the problems found, the shortest useful view of a result. */
function pointers(blocks: unknown, context?: BlockValidationContext): string[] {
  return validateBlocks(blocks, context).map((p) => p.pointer);
}

const files: Record<string, { mimetype: string; ready: boolean }> = {
  F0000000001: { mimetype: 'image/png', ready: true },
  F0000000002: { mimetype: 'image/png', ready: false },
  F0000000003: { mimetype: 'text/plain', ready: true },
};
const withFiles: BlockValidationContext = {
  findFile: (ref: SlackFileRef) => {
    if (ref.id !== undefined) return files[ref.id];
    if (ref.url === 'http://stand-in/files/F0000000001/chart.png') return files['F0000000001'];
    return undefined;
  },
};

describe('validateBlocks', () => {
  it('accepts a message like the bot posts', () => {
    const blocks = [
      { type: 'header', text: plain('Memory growth on api') },
      section('*api* grows 12 MiB/h', { block_id: 'summary' }),
      { type: 'divider' },
      { type: 'image', image_url: 'https://example.com/chart.png', alt_text: 'chart', title: plain('RSS') },
      { type: 'image', slack_file: { id: 'F0000000001' }, alt_text: 'chart' },
      {
        type: 'actions',
        block_id: 'checklist',
        elements: [
          {
            type: 'checkboxes',
            action_id: 'check',
            options: [option('Heap dump', 'heap'), option('Restart', 'restart')],
            initial_options: [option('Restart', 'restart')],
          },
          {
            type: 'static_select',
            action_id: 'window',
            placeholder: plain('Window'),
            options: [option('1h', '1h'), option('6h', '6h')],
            initial_option: option('6h', '6h'),
          },
          button('Refresh', 'refresh', { value: 'r', style: 'primary' }),
        ],
      },
      { type: 'context', elements: [mrkdwn('from Prometheus'), { type: 'image', image_url: 'https://example.com/i.png', alt_text: 'i' }] },
      section('with an accessory', { accessory: { type: 'image', image_url: 'https://example.com/a.png', alt_text: 'a' } }),
    ];
    expect(validateBlocks(blocks, withFiles)).toEqual([]);
  });

  it.each([
    ['an object', { type: 'section' }, ['/blocks']],
    ['a string', '[]', ['/blocks']],
    ['a non-object block', [42], ['/blocks/0']],
    ['a block without type', [{ text: mrkdwn('x') }], ['/blocks/0']],
    ['an unknown block type', [{ type: 'sectoin', text: mrkdwn('x') }], ['/blocks/0/type']],
  ])('rejects %s', (_name, blocks, expected) => {
    expect(pointers(blocks)).toEqual(expected);
  });

  it(`allows ${BLOCK_LIMITS.blocksPerMessage} blocks in a message and not one more`, () => {
    const blocks = Array.from({ length: 50 }, () => ({ type: 'divider' }));
    expect(pointers(blocks)).toEqual([]);
    const problems = validateBlocks([...blocks, { type: 'divider' }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.pointer).toBe('/blocks');
    expect(problems[0]!.message).toContain('at most 50 blocks (found 51)');
  });

  it('allows 100 blocks where the context says so (modals, App Home)', () => {
    const blocks = Array.from({ length: 100 }, () => ({ type: 'divider' }));
    expect(pointers(blocks, { maxBlocks: BLOCK_LIMITS.blocksPerModal })).toEqual([]);
    expect(pointers(blocks)).toEqual(['/blocks']);
  });

  it.each([
    ['section text at 3000', [section('x'.repeat(3000))], []],
    ['section text at 3001', [section('x'.repeat(3001))], ['/blocks/0/text/text']],
    ['empty section text', [section('')], ['/blocks/0/text/text']],
    ['a section with neither text nor fields', [{ type: 'section' }], ['/blocks/0']],
    ['10 section fields', [{ type: 'section', fields: Array.from({ length: 10 }, () => mrkdwn('f')) }], []],
    ['11 section fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => mrkdwn('f')) }], ['/blocks/0/fields']],
    ['a section field at 2001', [{ type: 'section', fields: [mrkdwn('x'.repeat(2001))] }], ['/blocks/0/fields/0/text']],
    ['a text object of unknown type', [{ type: 'section', text: { type: 'markdown', text: 'x' } }], ['/blocks/0/text/type']],
    ['header at 150', [{ type: 'header', text: plain('h'.repeat(150)) }], []],
    ['header at 151', [{ type: 'header', text: plain('h'.repeat(151)) }], ['/blocks/0/text/text']],
    ['a mrkdwn header', [{ type: 'header', text: mrkdwn('*h*') }], ['/blocks/0/text/type']],
    ['a header without text', [{ type: 'header' }], ['/blocks/0/text']],
  ])('text limits: %s', (_name, blocks, expected) => {
    expect(pointers(blocks)).toEqual(expected);
  });

  it.each([
    ['button text at 75', [{ type: 'actions', elements: [button('b'.repeat(75), 'a')] }], []],
    ['button text at 76', [{ type: 'actions', elements: [button('b'.repeat(76), 'a')] }], ['/blocks/0/elements/0/text/text']],
    ['a mrkdwn button', [{ type: 'actions', elements: [{ type: 'button', text: mrkdwn('b'), action_id: 'a' }] }], ['/blocks/0/elements/0/text/type']],
    ['a button style Slack does not know', [{ type: 'actions', elements: [button('b', 'a', { style: 'secondary' })] }], ['/blocks/0/elements/0/style']],
    ['an accessory button at 76', [section('s', { accessory: button('b'.repeat(76), 'a') })], ['/blocks/0/accessory/text/text']],
    ['an empty actions block', [{ type: 'actions', elements: [] }], ['/blocks/0/elements']],
    ['26 elements in an actions block', [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button('b', `a${i}`)) }], ['/blocks/0/elements']],
    ['an image inside an actions block', [{ type: 'actions', elements: [{ type: 'image', image_url: 'https://x/i.png', alt_text: 'i' }] }], ['/blocks/0/elements/0/type']],
    ['an unknown element type', [{ type: 'actions', elements: [{ type: 'buton', action_id: 'a' }] }], ['/blocks/0/elements/0/type']],
  ])('elements: %s', (_name, blocks, expected) => {
    expect(pointers(blocks)).toEqual(expected);
  });

  it.each([
    ['image_url', { image_url: 'https://example.com/c.png' }, []],
    ['neither image_url nor slack_file', {}, ['/blocks/0']],
    ['both image_url and slack_file', { image_url: 'https://example.com/c.png', slack_file: { id: 'F0000000001' } }, ['/blocks/0']],
    ['an empty image_url', { image_url: '' }, ['/blocks/0/image_url']],
    ['an image_url over 3000', { image_url: `https://example.com/${'x'.repeat(3000)}` }, ['/blocks/0/image_url']],
    ['a slack_file that exists', { slack_file: { id: 'F0000000001' } }, []],
    ['a slack_file by url_private', { slack_file: { url: 'http://stand-in/files/F0000000001/chart.png' } }, []],
    ['a slack_file by an unknown url', { slack_file: { url: 'https://elsewhere/c.png' } }, ['/blocks/0/slack_file']],
    ['a slack_file that was never uploaded', { slack_file: { id: 'F0000000099' } }, ['/blocks/0/slack_file']],
    ['a slack_file still processing', { slack_file: { id: 'F0000000002' } }, ['/blocks/0/slack_file']],
    ['a slack_file that is not an image', { slack_file: { id: 'F0000000003' } }, ['/blocks/0/slack_file']],
    ['a slack_file with both id and url', { slack_file: { id: 'F0000000001', url: 'http://stand-in/files/F0000000001/chart.png' } }, ['/blocks/0/slack_file']],
    ['a slack_file with neither id nor url', { slack_file: {} }, ['/blocks/0/slack_file']],
    ['a slack_file id Slack would not accept', { slack_file: { id: 'chart.png' } }, ['/blocks/0/slack_file/id']],
  ])('image blocks: %s', (_name, source, expected) => {
    expect(pointers([{ type: 'image', alt_text: 'chart', ...source }], withFiles)).toEqual(expected);
  });

  it('needs alt_text on images', () => {
    expect(pointers([{ type: 'image', image_url: 'https://example.com/c.png' }])).toEqual(['/blocks/0']);
    expect(validateBlocks([{ type: 'image', image_url: 'https://example.com/c.png' }])[0]!.message).toContain('alt_text');
  });

  it('checks only the shape of slack_file references when it cannot look files up', () => {
    expect(pointers([{ type: 'image', alt_text: 'c', slack_file: { id: 'F0000000099' } }])).toEqual([]);
    expect(pointers([{ type: 'image', alt_text: 'c', slack_file: { id: 'f1' } }])).toEqual(['/blocks/0/slack_file/id']);
  });

  it('says why a slack_file was refused', () => {
    const messages = (id: string) => validateBlocks([{ type: 'image', alt_text: 'c', slack_file: { id } }], withFiles).map((p) => p.message);
    expect(messages('F0000000099')).toEqual(['invalid slack file: no such file was uploaded']);
    expect(messages('F0000000002')).toEqual(['invalid slack file: the upload is still being processed']);
    expect(messages('F0000000003')).toEqual(['invalid slack file: text/plain is not png, jpg or gif']);
  });

  it('wants block_ids unique within a message', () => {
    const problems = validateBlocks([section('a', { block_id: 'b1' }), { type: 'divider', block_id: 'b2' }, section('c', { block_id: 'b1' })]);
    expect(problems.map((p) => p.pointer)).toEqual(['/blocks/2/block_id']);
    expect(problems[0]!.message).toBe('duplicate block_id "b1" (first used at /blocks/0/block_id)');
  });

  it('wants action_ids unique within a message, across blocks', () => {
    const blocks = [
      { type: 'actions', elements: [button('one', 'go'), button('two', 'stop')] },
      section('s', { accessory: button('three', 'go') }),
    ];
    expect(pointers(blocks)).toEqual(['/blocks/1/accessory/action_id']);
  });

  it('limits block_id to 255 characters', () => {
    expect(pointers([{ type: 'divider', block_id: 'b'.repeat(255) }])).toEqual([]);
    expect(pointers([{ type: 'divider', block_id: 'b'.repeat(256) }])).toEqual(['/blocks/0/block_id']);
    expect(pointers([{ type: 'divider', block_id: '' }])).toEqual(['/blocks/0/block_id']);
  });

  it('limits a button’s url to 3000 characters and its accessibility_label to 75', () => {
    const link = (url: string, label: string) => [{ type: 'actions', elements: [button('Dashboard', 'link:dashboard', { url, accessibility_label: label })] }];
    const url = (n: number) => `https://g.example/?q=${'q'.repeat(n - 'https://g.example/?q='.length)}`;
    expect(pointers(link(url(3000), 'l'.repeat(75)))).toEqual([]);
    expect(pointers(link(url(3001), 'l'.repeat(75)))).toEqual(['/blocks/0/elements/0/url']);
    expect(pointers(link(url(3000), 'l'.repeat(76)))).toEqual(['/blocks/0/elements/0/accessibility_label']);
  });

  it('checks a confirmation dialog: all four parts, plain-text buttons, Slack’s lengths', () => {
    const dialog = (overrides: Record<string, unknown> = {}) => ({
      title: plain('Resolve this incident?'),
      text: mrkdwn('The report will say it was *resolved*.'),
      confirm: plain('Resolve'),
      deny: plain('Cancel'),
      ...overrides,
    });
    const withConfirm = (confirm: unknown) => [{ type: 'actions', elements: [button('Resolve', 'resolve', { confirm })] }];
    expect(pointers(withConfirm(dialog()))).toEqual([]);
    expect(pointers(withConfirm(dialog({ title: plain('t'.repeat(101)) })))).toEqual(['/blocks/0/elements/0/confirm/title/text']);
    expect(pointers(withConfirm(dialog({ text: mrkdwn('t'.repeat(301)) })))).toEqual(['/blocks/0/elements/0/confirm/text/text']);
    expect(pointers(withConfirm(dialog({ confirm: mrkdwn('Yes') })))).toEqual(['/blocks/0/elements/0/confirm/confirm/type']);
    expect(pointers(withConfirm(dialog({ deny: plain('d'.repeat(31)) })))).toEqual(['/blocks/0/elements/0/confirm/deny/text']);
    expect(pointers(withConfirm(dialog({ deny: undefined })))).toEqual(['/blocks/0/elements/0/confirm/deny']);
    expect(pointers(withConfirm('yes'))).toEqual(['/blocks/0/elements/0/confirm']);
  });

  it.each([
    [
      'initial_options that are not among the options',
      { type: 'checkboxes', action_id: 'c', options: [option('A', 'a')], initial_options: [option('B', 'b')] },
      ['/blocks/0/elements/0/initial_options/0'],
    ],
    [
      'an initial option whose text differs from the option',
      { type: 'checkboxes', action_id: 'c', options: [option('A', 'a')], initial_options: [option('A (done)', 'a')] },
      ['/blocks/0/elements/0/initial_options/0'],
    ],
    ['11 checkbox options', { type: 'checkboxes', action_id: 'c', options: Array.from({ length: 11 }, (_, i) => option(`o${i}`, `v${i}`)) }, ['/blocks/0/elements/0/options']],
    ['duplicate option values', { type: 'checkboxes', action_id: 'c', options: [option('A', 'a'), option('B', 'a')] }, ['/blocks/0/elements/0/options/1/value']],
    ['an option text at 76', { type: 'checkboxes', action_id: 'c', options: [option('o'.repeat(76), 'a')] }, ['/blocks/0/elements/0/options/0/text/text']],
    ['an option value at 151', { type: 'checkboxes', action_id: 'c', options: [option('A', 'v'.repeat(151))] }, ['/blocks/0/elements/0/options/0/value']],
    ['mrkdwn checkbox options (allowed)', { type: 'checkboxes', action_id: 'c', options: [{ text: mrkdwn('*A*'), value: 'a' }] }, []],
    ['mrkdwn select options (not allowed)', { type: 'static_select', action_id: 's', options: [{ text: mrkdwn('*A*'), value: 'a' }] }, ['/blocks/0/elements/0/options/0/text/type']],
    ['a select initial_option not among the options', { type: 'static_select', action_id: 's', options: [option('A', 'a')], initial_option: option('B', 'b') }, ['/blocks/0/elements/0/initial_option']],
    [
      'option groups',
      { type: 'static_select', action_id: 's', option_groups: [{ label: plain('G'), options: [option('A', 'a')] }], initial_option: option('A', 'a') },
      [],
    ],
    ['6 overflow options', { type: 'overflow', action_id: 'o', options: Array.from({ length: 6 }, (_, i) => option(`o${i}`, `v${i}`)) }, ['/blocks/0/elements/0/options']],
  ])('options: %s', (_name, element, expected) => {
    expect(pointers([{ type: 'actions', elements: [element] }])).toEqual(expected);
  });

  it('reports every problem, not just the first', () => {
    const blocks = [
      { type: 'header', text: plain('h'.repeat(151)) },
      section('x'.repeat(3001), { block_id: 'same' }),
      { type: 'divider', block_id: 'same' },
    ];
    expect(pointers(blocks)).toEqual(['/blocks/0/text/text', '/blocks/1/text/text', '/blocks/2/block_id']);
  });

  it('uses the pointer base it is given', () => {
    expect(pointers([section('')].map((b) => b))).toEqual(['/blocks/0/text/text']);
    expect(validateBlocks([section('')], {}, '/attachments/0/blocks')[0]!.pointer).toBe('/attachments/0/blocks/0/text/text');
  });

  it('formats problems the way Slack words them', () => {
    const [problem] = validateBlocks([{ type: 'header', text: plain('h'.repeat(151)) }]);
    expect(formatProblem(problem!)).toBe('must be less than 151 characters (found 151) [json-pointer:/blocks/0/text/text]');
  });
});
