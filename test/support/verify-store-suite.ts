/**
 * The Store contract for fix verifications and scheduled re-checks (issue 13), run by every
 * implementation beside describeStoreContract.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScheduledCheck, Store, VerificationRecord } from '../../src/store/store';
import { MAX_CHECK_ATTEMPTS } from '../../src/store/verify-rows';
import { makeNewIncident, type StoreHarness } from './store-suite';

export interface VerifyStoreHarness extends StoreHarness {
  /** Runs SQL on the same database outside the store (to put it back to an older schema); absent for a store without SQL. */
  readonly exec?: (sql: string) => Promise<void>;
}

const NOW = Date.parse('2026-03-02T12:00:00.000Z');
const LEASE_MS = 5 * 60_000;
const HOUR = 3_600_000;

function verification(incidentId: string, overrides: Partial<VerificationRecord> = {}): VerificationRecord {
  return {
    incidentId,
    since: '2026-03-02T10:00:15.000Z',
    verdict: 'fixed',
    result: { verdict: 'fixed', before: { growthMiBPerHour: 192.4, workers: [{ name: 'pid 4312 on web-2', grew: true }] }, findings: ['Before…', 'ünïcode'] },
    requestedBy: 'U0ALICE',
    at: NOW,
    ...overrides,
  };
}

