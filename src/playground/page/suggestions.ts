/** The composer's slash-command suggestions, as Slack shows them under a line that starts with "/". Pure. */

/** At most this many suggestions show at once. */
const MAX_SUGGESTIONS = 8;

export interface Suggestion {
  readonly text: string;
  readonly hint: string;
}

/**
 * The commands that start with what was typed (a line that starts with a slash), pure: the
 * workspace's command name and services in, suggestions out. The first service is checkout-api
 * where the demo has it.
 */
export function commandSuggestions(typed: string, command: string, services: readonly string[]): Suggestion[] {
  if (!typed.startsWith('/')) return [];
  const first = services.includes('checkout-api') ? 'checkout-api' : services[0] || 'checkout-api';
  const all: Suggestion[] = [
    { text: `${command} help`, hint: 'How to use pymem' },
    { text: `${command} ${first}`, hint: 'Analyse memory over the last 6 hours' },
    { text: `${command} ${first} 24h`, hint: 'The same over the last 24 hours' },
    { text: `${command} subscribe ${first}`, hint: 'Add it to this channel’s daily digest' },
    { text: `${command} unsubscribe ${first}`, hint: 'Take it out of the digest' },
    { text: `${command} list`, hint: 'Services in this channel’s digest' },
    ...services.filter((s) => s !== first).map((s) => ({ text: `${command} ${s}`, hint: 'Demo service' })),
  ];
  const query = typed.toLowerCase();
  return all
    .filter((s) => {
      const candidate = s.text.toLowerCase();
      return candidate.startsWith(query) && candidate !== query;
    })
    .slice(0, MAX_SUGGESTIONS);
}

