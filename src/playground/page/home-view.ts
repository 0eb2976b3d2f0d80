/**
 * The App Home tab, pure: the view pymem published (views.publish) drawn with the same Block Kit
 * renderer as messages, or a note while it has published none. Also reads Slack message links
 * (`…/archives/<channel>/p<ts>`), so that a link in the Home tab can open the message here.
 */

import type { HomeTab } from './api';
import { renderBlock, type BlockContext } from './blocks';
import { el, type VElement } from './vnode';

export function renderHomeView(tab: HomeTab, ctx: BlockContext): VElement {
  if (tab.view === null) {
    return el('div', { class: 'home-empty' }, ['pymem has not published this Home tab yet; it does as soon as the tab is opened.']);
  }
  return el('div', { class: 'home-view', 'data-publishes': String(tab.view.publishes) }, tab.view.blocks.map((block) => renderBlock(block, ctx)));
}

/** Where a Slack message link points, e.g. `https://x.slack.com/archives/C0123/p1712345678000100`. */
export interface MessageLink {
  readonly channel: string;
  readonly ts: string;
}

export function messageLinkTarget(href: string): MessageLink | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  const match = /^\/archives\/([CGD][A-Z0-9]{2,})\/p(\d{10})(\d{6})$/.exec(url.pathname);
  if (!match) return null;
  // A reply's link carries its thread; the page shows replies under their parent either way.
  return { channel: match[1]!, ts: `${match[2]!}.${match[3]!}` };
}
