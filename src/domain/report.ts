/**
 * Everything a report message is rendered from, stored with the incident so the message can be
 * rebuilt after a restart or on another replica. Plain JSON.
 */

import type { Diagnosis, InsufficientData } from './diagnosis';
import type { ChecklistStep } from './checklist';

export interface StoredReport {
  readonly diagnosis: Diagnosis;
  readonly checklist: readonly ChecklistStep[];
  /** Slack file id of the uploaded chart, or null when the upload failed. */
  readonly chartFileId: string | null;
  /** Why there is no chart, in words, when there is none. */
  readonly chartProblem: string | null;
  readonly sourceDescription: string;
  readonly timeZone: string;
}

export type { Diagnosis, InsufficientData };
