/**
 * What the people on an incident have ticked: the checklist as the latest event per step leaves it.
 * The store reads it, the Block Kit builders render it; neither defines it.
 */

import type { ChecklistStepId } from './checklist';

/** One step as its latest event left it. */
export interface StepState {
  readonly checked: boolean;
  /** Who last changed it, and when (ms since epoch). */
  readonly userId: string;
  readonly at: number;
}

export type ChecklistState = Readonly<Partial<Record<ChecklistStepId, StepState>>>;

/** One tick or untick of one step, as far as the state cares. */
export interface StepEvent extends StepState {
  readonly stepId: ChecklistStepId;
}

/** Folds events, in the order the store applied them (oldest first), into the state the latest per step leaves. */
export function checklistStateFrom(events: Iterable<StepEvent>): ChecklistState {
  const state: Partial<Record<ChecklistStepId, StepState>> = {};
  for (const e of events) state[e.stepId] = { checked: e.checked, userId: e.userId, at: e.at };
  return state;
}
