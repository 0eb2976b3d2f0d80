/**
 * The playground page's entry (bundled by esbuild into /page.js; see scripts/build-playground.ts):
 * loads the workspace, draws the channel, wires the composer, and follows live changes.
 */

import { parseWorkspace, request } from './api';
import { wireComposer, wireDigest } from './composer';
import { byId, h } from './dom';
import { connectEvents, refresh } from './live';
import { messageOf, render, watchScroll } from './messages';
import { wireDemoControls } from './demo-controls';
import { wireHomeLinks } from './home';
import { jumpToMessage, markUnread, openHome, renderHeader, renderSidebar, saveLocation, selectUser } from './sidebar';
import { findChannel, findUser, state } from './state';
import { toast } from './toast';

async function start(): Promise<void> {
  const ws = parseWorkspace(await request('GET', '/api/workspace'));
  state.ws = ws;
  // The address names a channel and a person when the page was reloaded (see saveLocation).
  const params = new URLSearchParams(location.search);
  state.channel = findChannel(params.get('channel'))?.id ?? ws.channels[0].id;
  state.user = findUser(params.get('user'))?.id ?? ws.users[0].id;
  const picker = byId<HTMLSelectElement>('user-picker');
  for (const u of ws.users) picker.appendChild(h('option', { text: u.name, attrs: { value: u.id } }));
  picker.value = state.user;
  picker.addEventListener('change', () => selectUser(picker.value));
  byId('source-note').textContent = `Data: ${ws.source}`;
  saveLocation();
  renderSidebar();
  renderHeader();
  render();
  wireComposer();
  wireDigest();
  byId<HTMLInputElement>('composer').disabled = false;
  wireHomeLinks(jumpToMessage);
  wireDemoControls().catch((error: unknown) => toast(`The demo controls did not load: ${messageOf(error)}`, 'error'));
  connectEvents(markUnread);
  await refresh();
  if (params.get('tab') === 'home') openHome();
}

function boot(): void {
  start().catch((error: unknown) => toast(`The playground did not answer: ${messageOf(error)}`, 'error'));
}

watchScroll();
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