export function describeVerifyStoreContract(name: string, makeStore: () => Promise<VerifyStoreHarness>): void {
  describe(`Store contract, verifications and scheduled checks: ${name}`, () => {
    let harness: VerifyStoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
      await store.migrate();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('stores verifications and returns the latest, its result exactly', async () => {
      const { id } = await store.createIncident(makeNewIncident());
      expect(await store.latestVerification(id)).toBeNull();
      const first = verification(id, { verdict: 'too-early', at: NOW });
      const second = verification(id, { verdict: 'fixed', at: NOW + HOUR, requestedBy: 'schedule' });
      await store.recordVerification(second);
      await store.recordVerification(first);
      expect(await store.latestVerification(id)).toStrictEqual(second);
      // The same time: the one stored last wins.
      const third = verification(id, { verdict: 'not-fixed', at: NOW + HOUR });
      await store.recordVerification(third);
      expect(await store.latestVerification(id)).toStrictEqual(third);
      expect(await store.latestVerification('inc-unknown')).toBeNull();
      // All of them, oldest first (the same time: in the order stored), for the timeline.
      expect(await store.verifications(id)).toStrictEqual([first, second, third]);
      expect(await store.verifications('inc-unknown')).toEqual([]);
      // Each one bumps the version: the report is redrawn to show it, after a restart too.
      expect((await store.getIncident(id))?.version).toBe(3);
      await store.attachMessage(id, '1.000300');
      expect((await store.staleIncidents(10)).map((i) => i.id)).toEqual([id]);
      await expect(store.recordVerification(verification('inc-unknown'))).rejects.toMatchObject({ code: 'not-found' });
    });

    it('schedules a check once per id and gives a due check to exactly one of 10 concurrent claimants', async () => {
      const { id } = await store.createIncident(makeNewIncident());
      const check = { id: 'chk-1', incidentId: id, dueAt: NOW + HOUR, requestedBy: 'U0ALICE', createdAt: NOW };
      expect(await store.scheduleCheck(check)).toBe('added');
      expect(await store.scheduleCheck({ ...check, dueAt: NOW + 2 * HOUR })).toBe('exists');
      // Not due yet.
      expect(await store.claimDueChecks('replica-a', NOW + HOUR - 1, LEASE_MS, 10)).toEqual([]);
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimDueChecks(`replica-${i}`, NOW + HOUR, LEASE_MS, 10)));
      const won = claims.filter((c) => c.length > 0);
      expect(won).toHaveLength(1);
      const claimed = won[0]![0]!;
      expect(claimed).toMatchObject({ ...check, status: 'claimed', leaseUntil: NOW + HOUR + LEASE_MS, attempts: 1, finishedAt: null });
      expect(await store.finishCheck('chk-1', 'someone-else', { status: 'done', at: NOW + HOUR + 1 })).toBe(false);
      expect(await store.finishCheck('chk-1', claimed.owner!, { status: 'done', at: NOW + HOUR + 1000 })).toBe(true);
      expect(await store.finishCheck('chk-1', claimed.owner!, { status: 'done', at: NOW + HOUR + 2000 })).toBe(false);
      // Done is done, whatever time it is later.
      expect(await store.claimDueChecks('replica-a', NOW + 100 * HOUR, LEASE_MS, 10)).toEqual([]);
      const [row] = await store.scheduledChecks(id);
      expect(row).toStrictEqual<ScheduledCheck>({ ...check, status: 'done', owner: claimed.owner, leaseUntil: NOW + HOUR + LEASE_MS, attempts: 1, finishedAt: NOW + HOUR + 1000 });
    });

    it('takes over a claim whose lease ran out, up to the attempt limit; a renewed lease holds', async () => {
      const { id } = await store.createIncident(makeNewIncident());
      await store.scheduleCheck({ id: 'chk-2', incidentId: id, dueAt: NOW, requestedBy: 'U0BOB', createdAt: NOW - HOUR });
      expect((await store.claimDueChecks('replica-a', NOW, LEASE_MS, 10)).map((c) => c.owner)).toEqual(['replica-a']);
      expect(await store.renewCheckClaim('chk-2', 'replica-a', NOW + 2 * LEASE_MS)).toBe(true);
      expect(await store.renewCheckClaim('chk-2', 'replica-b', NOW + 9 * LEASE_MS)).toBe(false);
      // Within the renewed lease: nobody else.
      expect(await store.claimDueChecks('replica-b', NOW + LEASE_MS + 1, LEASE_MS, 10)).toEqual([]);
      let t = NOW + 2 * LEASE_MS + 1;
      for (let attempt = 2; attempt <= MAX_CHECK_ATTEMPTS; attempt++) {
        const [taken] = await store.claimDueChecks(`replica-${attempt}`, t, LEASE_MS, 10);
        expect(taken).toMatchObject({ id: 'chk-2', owner: `replica-${attempt}`, attempts: attempt });
        t += LEASE_MS + 1;
      }
      // The old holder lost it: it can neither renew nor finish.
      expect(await store.renewCheckClaim('chk-2', 'replica-a', t)).toBe(false);
      expect(await store.finishCheck('chk-2', 'replica-a', { status: 'done', at: t })).toBe(false);
      // Past the attempt limit nobody takes it again; its last holder may still mark it failed.
      expect(await store.claimDueChecks('replica-z', t + 10 * HOUR, LEASE_MS, 10)).toEqual([]);
      expect(await store.finishCheck('chk-2', `replica-${MAX_CHECK_ATTEMPTS}`, { status: 'failed', at: t })).toBe(true);
      expect((await store.scheduledChecks(id)).map((c) => c.status)).toEqual(['failed']);
    });

    it('claims due checks in due order, at most `limit`, across incidents', async () => {
      const a = await store.createIncident(makeNewIncident());
      const b = await store.createIncident(makeNewIncident());
      await store.scheduleCheck({ id: 'chk-late', incidentId: a.id, dueAt: NOW - 1000, requestedBy: 'U0ALICE', createdAt: NOW - HOUR });
      await store.scheduleCheck({ id: 'chk-early', incidentId: b.id, dueAt: NOW - 2000, requestedBy: 'U0ALICE', createdAt: NOW - HOUR });
      await store.scheduleCheck({ id: 'chk-future', incidentId: b.id, dueAt: NOW + HOUR, requestedBy: 'U0ALICE', createdAt: NOW - HOUR });
      expect((await store.claimDueChecks('r', NOW, LEASE_MS, 1)).map((c) => c.id)).toEqual(['chk-early']);
      expect((await store.claimDueChecks('r', NOW, LEASE_MS, 5)).map((c) => c.id)).toEqual(['chk-late']);
      expect((await store.scheduledChecks(b.id)).map((c) => c.id)).toEqual(['chk-early', 'chk-future']);
    });

    it('finds the newest posted report of a service in a channel', async () => {
      expect(await store.latestIncident('C0INCIDENTS', 'checkout-api')).toBeNull();
      const older = await store.createIncident(makeNewIncident({ createdAt: NOW - HOUR }));
      const newer = await store.createIncident(makeNewIncident({ createdAt: NOW }));
      await store.createIncident(makeNewIncident({ createdAt: NOW + HOUR, service: 'search-api' }));
      await store.createIncident(makeNewIncident({ createdAt: NOW + HOUR, channelId: 'C0OTHER' }));
      // Not posted yet: no message to thread under.
      await store.createIncident(makeNewIncident({ createdAt: NOW + 2 * HOUR }));
      await store.attachMessage(older.id, '1.000100');
      expect((await store.latestIncident('C0INCIDENTS', 'checkout-api'))?.id).toBe(older.id);
      await store.attachMessage(newer.id, '1.000200');
      expect(await store.latestIncident('C0INCIDENTS', 'checkout-api')).toStrictEqual({ ...newer, messageTs: '1.000200' });
      expect(await store.latestIncident('C0INCIDENTS', 'orders-api')).toBeNull();
    });

    it('keeps verifications and scheduled checks across a restart', async ({ skip }) => {
      const reopen = harness.reopen;
      if (reopen === undefined) return skip('this store cannot be reopened');
      const { id } = await store.createIncident(makeNewIncident());
      await store.recordVerification(verification(id));
      await store.scheduleCheck({ id: 'chk-3', incidentId: id, dueAt: NOW + HOUR, requestedBy: 'U0ALICE', createdAt: NOW });
      await store.close();
      const again = await reopen();
      await again.migrate();
      expect(await again.latestVerification(id)).toStrictEqual(verification(id));
      expect((await again.claimDueChecks('replica-b', NOW + HOUR, LEASE_MS, 10)).map((c) => c.id)).toEqual(['chk-3']);
    });

    it('upgrades a database from before verifications, keeping its incidents', async ({ skip }) => {
      const exec = harness.exec;
      if (exec === undefined) return skip('this store has no SQL schema');
      const incident = await store.createIncident(makeNewIncident());
      await exec(`DROP TABLE scheduled_checks; DROP TABLE verifications; DELETE FROM schema_migrations WHERE version = 4;`);
      await expect(store.latestVerification(incident.id)).rejects.toMatchObject({ code: 'unavailable' });
      await store.migrate();
      expect(await store.getIncident(incident.id)).toStrictEqual(incident);
      await store.recordVerification(verification(incident.id));
      expect((await store.latestVerification(incident.id))?.verdict).toBe('fixed');
    });

    it('rejects the new calls after close with unavailable', async () => {
      await store.close();
      for (const call of [
        () => store.latestVerification('x'),
        () => store.recordVerification(verification('x')),
        () => store.scheduleCheck({ id: 'c', incidentId: 'x', dueAt: NOW, requestedBy: 'U', createdAt: NOW }),
        () => store.claimDueChecks('r', NOW, LEASE_MS, 1),
        () => store.renewCheckClaim('c', 'r', NOW),
        () => store.finishCheck('c', 'r', { status: 'done', at: NOW }),
        () => store.scheduledChecks('x'),
        () => store.verifications('x'),
        () => store.latestIncident('C', 'x'),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'unavailable' });
      }
    });
  });
}
