/**
 * The composer: slash-command suggestions as in Slack (arrows, Tab, Enter, Escape), sending a line
 * as POST /api/command, and the "Send digest now" button (POST /api/digest).
 */

import { parseCommandAnswer, parseDigestAnswer, request } from './api';
import { byId, h } from './dom';
import { addNotice, messageOf } from './messages';
import { state } from './state';
import { commandSuggestions, type Suggestion } from './suggestions';
import { toast } from './toast';

/** Clicking a suggestion blurs the input first; wait for the click before closing the list. */
const BLUR_CLOSE_MS = 100;

const suggestion: { items: Suggestion[]; index: number } = { items: [], index: -1 };

function input(): HTMLInputElement {
  return byId<HTMLInputElement>('composer');
}

function renderSuggestions(): void {
  const box = byId('suggestions');
  box.textContent = '';
  if (suggestion.items.length === 0) {
    box.hidden = true;
    return;
  }
  box.appendChild(h('div', { className: 'suggestions-title', text: 'Commands' }));
  suggestion.items.forEach((item, i) => {
    box.appendChild(
      h(
        'div',
        {
          className: `suggestion${i === suggestion.index ? ' active' : ''}`,
          attrs: { role: 'option', 'aria-selected': i === suggestion.index ? 'true' : 'false' },
          onmousedown: (event) => {
            // Keep the focus in the input.
            event.preventDefault();
            pick(i);
          },
        },
        [h('span', { className: 'suggestion-text', text: item.text }), h('span', { className: 'suggestion-hint', text: item.hint })],
      ),
    );
  });
  box.hidden = false;
}

function updateSuggestions(): void {
  const composer = input();
  suggestion.items = commandSuggestions(composer.value, state.ws ? state.ws.command : '/pymem', state.ws?.services ?? []);
  if (suggestion.index >= suggestion.items.length) suggestion.index = -1;
  renderSuggestions();
  byId<HTMLButtonElement>('send').disabled = composer.value.trim() === '';
}

function pick(i: number): void {
  const composer = input();
  const item = suggestion.items[i];
  if (item) composer.value = item.text;
  suggestion.index = -1;
  updateSuggestions();
  composer.focus();
}

function submit(): void {
  const composer = input();
  const text = composer.value.trim();
  if (text === '') return;
  composer.value = '';
  suggestion.items = [];
  suggestion.index = -1;
  renderSuggestions();
  byId<HTMLButtonElement>('send').disabled = true;
  state.scrollToEnd = true;
  request('POST', '/api/command', { channel: state.channel, user: state.user, text })
    .then((body) => {
      const answer = parseCommandAnswer(body);
      if (answer.kind === 'notice') addNotice(answer.text);
    })
    .catch((error: unknown) => {
      // Give the line back, unless the person already typed another.
      if (composer.value === '') composer.value = text;
      updateSuggestions();
      toast(`pymem did not get that: ${messageOf(error)}`, 'error');
    });
}

export function wireComposer(): void {
  const composer = input();
  composer.addEventListener('input', () => {
    suggestion.index = -1;
    updateSuggestions();
  });
  composer.addEventListener('focus', updateSuggestions);
  composer.addEventListener('blur', () => {
    setTimeout(() => {
      suggestion.items = [];
      renderSuggestions();
    }, BLUR_CLOSE_MS);
  });
  composer.addEventListener('keydown', (event) => {
    const open = suggestion.items.length > 0;
    if (event.key === 'ArrowDown' && open) {
      event.preventDefault();
      suggestion.index = (suggestion.index + 1) % suggestion.items.length;
      renderSuggestions();
    } else if (event.key === 'ArrowUp' && open) {
      event.preventDefault();
      suggestion.index = suggestion.index <= 0 ? suggestion.items.length - 1 : suggestion.index - 1;
      renderSuggestions();
    } else if (event.key === 'Tab' && open) {
      event.preventDefault();
      pick(suggestion.index >= 0 ? suggestion.index : 0);
    } else if (event.key === 'Escape' && open) {
      suggestion.items = [];
      renderSuggestions();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (open && suggestion.index >= 0) pick(suggestion.index);
      else submit();
    }
  });
  byId('composer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
}

export function wireDigest(): void {
  const button = byId<HTMLButtonElement>('digest-now');
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = 'Sending digest…';
    state.scrollToEnd = true;
    request('POST', '/api/digest', { channel: state.channel })
      .then((body) => {
        const { outcome } = parseDigestAnswer(body);
        if (outcome && outcome.outcome !== 'posted') toast(`Digest not posted: ${outcome.outcome}${outcome.detail ? ` (${outcome.detail})` : ''}`, 'error');
      })
      .catch((error: unknown) => {
        toast(`The digest failed: ${messageOf(error)}`, 'error');
      })
      .finally(() => {
        button.disabled = false;
        button.textContent = 'Send digest now';
      });
  });
}
