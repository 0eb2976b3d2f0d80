import { describe, expect, it } from 'vitest';
import { checklistStateFrom } from '../../src/domain/checklist-state';

describe('checklistStateFrom', () => {
  it('keeps the latest event per step, in the order given, not by time', () => {
    const state = checklistStateFrom([
      { stepId: 'find-worker', checked: true, userId: 'U1', at: 3000 },
      { stepId: 'compare-drivers', checked: true, userId: 'U2', at: 1000 },
      // Applied later, stamped earlier (another replica's clock): it still wins.
      { stepId: 'find-worker', checked: false, userId: 'U3', at: 2000 },
    ]);
    expect(state).toEqual({
      'find-worker': { checked: false, userId: 'U3', at: 2000 },
      'compare-drivers': { checked: true, userId: 'U2', at: 1000 },
    });
  });

  it('leaves steps nobody touched absent', () => {
    expect(checklistStateFrom([])).toEqual({});
  });
});
