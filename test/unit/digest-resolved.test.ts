import { describe, expect, it } from 'vitest';
import { growthStatus, rankEntries, resolvedNotes, resolvedSinceMs, type DigestEntry } from '../../src/domain/digest';
import { digestMessage } from '../../src/slack/digest-blocks';
import { validateBlocks } from '../../src/slack-standin/block-validation';

const MIB = 1024 * 1024;
const END = Date.UTC(2026, 2, 2, 8);
const DAY = 86_400_000;

function measured(service: string, startMiB: number, endMiB: number): DigestEntry {
  const growthBytes = (endMiB - startMiB) * MIB;
  const growthFraction = growthBytes / (startMiB * MIB);
  return { kind: 'measured', service, status: growthStatus(growthBytes, growthFraction), pattern: 'stable', startBytes: startMiB * MIB, currentBytes: endMiB * MIB, growthBytes, growthFraction, limitBytes: null, usedFraction: null, hoursToLimit: null, change: null };
}

describe('resolved since the last digest', () => {
  it('keeps one note per service, its latest resolution, by name', () => {
    const notes = resolvedNotes([
      { service: 'search-api', resolution: { userId: 'U0BOB', at: END - 5_000 } },
      { service: 'checkout-api', resolution: { userId: 'U0ALICE', at: END - 9_000 } },
      { service: 'search-api', resolution: { userId: 'U0CAROL', at: END - 1_000 } },
    ]);
    expect(notes).toEqual([
      { service: 'checkout-api', userId: 'U0ALICE', at: END - 9_000 },
      { service: 'search-api', userId: 'U0CAROL', at: END - 1_000 },
    ]);
  });

  it('starts the period at the previous digest, or a window back without one', () => {
    expect(resolvedSinceMs(new Date(END - DAY).toISOString(), END, DAY)).toBe(END - DAY);
    expect(resolvedSinceMs(new Date(END - 3 * DAY).toISOString(), END, DAY)).toBe(END - 3 * DAY);
    expect(resolvedSinceMs(null, END, DAY)).toBe(END - DAY);
    expect(resolvedSinceMs('not a time', END, DAY)).toBe(END - DAY);
  });

  it('adds a line to a full digest and to a quiet one, and nothing when none was resolved', () => {
    const resolved = [{ service: 'checkout-api', userId: 'U0ALICE', at: END - 3_600_000 }];
    const base = { windowMs: DAY, endMs: END, timeZone: 'UTC', chartFileId: null, chartProblem: null };
    const full = digestMessage({ ...base, entries: rankEntries([measured('grower', 100, 200), measured('flat', 100, 100)]), resolved });
    expect(validateBlocks(full.blocks)).toEqual([]);
    expect(JSON.stringify(full.blocks.find((b) => b.block_id === 'digest_resolved'))).toContain('Resolved since the last digest: `checkout-api` (by <@U0ALICE>, 07:00 UTC)');
    const quiet = digestMessage({ ...base, entries: [measured('flat', 100, 100)], resolved });
    expect(quiet.blocks).toHaveLength(1);
    expect(JSON.stringify(quiet.blocks)).toContain('Resolved since the last digest: `checkout-api`');
    const none = digestMessage({ ...base, entries: rankEntries([measured('grower', 100, 200)]), resolved: [] });
    expect(JSON.stringify(none.blocks)).not.toContain('Resolved since');
  });
});
