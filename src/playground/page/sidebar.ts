/** The sidebar (channels, who you are), the channel header, and the address bar that remembers both. */

import { byId, h } from './dom';
import { refresh } from './live';
import { render } from './messages';
import { findChannel, findUser, state } from './state';

export function renderSidebar(): void {
  const list = byId('channel-list');
  list.textContent = '';
  for (const c of state.ws?.channels ?? []) {
    const active = c.id === state.channel;
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

/** Channel and person in the address, so that a reload opens the same view. */
export function saveLocation(): void {
  const params = new URLSearchParams({ channel: state.channel, user: state.user });
  history.replaceState(null, '', `?${params.toString()}`);
}

/** A new message in a channel that is not open: its name turns bold. */
export function markUnread(channel: string): void {
  state.unread.add(channel);
  renderSidebar();
}

export function selectChannel(id: string): void {
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
  void refresh();
}
