/**
 * The Store contract: one suite that every implementation runs (SQLite now, PostgreSQL later),
 * in the manner of @slack/oauth's installation-store spec utils.
 */

import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildChecklist, CHECKLIST_STEP_IDS, type ChecklistStepId } from '../../src/domain/checklist';
import { MIB } from '../../src/domain/series';
import type { StoredReport } from '../../src/domain/report';
import { StoreError, type ChecklistState, type NewIncident, type StepState, type Store, type TickEvent } from '../../src/store/store';
import { makeDiagnosis, makeWorkerFigures } from './diagnosis-factory';

export interface StoreHarness {
  readonly store: Store;
  /** Closes nothing itself: opens a second store on the same database, as a restarted process would. */
  readonly reopen?: () => Promise<Store>;
  /** Closes every store the harness opened and removes the database. */
  readonly cleanup: () => Promise<void>;
}

const T0 = Date.parse('2025-03-04T14:05:00.000Z');

/** A realistic report: one growing worker among flat ones, traffic figures, a chart, the real checklist. */
export function makeStoredReport(overrides: Partial<StoredReport> = {}): StoredReport {
  const diagnosis = makeDiagnosis({
    service: 'checkout-api',
    pattern: 'one-worker-growing',
    confidence: 0.87,
    secondary: ['follows-traffic'],
    verdict: 'One worker — pid 4312 on web-2 — grows steadily while its peers stay flat.',
    findings: ['pid 4312 on web-2 grew by 412 MiB (+68.7 MiB/h) over 6 h.', 'The other 3 workers stay within ±5 MiB.'],
    workers: [
      makeWorkerFigures({
        name: 'pid 4312 on web-2',
        labels: { pid: '4312', instance: 'web-2', job: 'checkout-api' },
        pid: '4312',
        instance: 'web-2',
        startBytes: 310 * MIB,
        endBytes: 722 * MIB,
        peakBytes: 722 * MIB,
        growthBytes: 412 * MIB,
        growthMiBPerHour: 68.66666666666667,
        steadiness: 0.97,
        trend: 'growing',
      }),
      makeWorkerFigures({ name: 'pid 4313 on web-2', labels: { pid: '4313', instance: 'web-2' }, pid: '4313', instance: 'web-2' }),
      makeWorkerFigures({ name: 'pid 1000 on web-1', growthMiBPerHour: -0.1, trend: 'flat' }),
    ],
    totals: {
      startBytes: 910 * MIB,
      endBytes: 1322 * MIB,
      peakBytes: 1330 * MIB,
      growthMiBPerHour: 68.7,
      workersAtStart: 3,
      workersAtEnd: 3,
    },
    traffic: { correlation: 0.41, partialCorrelation: 0.12, growthCorrelation: 0.05, meanRps: 132.5, peakRps: 410, swingMiB: 12.25 },
    limit: { bytes: 2048 * MIB, source: 'config', currentTotalBytes: 1322 * MIB, usedFraction: 0.6455078125, hoursToLimit: 10.57 },
    warnings: ['3 samples missing around 11:20 UTC.'],
  });
  return {
    diagnosis,
    checklist: buildChecklist(diagnosis, 'Europe/Berlin'),
    chartFileId: 'F07ABCDEF12',
    chartProblem: null,
    sourceDescription: 'Prometheus at http://prometheus.internal:9090',
    timeZone: 'Europe/Berlin',
    ...overrides,
  };
}

/** A new incident with a unique id; override anything. */
export function makeNewIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  return {
    id: `inc-${randomUUID()}`,
    channelId: 'C0INCIDENTS',
    service: 'checkout-api',
    windowMs: 6 * 3600 * 1000,
    endMs: T0,
    report: makeStoredReport(),
    createdBy: 'U0ALICE',
    createdAt: T0 + 1000,
    ...overrides,
  };
}

function tick(incidentId: string, stepId: ChecklistStepId, overrides: Partial<TickEvent> = {}): TickEvent {
  return { incidentId, stepId, userId: 'U0ALICE', checked: true, at: T0 + 60_000, requestKey: `req-${randomUUID()}`, ...overrides };
}

