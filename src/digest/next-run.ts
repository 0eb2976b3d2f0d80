/** When a digest schedule fires next, as node-cron itself computes it (from the wall clock, like the scheduler). */

import cron from 'node-cron';
import type { DigestSchedule } from '../config/schedule';

/** The next run of `schedule` after now, ms since epoch; null for an expression node-cron cannot read. */
export function nextDigestRun(schedule: DigestSchedule): number | null {
  try {
    // Created, never started: it schedules nothing; destroyed at once so the registry does not keep it.
    const task = cron.createTask(schedule.cron, () => undefined, { timezone: schedule.timeZone });
    try {
      return task.getNextRuns(1)[0]?.getTime() ?? null;
    } finally {
      void task.destroy();
    }
  } catch {
    return null;
  }
}
