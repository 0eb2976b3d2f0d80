/** Slack's Block Kit limits, and trimming that respects them without cutting words or markup. */

export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  contextElementText: 2000,
  headerText: 150,
  buttonText: 75,
  /** A button's `url`. */
  buttonUrl: 3000,
  /** Elements in one actions block. */
  actionsElements: 25,
  /** A button's accessibility_label. */
  accessibilityLabel: 75,
  optionText: 75,
  placeholderText: 150,
  altText: 2000,
  actionValue: 2000,
  /** Slack truncates `text` fallbacks for notifications long before this; keep it short. */
  fallbackText: 300,
} as const;

/**
 * Shortens text to at most `max` characters, ending at a word boundary with an ellipsis.
 * Never ends inside an inline code span, a link or a mention (<...>), which would break rendering.
 */
export function trimText(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  const budget = max - ellipsis.length;
  let cut = text.lastIndexOf(' ', budget);
  if (cut < budget * 0.5) cut = budget;
  let head = text.slice(0, cut);
  head = closeMarkup(head);
  return head.trimEnd() + ellipsis;
}

/** Drops a half-open `code span` or <link|mention> at the end of a trimmed string. */
function closeMarkup(head: string): string {
  const ticks = (head.match(/`/g) ?? []).length;
  if (ticks % 2 === 1) head = head.slice(0, head.lastIndexOf('`'));
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) head = head.slice(0, open);
  return head;
}

/**
 * Joins lines into one text of at most `max` characters, keeping whole lines; when some do not
 * fit, the last line says how many were left out.
 */
export function joinWithinLimit(lines: readonly string[], max: number, more: (left: number) => string): string {
  const kept: string[] = [];
  let length = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const reserve = i < lines.length - 1 ? more(lines.length - i).length + 1 : 0;
    if (length + line.length + 1 + reserve > max) {
      const left = lines.length - i;
      const tail = more(left);
      if (kept.length === 0) return trimText(line, max - tail.length - 1) + '\n' + tail;
      return [...kept, tail].join('\n');
    }
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
