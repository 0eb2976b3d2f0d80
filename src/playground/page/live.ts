/**
 * Live updates: the channel is loaded from GET /api/state, and loaded again on every change the
 * server reports on its Server-Sent Events stream (/api/events). Changes are coalesced: a burst of
 * events is one reload, and an event during a reload makes one more.
 */

import { parseChange, parseMessages, request } from './api';
import { byId } from './dom';
import { loadHome } from './home';
import { messageOf, noteScrollPosition, render } from './messages';
import { state } from './state';
import { toast } from './toast';

/** Events come in bursts (a post, then its file, then an edit): wait this long for the rest. */
const COALESCE_MS = 40;

function stateUrl(): string {
  return `/api/state?channel=${encodeURIComponent(state.channel)}&user=${encodeURIComponent(state.user)}`;
}

/** Loads the open channel and draws it; called while a load runs, it loads once more afterwards. */
export async function refresh(): Promise<void> {
  if (state.loading) {
    state.dirty = true;
    return;
  }
  state.loading = true;
  state.dirty = false;
  const { channel, user } = state;
  try {
    const messages = parseMessages(await request('GET', stateUrl()));
    // The reader may have switched channel or person while this was on its way.
    if (channel === state.channel && user === state.user) {
      state.messages = messages;
      noteScrollPosition();
      render();
    }
  } catch (error) {
    toast(`Could not load the channel: ${messageOf(error)}`, 'error');
  }
  state.loading = false;
  if (state.dirty || channel !== state.channel || user !== state.user) await refresh();
}

export function scheduleRefresh(): void {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = null;
    void refresh();
  }, COALESCE_MS);
}

/** Opens the event stream; `onOtherChannelPost` hears of new messages in channels not open. */
export function connectEvents(onOtherChannelPost: (channel: string) => void): void {
  const live = byId('live');
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    live.textContent = 'Live';
    live.className = 'live on';
    // Anything missed while disconnected.
    scheduleRefresh();
  });
  source.addEventListener('error', () => {
    // EventSource reconnects by itself (the server asks for a retry after a second).
    live.textContent = 'Reconnecting…';
    live.className = 'live off';
  });
  source.addEventListener('change', (event: MessageEvent<string>) => {
    const change = parseChange(event.data);
    if (change?.kind === 'home_published') {
      if (change.user === state.user && state.view === 'home') void loadHome();
      return;
    }
    if (change?.channel && change.channel !== state.channel) {
      if (change.kind === 'message_posted') onOtherChannelPost(change.channel);
      return;
    }
    scheduleRefresh();
  });
}
