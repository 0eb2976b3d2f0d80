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
