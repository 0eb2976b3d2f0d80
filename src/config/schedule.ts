/** Digest schedules: the types the settings carry, and the start-up check of a cron expression. */

import cron from 'node-cron';

export interface DigestSchedule {
  /** node-cron expression: five fields, or six with seconds first. */
  readonly cron: string;
  readonly timeZone: string;
}

export interface DigestSettings {
  readonly schedule: DigestSchedule;
  /** Channels with their own schedule. */
  readonly channels: Readonly<Record<string, DigestSchedule>>;
  /** How long a claim holds without a heartbeat. */
  readonly leaseMs: number;
  /** This process's name in claims. */
  readonly replicaId: string;
}

/** Checks a cron expression at start-up, with node-cron's own reason when it is wrong. */
export function cronProblem(expression: string): string | null {
  const result = cron.validateDetailed(expression);
  if (result.valid) return null;
  return result.errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'not a cron expression';
}

/** The schedule in words for people ("daily at 08:00 Europe/Berlin"); an unusual expression is quoted as it is. */
export function describeSchedule(s: DigestSchedule): string {
  const fields = s.cron.trim().split(/\s+/);
  const [minute, hour, dom, month, dow] = fields.length === 6 ? fields.slice(1) : fields;
  if (fields.length >= 5 && /^\d+$/.test(minute ?? '') && /^\d+$/.test(hour ?? '') && dom === '*' && month === '*') {
    const time = `${hour!.padStart(2, '0')}:${minute!.padStart(2, '0')}`;
    const days = dow === '*' ? 'daily' : dow === '1-5' ? 'on weekdays' : `on days ${dow}`;
    return `${days} at ${time} ${s.timeZone}`;
  }
  return `on the schedule "${s.cron}" (${s.timeZone})`;
}
