/** The re-check runner on a real (in-memory SQLite) store: due checks run once, are finished, and a failure is recorded. */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecheckRunner } from '../../../src/bot/recheck-runner';
import { InMemoryStore } from '../../support/fakes/in-memory-store';
import type { ScheduledCheck } from '../../../src/store/store';
import { makeNewIncident } from '../../support/store-suite';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const silent = pino({ level: 'silent' });

describe('RecheckRunner', () => {
  let store: InMemoryStore;
  let incidentId: string;

  beforeEach(async () => {
    store = new InMemoryStore();
    await store.migrate();
    incidentId = (await store.createIncident(makeNewIncident())).id;
  });

  afterEach(async () => {
    await store.close();
  });

  function runner(owner: string, run: (check: ScheduledCheck) => Promise<'done' | 'failed'>, now = () => NOW): RecheckRunner {
    return new RecheckRunner({ store, run, logger: silent, clock: now, owner, leaseMs: 60_000, intervalMs: 1_000 });
  }

  it('runs each due check once across two runners, leaves the others, and records the outcome', async () => {
    await store.scheduleCheck({ id: 'a', incidentId, dueAt: NOW - 1, requestedBy: 'U0A', createdAt: NOW - 3_600_000 });
    await store.scheduleCheck({ id: 'b', incidentId, dueAt: NOW, requestedBy: 'U0B', createdAt: NOW - 3_600_000 });
    await store.scheduleCheck({ id: 'later', incidentId, dueAt: NOW + 1, requestedBy: 'U0C', createdAt: NOW });
    const ran: string[] = [];
    const run = async (check: ScheduledCheck): Promise<'done' | 'failed'> => {
      ran.push(check.id);
      return check.id === 'b' ? 'failed' : 'done';
    };
    const counts = await Promise.all([runner('r1', run).sweep(), runner('r2', run).sweep()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(ran.sort()).toEqual(['a', 'b']);
    expect(await runner('r3', run).sweep()).toBe(0);
    const checks = await store.scheduledChecks(incidentId);
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['a', 'done'],
      ['b', 'failed'],
      ['later', 'scheduled'],
    ]);
  });

  it('a run that throws is recorded as failed, not retried by the next sweep', async () => {
    await store.scheduleCheck({ id: 'boom', incidentId, dueAt: NOW, requestedBy: 'U0A', createdAt: NOW });
    let calls = 0;
    const r = runner('r1', async () => {
      calls++;
      throw new Error('backend exploded');
    });
    expect(await r.sweep()).toBe(1);
    expect(await r.sweep()).toBe(0);
    expect(calls).toBe(1);
    expect((await store.scheduledChecks(incidentId))[0]?.status).toBe('failed');
  });

  it('renews its lease while a check runs longer than the lease', async () => {
    await store.scheduleCheck({ id: 'slow', incidentId, dueAt: NOW, requestedBy: 'U0A', createdAt: NOW });
    let clock = NOW;
    const slow = new RecheckRunner({
      store,
      logger: silent,
      clock: () => clock,
      owner: 'r1',
      leaseMs: 600,
      intervalMs: 10_000,
      run: async () => {
        // Time moves on while it runs: without renewals the lease would have run out.
        for (let i = 0; i < 6; i++) {
          clock += 200;
          await new Promise((r) => setTimeout(r, 260));
        }
        return 'done';
      },
    });
    const other = runner('r2', async () => 'done', () => clock);
    const sweeping = slow.sweep();
    await new Promise((r) => setTimeout(r, 900));
    expect(await other.sweep()).toBe(0);
    await sweeping;
    expect((await store.scheduledChecks(incidentId))[0]).toMatchObject({ status: 'done', owner: 'r1', attempts: 1 });
  });
});
