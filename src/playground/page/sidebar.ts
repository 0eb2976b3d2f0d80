/** The sidebar (channels, who you are), the channel header, and the address bar that remembers both. */

import { byId, h } from './dom';
import { loadHome, renderHome, tellBotHomeOpened } from './home';
import type { MessageLink } from './home-view';
import { refresh } from './live';
import { render } from './messages';
import { findChannel, findUser, state } from './state';

export function renderSidebar(): void {
  const list = byId('channel-list');
  list.textContent = '';
  for (const c of state.ws?.channels ?? []) {
    const active = c.id === state.channel && state.view === 'channel';
    list.appendChild(
      h('li', {}, [
        h(
          'button',
          {
            className: `sidebar-item${active ? ' active' : ''}${state.unread.has(c.id) && !active ? ' unread' : ''}`,
            dataset: { channel: c.id },
            attrs: { type: 'button', 'aria-current': active ? 'page' : undefined },
            onclick: () => selectChannel(c.id),
          },
          [h('span', { className: 'hash', text: '#' }), c.name],
        ),
      ]),
    );
  }
  const apps = byId('app-list');
  apps.textContent = '';
  const homeOpen = state.view === 'home';
  apps.appendChild(
    h('li', {}, [
      h(
        'button',
        {
          className: `sidebar-item${homeOpen ? ' active' : ''}`,
          dataset: { home: 'pymem' },
          attrs: { type: 'button', 'aria-current': homeOpen ? 'page' : undefined, title: "pymem's Home tab" },
          onclick: openHome,
        },
        [h('span', { className: 'app-dot' }), 'pymem'],
      ),
    ]),
  );
  const me = findUser(state.user);
  const avatar = byId('me-avatar');
  avatar.textContent = me ? me.name.charAt(0) : '?';
  avatar.style.background = me ? me.color : '#868686';
  byId('me-title').textContent = me ? me.title : '';
}

export function renderHeader(): void {
  const channel = findChannel(state.channel);
  byId('channel-title').textContent = `# ${channel ? channel.name : state.channel}`;
  byId('channel-topic').textContent = channel ? channel.topic : '';
  byId<HTMLInputElement>('composer').placeholder = `Message #${channel ? channel.name : ''}`;
  document.title = `${channel ? `#${channel.name}` : 'pymem'} · pymem playground`;
}

/** Channel and person (and the Home tab, when open) in the address, so that a reload opens the same view. */
export function saveLocation(): void {
  const params = new URLSearchParams({ channel: state.channel, user: state.user, ...(state.view === 'home' ? { tab: 'home' } : {}) });
  history.replaceState(null, '', `?${params.toString()}`);
}

/** A new message in a channel that is not open: its name turns bold. */
export function markUnread(channel: string): void {
  state.unread.add(channel);
  renderSidebar();
}

/** Shows the channel pane or the Home pane. */
function showPane(view: 'channel' | 'home'): void {
  state.view = view;
  byId('channel').hidden = view !== 'channel';
  byId('home').hidden = view !== 'home';
}

/** Opens pymem's Home tab: drawn from the last published view, and pymem is told (app_home_opened). */
export function openHome(): void {
  showPane('home');
  document.title = 'pymem · Home · pymem playground';
  saveLocation();
  renderSidebar();
  renderHome();
  void loadHome();
  tellBotHomeOpened();
}

/** A message link in the Home tab: its channel opens, scrolled to the message, which lights up briefly. */
export function jumpToMessage(link: MessageLink): void {
  selectChannel(link.channel);
  let tries = 0;
  const find = (): void => {
    const row = document.querySelector<HTMLElement>(`.msg[data-ts="${CSS.escape(link.ts)}"]`);
    if (row) {
      row.scrollIntoView({ block: 'center' });
      row.classList.add('highlight');
      setTimeout(() => row.classList.remove('highlight'), 2500);
      return;
    }
    // The channel loads in the background; give it a couple of seconds.
    if ((tries += 1) < 40) setTimeout(find, 50);
  };
  find();
}

export function selectChannel(id: string): void {
  if (state.view === 'home') {
    showPane('channel');
    renderHeader();
    if (id === state.channel) {
      saveLocation();
      renderSidebar();
      render();
      return;
    }
  }
  if (id === state.channel) return;
  state.channel = id;
  state.unread.delete(id);
  state.messages = [];
  state.nodes = new Map();
  state.scrollToEnd = true;
  saveLocation();
  renderSidebar();
  renderHeader();
  render();
  void refresh();
}

/** Signs in as someone else: their ephemerals, their highlighted mentions. */
export function selectUser(id: string): void {
  state.user = id;
  state.nodes = new Map();
  state.dismissed = new Set();
  saveLocation();
  renderSidebar();
  if (state.view === 'home') {
    // Someone else's Home tab: theirs as published, and opening it tells pymem, as in Slack.
    state.home = null;
    renderHome();
    void loadHome();
    tellBotHomeOpened();
  }
  void refresh();
}