/** The state the latest event per step leaves, with `events` in the store's order (oldest first). */
function stateFrom(events: readonly TickEvent[]): ChecklistState {
  const state: Partial<Record<ChecklistStepId, StepState>> = {};
  for (const e of events) state[e.stepId] = { checked: e.checked, userId: e.userId, at: e.at };
  return state;
}

async function expectStoreError(promise: Promise<unknown>, code: StoreError['code']): Promise<StoreError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof StoreError)) throw new Error(`expected a StoreError '${code}', got ${String(error)}`, { cause: error });
  expect(error.code).toBe(code);
  return error;
}

/** Registers the Store contract for one implementation; `makeStore` returns a fresh, empty, not yet migrated database. */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
      await store.migrate();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('migrates twice without error or data loss', async () => {
      const incident = await store.createIncident(makeNewIncident());
      await store.migrate();
      await store.migrate();
      expect(await store.getIncident(incident.id)).toStrictEqual(incident);
      await store.ping();
    });

    it('creates an incident, reads it back, and finds it by message once attached', async () => {
      const input = makeNewIncident();
      const created = await store.createIncident(input);
      expect(created).toStrictEqual({ ...input, messageTs: null, version: 0 });
      expect(await store.getIncident(input.id)).toStrictEqual(created);
      expect(await store.findIncidentByMessage(input.channelId, '1741097100.000100')).toBeNull();

      await store.attachMessage(input.id, '1741097100.000100');
      const attached = { ...created, messageTs: '1741097100.000100' };
      expect(await store.getIncident(input.id)).toStrictEqual(attached);
      expect(await store.findIncidentByMessage(input.channelId, '1741097100.000100')).toStrictEqual(attached);
      // Same ts in another channel is another message.
      expect(await store.findIncidentByMessage('C0OTHER', '1741097100.000100')).toBeNull();
    });

    it('keeps incidents apart', async () => {
      const a = await store.createIncident(makeNewIncident({ service: 'checkout-api' }));
      const b = await store.createIncident(makeNewIncident({ service: 'billing-worker', channelId: 'C0OTHER' }));
      await store.attachMessage(a.id, '1741097100.000100');
      await store.attachMessage(b.id, '1741097100.000100');
      expect((await store.findIncidentByMessage('C0INCIDENTS', '1741097100.000100'))?.id).toBe(a.id);
      expect((await store.findIncidentByMessage('C0OTHER', '1741097100.000100'))?.id).toBe(b.id);
      await store.recordTick(tick(a.id, 'find-worker'));
      expect((await store.getIncident(b.id))?.version).toBe(0);
      expect(await store.tickEvents(b.id)).toEqual([]);
      expect(await store.checklistState(b.id)).toEqual({});
    });

    it('rejects a second incident with the same id as a conflict', async () => {
      const input = makeNewIncident();
      await store.createIncident(input);
      await expectStoreError(store.createIncident({ ...input, service: 'other' }), 'conflict');
      expect((await store.getIncident(input.id))?.service).toBe(input.service);
    });

    it('replaces the report without touching the rest of the incident', async () => {
      const input = makeNewIncident();
      await store.createIncident(input);
      await store.attachMessage(input.id, '1741097100.000100');
      await store.recordTick(tick(input.id, 'find-worker'));
      const withoutChart = makeStoredReport({ chartFileId: null, chartProblem: 'The chart upload timed out after 30 s; run /pymem again to retry.' });
      await store.replaceReport(input.id, withoutChart);
      expect(await store.getIncident(input.id)).toStrictEqual({ ...input, report: withoutChart, messageTs: '1741097100.000100', version: 1 });
      await expectStoreError(store.replaceReport('inc-does-not-exist', withoutChart), 'not-found');
    });

    it('returns null for an unknown incident id or message', async () => {
      expect(await store.getIncident('inc-does-not-exist')).toBeNull();
      expect(await store.findIncidentByMessage('C0INCIDENTS', '1.000000')).toBeNull();
    });

    it('reports attaching a message to an unknown incident as not-found', async () => {
      await expectStoreError(store.attachMessage('inc-does-not-exist', '1.000000'), 'not-found');
    });

    it('round-trips the report exactly, unicode and awkward numbers included', async () => {
      const base = makeStoredReport();
      const report = makeStoredReport({
        diagnosis: {
          ...base.diagnosis,
          verdict: 'Speicher wächst → 🐍💥 内存泄漏 «ü» e\u0301 עברית "quoted" \\ back\\slash\ttab\nnewline \u2028',
          confidence: 0.1 + 0.2,
          traffic: { correlation: -0.9999999999999999, partialCorrelation: 1e-7, growthCorrelation: 0, meanRps: 1234567.891, peakRps: 5e21, swingMiB: 0.5 },
          totals: { ...base.diagnosis.totals, startBytes: 2 ** 53 - 1, growthMiBPerHour: -1.5e-300 },
        },
        chartFileId: null,
        chartProblem: 'Slack refused the upload: file_uploads_disabled — ask an admin to allow uploads.',
        timeZone: 'America/Argentina/Buenos_Aires',
      });
      const input = makeNewIncident({ report, service: 'zahlungs-dienst-ü' });
      await store.createIncident(input);
      const read = await store.getIncident(input.id);
      expect(read?.report).toStrictEqual(report);
      // Same keys in the same order: a renderer rebuilding the message gets exactly what was stored.
      expect(JSON.stringify(read?.report)).toBe(JSON.stringify(report));
      expect(read?.service).toBe('zahlungs-dienst-ü');
    });

    it('applies a tick, bumps the version, and ignores a redelivery of the same request', async () => {
      const { id } = await store.createIncident(makeNewIncident());
      const first = tick(id, 'find-worker', { requestKey: 'req-1' });
      expect(await store.recordTick(first)).toEqual({ applied: true, version: 1 });
      expect(await store.recordTick(tick(id, 'compare-drivers', { requestKey: 'req-2' }))).toEqual({ applied: true, version: 2 });

      // The redelivery carries the same key; even if its body differed, it is the same request.
      expect(await store.recordTick({ ...first, checked: false, userId: 'U0BOB' })).toEqual({ applied: false, version: 2 });
      expect((await store.getIncident(id))?.version).toBe(2);
      expect(await store.tickEvents(id)).toEqual([first, expect.objectContaining({ requestKey: 'req-2' })]);
      expect((await store.checklistState(id))['find-worker']).toEqual({ checked: true, userId: first.userId, at: first.at });
    });

    it('reports a tick on an unknown incident as not-found and stores nothing', async () => {
      await expectStoreError(store.recordTick(tick('inc-does-not-exist', 'find-worker', { requestKey: 'req-x' })), 'not-found');
      expect(await store.tickEvents('inc-does-not-exist')).toEqual([]);
      // The key was not used up: a real incident can still record it.
      const { id } = await store.createIncident(makeNewIncident());
      expect(await store.recordTick(tick(id, 'find-worker', { requestKey: 'req-x' }))).toEqual({ applied: true, version: 1 });
    });

    it('derives the checklist from the latest event per step, by whoever made it', async () => {
      const { id } = await store.createIncident(makeNewIncident());
      expect(await store.checklistState(id)).toEqual({});
      await store.recordTick(tick(id, 'find-worker', { userId: 'U0ALICE', checked: true, at: T0 + 1000 }));
      await store.recordTick(tick(id, 'cache-queue-bounds', { userId: 'U0ALICE', checked: true, at: T0 + 2000 }));
      // Bob's replica clock runs behind: his untick carries an older `at`, but it came later.
      await store.recordTick(tick(id, 'find-worker', { userId: 'U0BOB', checked: false, at: T0 + 500 }));
      expect(await store.checklistState(id)).toEqual({
        'find-worker': { checked: false, userId: 'U0BOB', at: T0 + 500 },
        'cache-queue-bounds': { checked: true, userId: 'U0ALICE', at: T0 + 2000 },
      });
      expect((await store.tickEvents(id)).map((e) => [e.stepId, e.userId, e.checked])).toEqual([
        ['find-worker', 'U0ALICE', true],
        ['cache-queue-bounds', 'U0ALICE', true],
        ['find-worker', 'U0BOB', false],
      ]);
    });

    it('applies 20 concurrent ticks from 20 users exactly once each', async () => {
      const { id } = await store.createIncident(makeNewIncident());
      const events = Array.from({ length: 20 }, (_, i) =>
        // Four users per step, so several race on the same step; some untick.
        tick(id, CHECKLIST_STEP_IDS[i % CHECKLIST_STEP_IDS.length]!, {
          userId: `U0USER${String(i).padStart(2, '0')}`,
          checked: i % 3 !== 0,
          at: T0 + 1000 * (20 - i),
          requestKey: `req-concurrent-${i}`,
        }),
      );
      const results = await Promise.all(events.map((e) => store.recordTick(e)));

      expect(results.every((r) => r.applied)).toBe(true);
      // Each applied tick saw its own version: the bumps were serialised, none lost.
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect((await store.getIncident(id))?.version).toBe(20);

      const stored = await store.tickEvents(id);
      expect(stored).toHaveLength(20);
      expect([...stored].sort((a, b) => a.requestKey.localeCompare(b.requestKey))).toEqual(
        [...events].sort((a, b) => a.requestKey.localeCompare(b.requestKey)),
      );
      const state = await store.checklistState(id);
      expect(state).toEqual(stateFrom(stored));
      expect(Object.keys(state).sort()).toEqual([...CHECKLIST_STEP_IDS].sort());
    });

    it('claims a delivery once', async () => {
      expect(await store.claimDelivery('evt-1', T0)).toBe(true);
      expect(await store.claimDelivery('evt-1', T0 + 1000)).toBe(false);
      expect(await store.claimDelivery('evt-2', T0 + 1000)).toBe(true);
    });

    it('lets exactly one of 10 concurrent claims of a key win', async () => {
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimDelivery('evt-race', T0 + i)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claimDelivery('evt-race', T0 + 100)).toBe(false);
    });

    it('keeps everything across a restart', async ({ skip }) => {
      const reopen = harness.reopen;
      if (reopen === undefined) return skip('this store cannot be reopened');
      const input = makeNewIncident();
      await store.createIncident(input);
      await store.attachMessage(input.id, '1741097100.000200');
      await store.recordTick(tick(input.id, 'find-worker', { requestKey: 'req-a', userId: 'U0ALICE' }));
      await store.recordTick(tick(input.id, 'find-worker', { requestKey: 'req-b', userId: 'U0BOB', checked: false }));
      await store.recordTick(tick(input.id, 'worker-changes', { requestKey: 'req-c' }));
      await store.claimDelivery('evt-before-restart', T0);
      const before = { events: await store.tickEvents(input.id), state: await store.checklistState(input.id) };
      await store.close();

      const again = await reopen();
      await again.migrate();
      expect(await again.getIncident(input.id)).toStrictEqual({ ...input, messageTs: '1741097100.000200', version: 3 });
      expect((await again.findIncidentByMessage(input.channelId, '1741097100.000200'))?.id).toBe(input.id);
      expect(await again.tickEvents(input.id)).toEqual(before.events);
      expect(await again.checklistState(input.id)).toEqual(before.state);
      expect((await again.checklistState(input.id))['find-worker']).toEqual({ checked: false, userId: 'U0BOB', at: T0 + 60_000 });
      expect(await again.recordTick(tick(input.id, 'find-worker', { requestKey: 'req-a' }))).toEqual({ applied: false, version: 3 });
      expect(await again.claimDelivery('evt-before-restart', T0 + 1000)).toBe(false);
    });

    it('rejects every call after close with unavailable', async () => {
      const { id } = await store.createIncident(makeNewIncident());
      await store.close();
      await store.close(); // idempotent
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['migrate', () => store.migrate()],
        ['claimDelivery', () => store.claimDelivery('evt-after-close', T0)],
        ['createIncident', () => store.createIncident(makeNewIncident())],
        ['attachMessage', () => store.attachMessage(id, '1.000000')],
        ['replaceReport', () => store.replaceReport(id, makeStoredReport())],
        ['getIncident', () => store.getIncident(id)],
        ['findIncidentByMessage', () => store.findIncidentByMessage('C0INCIDENTS', '1.000000')],
        ['recordTick', () => store.recordTick(tick(id, 'find-worker'))],
        ['tickEvents', () => store.tickEvents(id)],
        ['checklistState', () => store.checklistState(id)],
        ['ping', () => store.ping()],
      ];
      for (const [method, call] of calls) {
        const error = await expectStoreError(call(), 'unavailable');
        expect(error.message, method).toMatch(/closed/);
      }
    });
  });
}
