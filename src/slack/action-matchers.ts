/**
 * How a handler names the action ids it takes: an exact id, or a pattern anchored at the start.
 * The builders export the matchers for the ids they emit (ACTION_MATCHERS in blocks.ts,
 * DIGEST_ACTION_MATCHERS in digest-blocks.ts) and handlers/actions.ts registers exactly those.
 */

export type ActionMatcher = string | RegExp;

/** Whether a matcher takes an action id, as Bolt decides it (a string is equal, a RegExp tests). */
export function matchesAction(matcher: ActionMatcher, actionId: string): boolean {
  return typeof matcher === 'string' ? matcher === actionId : matcher.test(actionId);
}

/** A pattern for every action id none of the matchers takes (anchored patterns only, as Bolt receives them). */
export function noneOf(matchers: readonly ActionMatcher[]): RegExp {
  const alternatives = matchers.map((m) => {
    if (typeof m === 'string') return `${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
    if (!m.source.startsWith('^') || m.flags !== '') throw new Error(`action matcher ${String(m)} must be anchored at the start and have no flags`);
    return m.source.slice(1);
  });
  return new RegExp(`^(?!${alternatives.map((a) => `(?:${a})`).join('|')})`);
}
