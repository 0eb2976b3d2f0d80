/**
 * Emoji. Slack draws emoji as its own images; the ones pymem uses are drawn here as small SVGs, so
 * the page looks the same with or without an emoji font. Others fall back to the character.
 */

import { el, svg, type VElement } from './vnode';

/** One SVG shape: its tag and attributes. */
type Shape = readonly [tag: string, attrs: Readonly<Record<string, string | number>>];

const EMOJI_CHARS: Readonly<Record<string, string>> = {
  white_check_mark: '\u2705', warning: '\u26A0\uFE0F', x: '\u274C', chart_with_upwards_trend: '\uD83D\uDCC8',
  chart_with_downwards_trend: '\uD83D\uDCC9', heavy_minus_sign: '\u2796', information_source: '\u2139\uFE0F',
  arrow_backward: '\u25C0\uFE0F', point_left: '\uD83D\uDC48', hourglass: '\u231B', hourglass_flowing_sand: '\u23F3',
  mag: '\uD83D\uDD0D', memo: '\uD83D\uDCDD', wave: '\uD83D\uDC4B', grey_question: '\u2754',
  heavy_check_mark: '\u2714\uFE0F', tada: '\uD83C\uDF89', rocket: '\uD83D\uDE80', eyes: '\uD83D\uDC40', fire: '\uD83D\uDD25',
  bulb: '\uD83D\uDCA1', bell: '\uD83D\uDD14', thumbsup: '\uD83D\uDC4D', '+1': '\uD83D\uDC4D', smile: '\uD83D\uDE04',
  red_circle: '\uD83D\uDD34', large_green_circle: '\uD83D\uDFE2', large_yellow_circle: '\uD83D\uDFE1',
  stopwatch: '\u23F1\uFE0F', calendar: '\uD83D\uDCC5', bar_chart: '\uD83D\uDCCA', memory: '\uD83E\uDDE0'
};
const CARD: readonly Shape[] = [['rect', { x: 1.5, y: 1.5, width: 17, height: 17, rx: 2, fill: '#fff', stroke: '#c9cdd1' }],
  ['path', { d: 'M1.5 7h17M1.5 12.5h17M7 1.5v17M12.5 1.5v17', stroke: '#e3e7ea', 'stroke-width': 0.8 }]];
const BLUE_SQUARE: Shape = ['rect', { x: 1, y: 1, width: 18, height: 18, rx: 4, fill: '#3b88c3' }];
const HOURGLASS: readonly Shape[] = [['path', { d: 'M5.5 3.5h9c0 4.2-3.6 4.8-3.6 6.5s3.6 2.3 3.6 6.5h-9c0-4.2 3.6-4.8 3.6-6.5S5.5 7.7 5.5 3.5z', fill: '#e1f0fa', stroke: '#99aab5', 'stroke-width': 0.8 }],
  ['rect', { x: 3.8, y: 1.5, width: 12.4, height: 2.2, rx: 0.9, fill: '#a0683f' }],
  ['rect', { x: 3.8, y: 16.3, width: 12.4, height: 2.2, rx: 0.9, fill: '#a0683f' }]];
