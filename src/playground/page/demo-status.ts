/** The demo controls' status line, pure: where the demo clock is and which fixes were deployed. */

export interface DemoClock {
  /** How far the demo clock is ahead of the real one, ms. */
  readonly offsetMs: number;
  /** The demo clock now, ms since epoch. */
  readonly now: number;
  readonly fixes: readonly { readonly service: string; readonly at: number }[];
}

function clockText(ms: number, timeZone: string | undefined): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', ...(timeZone !== undefined ? { timeZone } : {}) });
}

/** "Demo clock 03:40 (1 h 30 min ahead)" and one line per fix; times in `timeZone`, the reader's own by default. */
export function demoStatusText(demo: DemoClock, timeZone?: string): string {
  const minutes = Math.round(demo.offsetMs / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const ahead = minutes === 0 ? 'real time' : `${hours > 0 ? `${hours} h ` : ''}${rest > 0 ? `${rest} min ` : ''}ahead`;
  const lines = [`Demo clock ${clockText(demo.now, timeZone)} (${ahead})`];
  for (const fix of demo.fixes) lines.push(`Fix deployed to ${fix.service} at ${clockText(fix.at, timeZone)}`);
  return lines.join('\n');
}
