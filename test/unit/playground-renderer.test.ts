/**
 * The playground's Block Kit renderer (src/playground/page/) on the exact JSON the bot posts: the
 * real builders' messages go in, the tree the page would draw comes out. The renderer is pure, so
 * no browser is needed; test/e2e/playground.test.ts checks the same page in Chromium.
 */

import { describe, expect, it } from 'vitest';
import { PLAYGROUND_CHANNELS, PLAYGROUND_USERS } from '../../src/playground/directory';
import { parseChange, parseMessages, parseWorkspace } from '../../src/playground/page/api';
import { filesShownInBlocks, renderBlock, renderBlocks, type BlockContext } from '../../src/playground/page/blocks';
import { renderMrkdwn, renderTextObject } from '../../src/playground/page/mrkdwn';
import { commandSuggestions } from '../../src/playground/page/suggestions';
import { attr, textContent, toHtml, type Behaviour, type VElement, type VNode } from '../../src/playground/page/vnode';
import { VERIFY_ACTIONS } from '../../src/slack/verify-blocks';
import { ACTION_IDS, checklistActionId, INCIDENT_ACTION_IDS, helpMessage, noticeMessage, reportMessage, WINDOW_CHOICES } from '../../src/slack/blocks';
import { digestMessage, DIGEST_ACTIONS, subscriptionMessage } from '../../src/slack/digest-blocks';
import { escapeMrkdwn } from '../../src/slack/limits';
import type { PageMessage } from '../../src/playground/web-server';
import { growthStatus, rankEntries, type DigestEntry } from '../../src/domain/digest';
import { reportFor } from '../support/report-factory';

const ALICE = 'U0ALICE01';
const BOB = 'U0BOB0001';
const T = Date.UTC(2026, 2, 2, 12, 5);
const MIB = 1024 * 1024;

/** The playground's own workspace, as the page knows it once /api/workspace has answered. */
function context(selfId: string | null = ALICE): BlockContext {
  return {
    selfId,
    messageTs: '1772453100.000100',
    userName: (id, label) => PLAYGROUND_USERS.find((u) => u.id === id)?.name ?? (label || id),
    channelName: (id) => PLAYGROUND_CHANNELS.find((c) => c.id === id)?.name ?? null,
  };
}

function elements(node: VNode): VElement[] {
  if (node.kind === 'text') return [];
  return [node, ...node.children.flatMap(elements)];
}

function all(node: VNode | readonly VNode[], match: (e: VElement) => boolean): VElement[] {
  const roots = Array.isArray(node) ? (node as readonly VNode[]) : [node as VNode];
  return roots.flatMap(elements).filter(match);
}