const EMOJI_SVG: Readonly<Record<string, readonly Shape[]>> = {
  white_check_mark: [['rect', { x: 1, y: 1, width: 18, height: 18, rx: 4, fill: '#3eb34f' }],
    ['path', { d: 'M5.2 10.4l3.2 3.2 6.4-7', fill: 'none', stroke: '#fff', 'stroke-width': 2.6, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]],
  warning: [['path', { d: 'M10 1.8l8.8 15.6H1.2z', fill: '#ffcc32', stroke: '#e8a800', 'stroke-width': 1, 'stroke-linejoin': 'round' }],
    ['rect', { x: 9, y: 6.6, width: 2, height: 6.4, rx: 1, fill: '#292f33' }], ['circle', { cx: 10, cy: 15.1, r: 1.2, fill: '#292f33' }]],
  x: [['path', { d: 'M4.5 4.5l11 11M15.5 4.5l-11 11', stroke: '#dd2e44', 'stroke-width': 3.4, 'stroke-linecap': 'round' }]],
  chart_with_upwards_trend: CARD.concat([['path', { d: 'M3.6 15.6l4-4.6 3 2.6 5.8-8', fill: 'none', stroke: '#e0245e', 'stroke-width': 1.9, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]]),
  chart_with_downwards_trend: CARD.concat([['path', { d: 'M3.6 4.6l4 4.8 3-2.6 5.8 8.2', fill: 'none', stroke: '#2b7bb9', 'stroke-width': 1.9, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]]),
  heavy_minus_sign: [['rect', { x: 3, y: 8.3, width: 14, height: 3.4, rx: 1.3, fill: '#31373d' }]],
  information_source: [BLUE_SQUARE, ['circle', { cx: 10, cy: 5.6, r: 1.5, fill: '#fff' }],
    ['path', { d: 'M7.9 8.4h3.2v6.4h1.2v1.7H7.7v-1.7h1.2v-4.7h-1z', fill: '#fff' }]],
  arrow_backward: [BLUE_SQUARE, ['path', { d: 'M5.8 10l7.2-4.6v9.2z', fill: '#fff' }]],
  point_left: [['rect', { x: 8, y: 5.5, width: 10.5, height: 10.5, rx: 3.2, fill: '#ffcc4d' }],
    ['rect', { x: 1.2, y: 5.5, width: 11, height: 3.8, rx: 1.9, fill: '#ffcc4d' }],
    ['path', { d: 'M12 9.3h5.5M12 12.3h5.5', stroke: '#ee9547', 'stroke-width': 0.9, 'stroke-linecap': 'round' }],
    ['path', { d: 'M8.3 5.6c1.2-1.8 2.6-2.6 4.4-2.4', fill: 'none', stroke: '#ffcc4d', 'stroke-width': 2.4, 'stroke-linecap': 'round' }]],
  hourglass: HOURGLASS.concat([['path', { d: 'M6.7 16.3c.4-2.3 3.3-3 3.3-4.9 0 1.9 2.9 2.6 3.3 4.9z', fill: '#ffac33' }]]),
  hourglass_flowing_sand: HOURGLASS.concat([['path', { d: 'M7.3 6h5.4c-.9 1.7-2.7 2.2-2.7 3.7 0-1.5-1.8-2-2.7-3.7z', fill: '#ffac33' }],
    ['path', { d: 'M10 10v4', stroke: '#ffac33', 'stroke-width': 0.8 }], ['path', { d: 'M7 16.3c.5-1.6 2-2 3-2s2.5.4 3 2z', fill: '#ffac33' }]]),
  mag: [['circle', { cx: 8, cy: 8, r: 5.4, fill: '#bde0f6', stroke: '#66757f', 'stroke-width': 2 }],
    ['path', { d: 'M12.2 12.2l5.4 5.4', stroke: '#a0683f', 'stroke-width': 3, 'stroke-linecap': 'round' }]],
  memo: [['rect', { x: 2.5, y: 2, width: 12.5, height: 16, rx: 1.5, fill: '#fff', stroke: '#ccd6dd' }],
    ['path', { d: 'M5 6h7.5M5 9h7.5M5 12h5', stroke: '#99aab5', 'stroke-width': 1.1 }],
    ['path', { d: 'M17.3 5.3l1.6 1.6-7.8 7.8-2.4.8.8-2.4z', fill: '#ffac33', stroke: '#c47f1a', 'stroke-width': 0.6 }]],
  wave: [['path', { d: 'M6.2 10.5V5a1.3 1.3 0 012.6 0v4.6V3.6a1.3 1.3 0 012.6 0v6V4.4a1.3 1.3 0 012.6 0v6.8l1.2-1.8a1.35 1.35 0 012.2 1.5l-3 4.7a5.7 5.7 0 01-9.8-.9L6.2 12z', fill: '#ffcc4d' }],
    ['path', { d: 'M2.6 6.2c.1-1.6 1-2.9 2.2-3.5M3.2 16.6c.9.8 2.1 1.3 3.3 1.4', fill: 'none', stroke: '#5dadec', 'stroke-width': 1.2, 'stroke-linecap': 'round' }]],
  grey_question: [['path', { d: 'M6.8 7.2a3.2 3.2 0 116.4 0c0 2.3-3.2 2.5-3.2 4.8', fill: 'none', stroke: '#99aab5', 'stroke-width': 2.6, 'stroke-linecap': 'round' }],
    ['circle', { cx: 10, cy: 16, r: 1.6, fill: '#99aab5' }]]
};

/** A `:name:` shortcode as Slack shows it, or null for a name this page does not know. */
export function emojiNode(name: string): VElement | null {
  const shapes = Object.hasOwn(EMOJI_SVG, name) ? EMOJI_SVG[name] : undefined;
  const char = Object.hasOwn(EMOJI_CHARS, name) ? EMOJI_CHARS[name] : undefined;
  if (!shapes && !char) return null;
  const label = char || `:${name}:`;
  if (shapes) {
    return el('span', { class: 'emoji', role: 'img', 'aria-label': label, title: `:${name}:`, 'data-emoji': name }, [
      svg('svg', { viewBox: '0 0 20 20', 'aria-hidden': 'true' }, shapes.map(shape)),
    ]);
  }
  return el('span', { class: 'emoji emoji-char', role: 'img', 'aria-label': label, title: `:${name}:`, 'data-emoji': name }, [char]);
}

/** The bot's avatar: a rising line and a dot. */
export function botGlyph(): VElement {
  return svg('svg', { viewBox: '0 0 24 24' }, [
    svg('path', { d: 'M3.5 18.5l5-6 3.5 3 7.5-9.5', fill: 'none', stroke: '#fff', 'stroke-width': 2.4, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }),
    svg('circle', { cx: 19.5, cy: 6, r: 2, fill: '#ffd166' }),
  ]);
}

/** The eye beside an ephemeral message ("Only visible to you"). */
export function eyeIcon(): VElement {
  return svg('svg', { viewBox: '0 0 20 20' }, [
    svg('path', { d: 'M1.5 10S4.5 4.5 10 4.5 18.5 10 18.5 10 15.5 15.5 10 15.5 1.5 10 1.5 10z', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.5' }),
    svg('circle', { cx: '10', cy: '10', r: '2.6', fill: 'currentColor' }),
  ]);
}

function shape([tag, attrs]: Shape): VElement {
  return svg(tag, attrs);
}
