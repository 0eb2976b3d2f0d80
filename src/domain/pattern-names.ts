/** Short human names for diagnosis patterns, shared by chart titles and messages. */

import type { PatternId } from './diagnosis';

/** A lower-case phrase that fits after "checkout-api — ", e.g. "one worker growing". */
export function patternTitle(id: PatternId): string {
  switch (id) {
    case 'stable':
      return 'memory stable';
    case 'one-worker-growing':
      return 'one worker growing';
    case 'all-workers-growing':
      return 'all workers growing';
    case 'all-workers-large-stable':
      return 'all workers large but stable';
    case 'worker-count-jump':
      return 'worker count changed';
    case 'follows-traffic':
      return 'memory follows traffic';
    case 'high-while-idle':
      return 'memory stays high while idle';
    case 'job-driven':
      return 'background jobs drive memory';
    case 'mixed':
      return 'several patterns at once';
    default: {
      const unknown: never = id;
      throw new Error(`no title for pattern ${String(unknown)}`);
    }
  }
}