function one(node: VNode | readonly VNode[], match: (e: VElement) => boolean): VElement {
  const found = all(node, match);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const tag = (name: string) => (e: VElement) => e.tag === name;
const hasClass = (name: string) => (e: VElement) => (attr(e, 'class') ?? '').split(' ').includes(name);

function block(tree: readonly VElement[], blockId: string): VElement {
  const found = tree.find((b) => attr(b, 'data-block-id') === blockId);
  if (!found) throw new Error(`no block ${blockId} in ${tree.map((b) => attr(b, 'data-block-id')).join(', ')}`);
  return found;
}

function reportTree(selfId: string | null = ALICE): VElement[] {
  const report = reportFor('one-8w-6h', {
    links: { dashboard: 'https://grafana.example/d/memory?var-service=ow-a&from=1&to=2', runbook: 'https://wiki.example/runbooks/ow-a' },
    sourceDescription: 'Prometheus <prod> & staging',
  });
  const message = reportMessage({
    incidentId: 'inc-1',
    service: 'ow-a',
    windowMs: 6 * 3_600_000,
    createdBy: ALICE,
    createdAt: T,
    report,
    state: { 'find-worker': { checked: true, userId: ALICE, at: T }, 'compare-drivers': { checked: false, userId: BOB, at: T } },
    digestsAvailable: true,
  });
  return renderBlocks(message.blocks, context(selfId));
}

describe('the report as the playground draws it', () => {
  it('draws the header as plain text and the verdict in bold with the pattern as code', () => {
    const tree = reportTree();
    expect(tree[0]!.tag).toBe('div');
    expect(attr(tree[0]!, 'class')).toBe('block b-header');
    expect(textContent(tree[0]!)).toBe('ow-a — one worker growing');
    const verdict = block(tree, 'verdict');
    const bold = one(verdict, tag('strong'));
    expect(textContent(bold)).toMatch(/^One worker keeps growing/);
    expect(textContent(one(verdict, hasClass('inline-code')))).toBe('one-worker-growing');
    // The line break in the mrkdwn stays a newline in the text (the CSS keeps it).
    expect(textContent(verdict)).toMatch(/\nPattern one-worker-growing · confidence/);
  });

  it('shows the uploaded chart from the stand-in, with its alt text, and follows it when it loads', () => {
    const chart = block(reportTree(), 'chart');
    const img = one(chart, tag('img'));
    expect(attr(img, 'src')).toBe('/files/F0CHART01');
    expect(attr(img, 'alt')).toBe('Memory per worker of ow-a over the last 6 h: one worker growing');
    expect(attr(img, 'title')).toBe(attr(img, 'alt'));
    expect(img.behaviour).toEqual({ kind: 'image', missingText: 'Image not available: Memory per worker of ow-a over the last 6 h: one worker growing' });
  });

  it('draws each step as a checkbox, ticked for a done step, crossed out, with who did it', () => {
    const tree = reportTree();
    const boxes = all(tree, (e) => e.tag === 'input' && attr(e, 'type') === 'checkbox');
    expect(boxes).toHaveLength(5);
    expect(boxes.map((b) => b.checked)).toEqual([true, false, false, false, false]);
    expect(boxes.map((b) => attr(b, 'checked'))).toEqual(['', undefined, undefined, undefined, undefined]);
    expect(boxes.map((b) => attr(b, 'value'))).toEqual(['find-worker', 'compare-drivers', 'cache-queue-bounds', 'worker-changes', 'allocation-paths']);

    const done = block(tree, 'step_find-worker');
    const group = one(done, hasClass('b-checkboxes'));
    expect(group.behaviour).toEqual({ kind: 'checkboxes', action: { actionId: checklistActionId('find-worker'), blockId: 'step_find-worker' } });
    expect(attr(group, 'data-action-id')).toBe('checklist:find-worker');
    // The option's label is mrkdwn: bold "Done" once ticked, plain "Done" before.
    expect(toHtml(one(done, hasClass('b-check-text')))).toBe('<div class="b-check-text"><strong>Done</strong></div>');
    expect(toHtml(one(block(tree, 'step_compare-drivers'), hasClass('b-check-text')))).toBe('<div class="b-check-text">Done</div>');
    // ~*1. title*~: struck through and bold, the arrow gone from a done step.
    expect(textContent(one(done, (e) => e.tag === 's' && e.children.some((c) => c.kind === 'element' && c.tag === 'strong')))).toBe('1. Find which worker grows');
    expect(all(done, (e) => attr(e, 'data-emoji') === 'point_left')).toHaveLength(0);

    const status = block(tree, 'status_find-worker');
    expect(attr(status, 'class')).toBe('block b-context');
    // The emoji is an SVG (no text); the space after it is the message's own.
    expect(textContent(status)).toBe(' Done by @Alice at 12:05 UTC');
    expect(one(status, (e) => attr(e, 'data-emoji') === 'white_check_mark').tag).toBe('span');
    expect(attr(one(status, hasClass('mention')), 'data-user')).toBe(ALICE);
    expect(textContent(block(tree, 'status_compare-drivers'))).toBe(' Reopened by @Bob at 12:05 UTC');
    expect(all(block(tree, 'status_compare-drivers'), (e) => attr(e, 'data-emoji') === 'arrow_backward')).toHaveLength(1);
    expect(textContent(block(tree, 'status_cache-queue-bounds'))).toBe('Not done yet');
  });

  it('highlights the reader’s own mention and no one else’s, as Slack does', () => {
    const asAlice = reportTree(ALICE);
    expect(attr(one(block(asAlice, 'status_find-worker'), hasClass('mention')), 'class')).toBe('mention self');
    expect(attr(one(block(asAlice, 'status_compare-drivers'), hasClass('mention')), 'class')).toBe('mention');
    const asBob = reportTree(BOB);
    expect(attr(one(block(asBob, 'status_find-worker'), hasClass('mention')), 'class')).toBe('mention');
    expect(attr(one(block(asBob, 'status_compare-drivers'), hasClass('mention')), 'class')).toBe('mention self');
  });

  it('points at the step to start with', () => {
    const tree = reportTree();
    const arrows = all(tree, (e) => attr(e, 'data-emoji') === 'point_left');
    expect(arrows).toHaveLength(1);
    const holder = tree.find((b) => all(b, (e) => attr(e, 'data-emoji') === 'point_left').length > 0)!;
    expect(attr(holder, 'data-block-id')).toBe('step_allocation-paths');
    expect(textContent(holder)).toContain('start here');
  });

  it('draws the controls: the buttons with their values and a select showing the current window', () => {
    const controls = block(reportTree(), 'controls');
    const buttons = all(controls, tag('button'));
    expect(buttons.map(textContent)).toEqual(['Re-run analysis', 'Verify fix', 'Subscribe to daily digest', 'Export timeline', 'Resolve']);
    expect(buttons.map((b) => b.behaviour)).toEqual([
      { kind: 'button', action: { actionId: ACTION_IDS.rerun, blockId: 'controls' }, link: false, value: 'inc-1' },
      { kind: 'button', action: { actionId: VERIFY_ACTIONS.verify, blockId: 'controls' }, link: false, value: 'inc-1' },
      { kind: 'button', action: { actionId: ACTION_IDS.subscribe, blockId: 'controls' }, link: false, value: 'ow-a' },
      { kind: 'button', action: { actionId: INCIDENT_ACTION_IDS.timeline, blockId: 'controls' }, link: false, value: 'inc-1' },
      // Resolve asks first (its confirm dialog is tested in playground-incident-renderer.test.ts).
      { kind: 'button', action: { actionId: INCIDENT_ACTION_IDS.resolve, blockId: 'controls' }, link: false, value: 'inc-1', confirm: expect.objectContaining({ title: 'Resolve this incident?' }) },
    ]);
    const select = one(controls, tag('select'));
    expect(all(select, tag('option')).map(textContent)).toEqual(WINDOW_CHOICES.map((w) => w.label));
    expect(all(select, tag('option')).map((o) => attr(o, 'value'))).toEqual(WINDOW_CHOICES.map((w) => String(w.ms)));
    expect(select.value).toBe(String(6 * 3_600_000));
    expect(attr(select, 'aria-label')).toBe('Change window');
    expect(select.behaviour).toEqual({ kind: 'static_select', action: { actionId: ACTION_IDS.window, blockId: 'controls' } });
  });

  it('draws link buttons as links that open in a new tab and still report the click', () => {
    const links = all(block(reportTree(), 'links'), tag('a'));
    expect(links.map(textContent)).toEqual(['Dashboard', 'Runbook']);
    const [dashboard] = links;
    expect(attr(dashboard!, 'href')).toBe('https://grafana.example/d/memory?var-service=ow-a&from=1&to=2');
    expect(attr(dashboard!, 'target')).toBe('_blank');
    expect(attr(dashboard!, 'rel')).toBe('noopener noreferrer');
    expect(attr(dashboard!, 'aria-label')).toBe('Open the dashboard for ow-a');
    expect(attr(dashboard!, 'class')).toBe('b-button b-link-button');
    expect(dashboard!.behaviour).toEqual({ kind: 'button', action: { actionId: 'link:dashboard', blockId: 'links' }, link: true });
    expect(toHtml(dashboard!)).toContain('href="https://grafana.example/d/memory?var-service=ow-a&amp;from=1&amp;to=2"');
  });

  it('decodes Slack’s escapes in the footer back to the characters, and escapes them as HTML', () => {
    const footer = block(reportTree(), 'footer');
    expect(all(footer, hasClass('b-context-text'))).toHaveLength(2);
    expect(textContent(footer)).toContain('Run by @Alice at 12:05 UTC · data from Prometheus <prod> & staging');
    expect(toHtml(footer)).toContain('data from Prometheus &lt;prod&gt; &amp; staging');
    // The memory query is a code span.
    expect(textContent(one(footer, hasClass('inline-code')))).toMatch(/^process_resident_memory_bytes/);
    // `<prod>` was text in Slack's escaped form, never an element or a link.
    expect(all(footer, (e) => e.tag === 'prod' || hasClass('link')(e))).toEqual([]);
  });
});

describe('the digest as the playground draws it', () => {
  const measured = (service: string, startMiB: number, endMiB: number, extra: Partial<Extract<DigestEntry, { kind: 'measured' }>> = {}): DigestEntry => {
    const growthBytes = (endMiB - startMiB) * MIB;
    const growthFraction = growthBytes / (startMiB * MIB);
    return { kind: 'measured', service, status: growthStatus(growthBytes, growthFraction), pattern: 'stable', startBytes: startMiB * MIB, currentBytes: endMiB * MIB, growthBytes, growthFraction, limitBytes: null, usedFraction: null, hoursToLimit: null, change: null, ...extra };
  };
  const tree = (): VElement[] => {
    const entries = rankEntries([measured('checkout-api', 2000, 2400, { pattern: 'one-worker-growing' }), measured('steady-api', 100, 101)]);
    const message = digestMessage({ entries, windowMs: 86_400_000, endMs: Date.UTC(2026, 2, 2, 8), timeZone: 'UTC', chartFileId: 'F0DIGEST', chartProblem: null });
    return renderBlocks(message.blocks, context());
  };

  it('has a header, a context line with the count in bold, and the chart', () => {
    const blocks = tree();
    expect(textContent(blocks[0]!)).toBe('Memory digest · Mon, Mar 2');
    expect(attr(blocks[1]!, 'class')).toBe('block b-context');
    expect(textContent(one(blocks[1]!, tag('strong')))).toBe('1 grew');
    expect(attr(one(block(blocks, 'digest_chart'), tag('img')), 'src')).toBe('/files/F0DIGEST');
  });

  it('gives each grower an Analyse button and offers every service in a select with its placeholder', () => {
    const blocks = tree();
    const grower = block(blocks, 'digest_checkout-api');
    expect(all(grower, tag('strong')).map(textContent)).toEqual(['checkout-api', '+20%']);
    expect(one(grower, hasClass('inline-code')).children).toEqual([{ kind: 'text', text: 'one-worker-growing' }]);
    expect(all(grower, (e) => attr(e, 'data-emoji') === 'chart_with_upwards_trend')).toHaveLength(1);
    const analyse = one(one(grower, hasClass('b-accessory')), tag('button'));
    expect(textContent(analyse)).toBe('Analyse');
    expect(analyse.behaviour).toEqual({ kind: 'button', action: { actionId: `${DIGEST_ACTIONS.analyzePrefix}:checkout-api`, blockId: 'digest_checkout-api' }, link: false, value: 'checkout-api' });

    const select = one(block(blocks, 'digest_controls'), tag('select'));
    const options = all(select, tag('option'));
    // No initial option: a disabled placeholder is shown, chosen, as Slack shows the placeholder.
    expect(options.map(textContent)).toEqual(['Full analysis of a service…', 'checkout-api', 'steady-api']);
    expect(options[0]!.attrs).toEqual([['value', ''], ['disabled', ''], ['selected', '']]);
    expect(select.value).toBe('');
    expect(attr(select, 'aria-label')).toBe('Full analysis of a service…');
  });
});

describe('notices and help', () => {
  it('draws the help: the command in bold code with its <service> placeholder as text', () => {
    const blocks = renderBlocks(helpMessage('/pymem').blocks, context());
    expect(blocks).toHaveLength(2);
    const first = one(blocks[0]!, (e) => e.tag === 'strong' && textContent(e) === '/pymem <service> [window]');
    expect(toHtml(first)).toBe('<strong><code class="inline-code">/pymem &lt;service&gt; [window]</code></strong>');
    expect(textContent(blocks[1]!)).toMatch(/^• Each checklist step shows what pymem already found/);
  });

  it('shows the bot’s subscription reply with its emoji drawn, not as a shortcode', () => {
    const [reply] = renderBlocks(subscriptionMessage('added', 'checkout-api', 'daily at 08:00 UTC').blocks, context());
    expect(textContent(reply!)).toBe(' This channel now gets checkout-api in its memory digest (daily at 08:00 UTC).');
    expect(attr(one(reply!, hasClass('emoji')), 'aria-label')).toBe('✅');
    expect(one(reply!, tag('svg')).svg).toBe(true);
  });

  it('keeps hostile text a user typed as text', () => {
    const typed = '<img src=x onerror="alert(1)"> & <script>alert(2)</script>';
    const blocks = renderBlocks(noticeMessage(`You typed ${escapeMrkdwn(typed)}`).blocks, context());
    expect(textContent(blocks[0]!)).toBe(`You typed ${typed}`);
    expect(all(blocks, (e) => ['img', 'script', 'a'].includes(e.tag))).toEqual([]);
    expect(toHtml(blocks[0]!)).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;script&gt;');
  });
});

describe('mrkdwn', () => {
  const html = (text: string, selfId: string | null = ALICE): string => renderMrkdwn(text, context(selfId)).map(toHtml).join('');

  it('bold, italic, strike and code, not inside words or around spaces', () => {
    expect(html('*bold* _it_ ~gone~ `x * y`')).toBe('<strong>bold</strong> <em>it</em> <s>gone</s> <code class="inline-code">x * y</code>');
    expect(html('snake_case_name and 2*3*4')).toBe('snake_case_name and 2*3*4');
    expect(html('* not bold *')).toBe('* not bold *');
    expect(html('*bold _and italic_*')).toBe('<strong>bold <em>and italic</em></strong>');
    expect(html('*one\nline*')).toBe('*one\nline*');
  });

  it('a code block keeps its text as it is, marks and all', () => {
    expect(html('before\n```\n*x* &lt;y&gt;\n```\nafter')).toBe('before\n<pre class="code-block">*x* &lt;y&gt;</pre>\nafter');
    // An unclosed fence is text.
    expect(html('```not closed')).toBe('```not closed');
  });

  it('links: labelled, bare, with escaped query strings; only web and mail links are links', () => {
    expect(html('<https://docs.example/a?b=1&amp;c=2|the *docs*>')).toBe(
      '<a class="link" href="https://docs.example/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the *docs*</a>',
    );
    expect(html('<https://x.example>')).toBe('<a class="link" href="https://x.example" target="_blank" rel="noopener noreferrer">https://x.example</a>');
    expect(html('<mailto:oncall@example.com|mail>')).toContain('href="mailto:oncall@example.com"');
    expect(html('<javascript:alert(1)|click>')).toBe('<span class="link unsafe">click</span>');
    // A * inside a link does not open bold across it.
    expect(html('*a <https://x.example/*|y> b*')).toBe('<strong>a <a class="link" href="https://x.example/*" target="_blank" rel="noopener noreferrer">y</a> b</strong>');
  });

  it('mentions of people, channels and everyone; unknown people by their label', () => {
    expect(html('<@U0BOB0001> and <@U0NOBODY|carol> and <@U0NOBODY2>', BOB)).toBe(
      '<span class="mention self" data-user="U0BOB0001">@Bob</span> and <span class="mention" data-user="U0NOBODY">@carol</span> and <span class="mention" data-user="U0NOBODY2">@U0NOBODY2</span>',
    );
    expect(html('<#C0CHECKOUT1> <#C0ELSEWHERE|ops> <!here> <!subteam^S1|@sre>')).toBe(
      '<span class="mention channel-ref">#incident-checkout</span> <span class="mention channel-ref">#ops</span> <span class="mention">@here</span> <span class="mention">@sre</span>',
    );
    expect(html('<!date^1700000000^{date}|Nov 14>')).toBe('Nov 14');
  });

  it('emoji it knows are drawn, others stay as typed', () => {
    expect(html(':warning: :no_such_emoji: :tada:')).toMatch(/^<span class="emoji" role="img" aria-label="⚠️" title=":warning:" data-emoji="warning"><svg/);
    expect(html(':no_such_emoji:')).toBe(':no_such_emoji:');
    expect(html(':tada:')).toBe('<span class="emoji emoji-char" role="img" aria-label="🎉" title=":tada:" data-emoji="tada">🎉</span>');
    // The colon that ends an unknown name can start a known one.
    expect(html('a:b:tada:')).toMatch(/^a:b<span class="emoji emoji-char"/);
    // Names on Object.prototype are not emoji.
    expect(html(':constructor: :toString:')).toBe(':constructor: :toString:');
  });

  it('plain_text is literal: no marks, no escapes decoded, emoji unless turned off', () => {
    const ctx = context();
    expect(toHtml(renderTextObject({ type: 'plain_text', text: '*x* &amp; :tada:', emoji: false }, 'c', ctx))).toBe('<div class="c">*x* &amp;amp; :tada:</div>');
    expect(textContent(renderTextObject({ type: 'plain_text', text: 'ok :tada:' }, 'c', ctx))).toBe('ok 🎉');
  });
});

describe('blocks the bot does not send, and broken JSON', () => {
  const ctx = context();

  it('draws radio buttons in a group of their own message, with the initial option chosen', () => {
    const option = (value: string) => ({ text: { type: 'plain_text', text: value.toUpperCase() }, value });
    const radios = renderBlock({ type: 'actions', block_id: 'pick', elements: [{ type: 'radio_buttons', action_id: 'size', options: [option('s'), option('m')], initial_option: option('m') }] }, ctx);
    const inputs = all(radios, tag('input'));
    expect(inputs.map((i) => [attr(i, 'name'), attr(i, 'value'), i.checked])).toEqual([
      ['r-1772453100.000100-size', 's', false],
      ['r-1772453100.000100-size', 'm', true],
    ]);
    expect(one(radios, hasClass('b-radios')).behaviour).toEqual({ kind: 'radio_buttons', action: { actionId: 'size', blockId: 'pick' } } satisfies Behaviour);
  });

  it('draws a section’s fields, a select with option groups, a context image and danger buttons', () => {
    const section = renderBlock(
      {
        type: 'section',
        fields: [{ type: 'mrkdwn', text: '*Workers*\n8' }, { type: 'plain_text', text: 'RSS' }],
        accessory: { type: 'static_select', action_id: 'g', placeholder: { type: 'plain_text', text: 'Pick' }, option_groups: [{ label: { type: 'plain_text', text: 'Web' }, options: [{ text: { type: 'plain_text', text: 'web-1' }, value: 'w1' }] }] },
      },
      ctx,
    );
    expect(all(section, hasClass('b-field')).map(textContent)).toEqual(['Workers\n8', 'RSS']);
    expect(toHtml(one(section, tag('optgroup')))).toBe('<optgroup label="Web"><option value="w1">web-1</option></optgroup>');
    const context = renderBlock({ type: 'context', elements: [{ type: 'image', image_url: 'http://127.0.0.1:3031/files/F0ABC123/chart.png', alt_text: 'chart' }, { type: 'mrkdwn', text: 'hi' }] }, ctx);
    expect(toHtml(context)).toBe('<div class="block b-context" data-block-id data-block-type="context"><img class="b-context-img" src="/files/F0ABC123" alt="chart"><div class="b-context-text">hi</div></div>');
    const danger = renderBlock({ type: 'actions', elements: [{ type: 'button', style: 'danger', text: { type: 'plain_text', text: 'Stop' }, action_id: 'stop' }] }, ctx);
    expect(attr(one(danger, tag('button')), 'class')).toBe('b-button danger');
  });

  it('says an image from elsewhere is not loaded, instead of fetching it', () => {
    const image = renderBlock({ type: 'image', image_url: 'https://elsewhere.example/x.png', alt_text: 'a cat' }, ctx);
    expect(all(image, tag('img'))).toEqual([]);
    expect(textContent(image)).toBe('External image not loaded in the playground: a cat');
  });

  it('draws a placeholder for what it does not know, and never throws on a strange shape', () => {
    expect(textContent(renderBlock({ type: 'rich_text', block_id: 'r', elements: [] }, ctx))).toBe('rich_text block (not shown in the playground)');
    expect(attr(renderBlock({ type: 'rich_text', block_id: 'r' }, ctx), 'data-block-type')).toBe('rich_text');
    expect(textContent(renderBlock({ type: 'actions', elements: [{ type: 'datepicker' }, null] }, ctx))).toBe(
      'datepicker element (not shown in the playground)unknown element (not shown in the playground)',
    );
    for (const strange of [null, 42, 'section', [], {}, { type: 'section', text: 5, fields: 'no', accessory: 7 }, { type: 'context', elements: [null, { type: 'mrkdwn' }] }, { type: 'header' }, { type: 'image', slack_file: 3 }]) {
      expect(() => renderBlock(strange, ctx), JSON.stringify(strange)).not.toThrow();
    }
    expect(textContent(renderBlock(null, ctx))).toBe('unknown block (not shown in the playground)');
  });

  it('knows which uploaded files the blocks already show', () => {
    expect([...filesShownInBlocks([{ type: 'image', slack_file: { id: 'F1' } }, { type: 'image', image_url: 'x' }, null, { type: 'section' }])]).toEqual(['F1']);
  });
});

describe('composer suggestions', () => {
  it('offers the commands that start with what was typed, the demo service first', () => {
    expect(commandSuggestions('/pym', '/pymem', ['search-api', 'checkout-api']).map((s) => s.text)).toEqual([
      '/pymem help',
      '/pymem checkout-api',
      '/pymem checkout-api 24h',
      '/pymem subscribe checkout-api',
      '/pymem unsubscribe checkout-api',
      '/pymem list',
      '/pymem search-api',
    ]);
    expect(commandSuggestions('/pymem sub', '/pymem', []).map((s) => s.text)).toEqual(['/pymem subscribe checkout-api']);
    expect(commandSuggestions('/pymem help', '/pymem', [])).toEqual([]);
    expect(commandSuggestions('pymem', '/pymem', [])).toEqual([]);
    expect(commandSuggestions('/', '/pymem', Array.from({ length: 20 }, (_, i) => `svc-${i}`))).toHaveLength(8);
  });
});

describe('the page reading the playground API', () => {
  it('reads a message as the web server sends it, and says what is wrong with a broken one', () => {
    const sent: PageMessage = {
      ts: '1772453100.000100',
      thread_ts: '1772453000.000100',
      user: 'U0PYMEMBOT',
      bot_id: 'B0PYMEM',
      text: 'checkout-api: one worker growing',
      blocks: [{ type: 'divider' }],
      files: [{ id: 'F0CHART01', name: 'chart.png', title: 'Memory', mimetype: 'image/png', altText: 'a chart' }],
      edited: true,
      postedAt: T,
      order: T,
    };
    const [read] = parseMessages(JSON.parse(JSON.stringify({ messages: [sent] })));
    const { edited: _edited, ...expected } = sent;
    expect(read).toEqual(expected);
    expect(() => parseMessages({ messages: [{ ...sent, postedAt: 'soon' }] })).toThrow('the playground sent a message without a number postedAt');
    expect(() => parseMessages({})).toThrow('the playground sent a channel state without a list messages');
  });

  it('reads the workspace and refuses one without channels', () => {
    const ws = { bot: { userId: 'U0PYMEMBOT', botId: 'B0PYMEM', name: 'pymem' }, command: '/pymem', channels: PLAYGROUND_CHANNELS, users: PLAYGROUND_USERS, services: null, source: 'demo' };
    expect(parseWorkspace(ws).channels[0].name).toBe('incident-checkout');
    expect(parseWorkspace(ws).users.map((u) => u.name)).toEqual(['Alice', 'Bob', 'Chandra']);
    expect(() => parseWorkspace({ ...ws, channels: [] })).toThrow('the playground sent no channels');
  });

  it('reads live changes, and takes anything else as "reload"', () => {
    expect(parseChange('{"kind":"message_posted","channel":"C0PLATFORM1","ts":"1.000001"}')).toEqual({ kind: 'message_posted', channel: 'C0PLATFORM1' });
    expect(parseChange('{"kind":"reset"}')).toEqual({ kind: 'reset' });
    expect(parseChange('not json')).toBeNull();
    expect(parseChange('[1]')).toBeNull();
  });
});
