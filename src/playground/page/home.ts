/**
 * The App Home tab on the page: loads the view pymem published for the reader (GET /api/home),
 * draws it with the Block Kit renderer, and loads it again when pymem republishes. Opening the
 * tab is sidebar.ts's job; it also tells the bot (POST /api/home/open → app_home_opened).
 */

import { parseHome, request } from './api';
import { askConfirm } from './dialog';
import { byId, elementFromTree, type DomHandlers } from './dom';
import { messageLinkTarget, renderHomeView, type MessageLink } from './home-view';
import { mentionContext, state } from './state';
import { toast } from './toast';

let loading = false;
let again = false;

/** Home views have no message; buttons in them would need a view payload the playground does not send yet. */
const HOME_HANDLERS: DomHandlers = {
  act: () => toast('Buttons in the Home tab are not wired in the playground yet.', 'error'),
  imageLoaded: () => undefined,
  confirm: askConfirm,
};

export function renderHome(): void {
  const root = byId('home-blocks');
  root.textContent = '';
  if (state.home === null) {
    root.textContent = 'Loading…';
    return;
  }
  const ctx = { ...mentionContext(), messageTs: 'home' };
  root.appendChild(elementFromTree(renderHomeView(state.home, ctx), HOME_HANDLERS));
  const note = byId('home-note');
  // The demo clock may be ahead of the page's, so the note counts publishes rather than telling a time.
  const publishes = state.home.view?.publishes ?? 0;
  note.textContent = publishes === 0 ? '' : `Published by pymem ${publishes === 1 ? 'once' : `${publishes} times`}`;
  document.body.dataset['homePublishes'] = String(state.home.view?.publishes ?? 0);
}

/** Loads the reader's Home view and draws it; called during a load, it loads once more afterwards. */
export async function loadHome(): Promise<void> {
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  again = false;
  const user = state.user;
  try {
    const home = parseHome(await request('GET', `/api/home?user=${encodeURIComponent(user)}`));
    if (user === state.user && state.view === 'home') {
      state.home = home;
      renderHome();
    }
  } catch (error) {
    toast(`Could not load the Home tab: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }
  loading = false;
  if (again) await loadHome();
}

/** Slack sends app_home_opened each time the tab is opened; pymem answers with views.publish. */
export function tellBotHomeOpened(): void {
  request('POST', '/api/home/open', { user: state.user }).catch((error: unknown) => {
    toast(`pymem did not hear that you opened its Home tab: ${error instanceof Error ? error.message : String(error)}`, 'error');
  });
}

/** Links to Slack messages open the message in its channel here; any other link opens as usual. */
export function wireHomeLinks(jump: (link: MessageLink) => void): void {
  byId('home-blocks').addEventListener('click', (event) => {
    const anchor = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!(anchor instanceof HTMLAnchorElement)) return;
    const link = messageLinkTarget(anchor.href);
    if (!link || !state.ws?.channels.some((c) => c.id === link.channel)) return;
    event.preventDefault();
    jump(link);
  });
}
