/**
 * The Store contract: one suite that every implementation runs (SQLite and PostgreSQL),
 * in the manner of @slack/oauth's installation-store spec utils.
 */

import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildChecklist, CHECKLIST_STEP_IDS, type ChecklistStepId } from '../../src/domain/checklist';
import type { ChecklistState, StepState } from '../../src/domain/checklist-state';
import { MIB } from '../../src/domain/series';
import type { StoredReport } from '../../src/domain/report';
import {
  StoreError,
  type DigestRun,
  type IncidentEvent,
  type NewIncident,
  type Store,
  type StoredSubscription,
  type Subscription,
  type TickEvent,
} from '../../src/store/store';
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
    links: { dashboard: 'https://grafana.example/d/abc/memory?var-service=checkout-api&from=1772431200000&to=1772452800000', runbook: null },
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

/**
 * `count` ticks on one incident as two responders would send them in a race, over every step,
 * ticking and unticking, with clocks that disagree: `at` must not decide the order.
 */
export function racingTicks(incidentId: string, count: number): TickEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    incidentId,
    stepId: CHECKLIST_STEP_IDS[(i * 7) % CHECKLIST_STEP_IDS.length]!,
    userId: i % 2 === 0 ? 'U0ALICE' : 'U0BOB',
    checked: i % 4 < 2,
    at: 1_000_000 + (i % 2 === 0 ? i : -i) * 1000,
    requestKey: `req-${i}`,
  }));
}

function rerun(incidentId: string, overrides: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    incidentId,
    kind: 'rerun',
    userId: 'U0BOB',
    at: T0 + 120_000,
    requestKey: `rerun-${randomUUID()}`,
    detail: { windowMs: 3_600_000, pattern: 'one-worker-growing', confidence: 0.91, verdict: 'Still one worker — “pid 4312” — growing.', messageTs: '1741097200.000300' },
    ...overrides,
  };
}

function tick(incidentId: string, stepId: ChecklistStepId, overrides: Partial<TickEvent> = {}): TickEvent {
  return { incidentId, stepId, userId: 'U0ALICE', checked: true, at: T0 + 60_000, requestKey: `req-${randomUUID()}`, ...overrides };
}

/** The state the latest event per step leaves, with `events` in the store's order (oldest first). */
export function stateFrom(events: readonly TickEvent[]): ChecklistState {
  const state: Partial<Record<ChecklistStepId, StepState>> = {};
  for (const e of events) state[e.stepId] = { checked: e.checked, userId: e.userId, at: e.at };
  return state;
}

/** The scheduled 08:00 UTC digest of a day in March 2026, as the scheduler names it. */
function period(day: number, hour = 8): string {
  return new Date(Date.UTC(2026, 2, day, hour)).toISOString();
}

const DIGEST_CHANNEL = 'C0DIGEST';
/** A replica's claim holds this long without a heartbeat, in ms. */
const LEASE_MS = 5 * 60_000;
/** When the replicas wake for the first period's digest. */
const NOW = Date.parse(period(2)) + 1500;

function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return { channelId: DIGEST_CHANNEL, service: 'checkout-api', createdBy: 'U0ALICE', createdAt: T0, ...overrides };
}

/** A subscription as the store reads it back: not paused unless said so. */
function stored(sub: Subscription, paused: { pausedAt: number; pausedReason: string } | null = null): StoredSubscription {
  return { teamId: '', enterpriseId: '', ...sub, pausedAt: paused?.pausedAt ?? null, pausedReason: paused?.pausedReason ?? null };
}

/** What a run looks like right after `owner` claimed it at `at`. */
function claimedRun(periodKey: string, owner: string, at: number, leaseUntil = at + LEASE_MS): DigestRun {
  return { channelId: DIGEST_CHANNEL, periodKey, status: 'claimed', owner, claimedAt: at, leaseUntil, messageTs: null, summary: null, finishedAt: null };
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
      expect(created).toStrictEqual({ ...input, messageTs: null, version: 0, renderedVersion: 0, resolution: null, teamId: '', enterpriseId: '' });
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
      expect(await store.getIncident(input.id)).toStrictEqual({ ...input, report: withoutChart, messageTs: '1741097100.000100', version: 1, renderedVersion: 0, resolution: null, teamId: '', enterpriseId: '' });
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

    it('subscribes a channel to a service once, keeping the first subscription', async () => {
      const first = subscription();
      expect(await store.subscribe(first)).toBe('added');
      expect(await store.subscribe({ ...first, createdBy: 'U0BOB', createdAt: T0 + 1000 })).toBe('exists');
      expect(await store.subscriptions(DIGEST_CHANNEL)).toStrictEqual([stored(first)]);
      expect(await store.subscriptions('C0OTHER')).toStrictEqual([]);

      expect(await store.unsubscribe(DIGEST_CHANNEL, 'checkout-api')).toBe('removed');
      expect(await store.unsubscribe(DIGEST_CHANNEL, 'checkout-api')).toBe('absent');
      expect(await store.unsubscribe('C0OTHER', 'billing-worker')).toBe('absent');
      expect(await store.subscriptions(DIGEST_CHANNEL)).toStrictEqual([]);
      expect(await store.allSubscriptions()).toStrictEqual([]);

      const again = subscription({ createdBy: 'U0BOB', createdAt: T0 + 2000 });
      expect(await store.subscribe(again)).toBe('added');
      expect(await store.allSubscriptions()).toStrictEqual([stored(again)]);
    });

    it('lists subscriptions by service, and all of them by channel then service, in code point order', async () => {
      // Code point order on every database, whatever its locale: upper case first, punctuation counts.
      // (A locale collation would put 'Billing' last and 'api_v2' after 'apiserver'.)
      const byChannel = {
        C0B: ['api', 'Billing'],
        C0A: ['apiserver', 'api_v2', 'api-gateway', 'api', 'Billing'],
        'C0A-OPS': ['checkout-api'],
      };
      let at = T0;
      for (const [channelId, services] of Object.entries(byChannel)) {
        for (const service of services) await store.subscribe(subscription({ channelId, service, createdAt: at++ }));
      }
      expect((await store.subscriptions('C0A')).map((s) => s.service)).toEqual(['Billing', 'api', 'api-gateway', 'api_v2', 'apiserver']);
      expect((await store.subscriptions('C0B')).map((s) => s.service)).toEqual(['Billing', 'api']);
      expect((await store.allSubscriptions()).map((s) => `${s.channelId} ${s.service}`)).toEqual([
        'C0A Billing',
        'C0A api',
        'C0A api-gateway',
        'C0A api_v2',
        'C0A apiserver',
        'C0A-OPS checkout-api',
        'C0B Billing',
        'C0B api',
      ]);
      expect((await store.subscriptions('C0A-OPS'))[0]).toStrictEqual(stored(subscription({ channelId: 'C0A-OPS', service: 'checkout-api', createdAt: T0 + 7 })));
    });

    it('tracks which version Slack shows, never backwards, and finds the messages whose update did not arrive', async () => {
      const a = makeNewIncident({ createdAt: T0 });
      const b = makeNewIncident({ createdAt: T0 + 1000 });
      const unposted = makeNewIncident({ createdAt: T0 + 2000 });
      for (const input of [a, b, unposted]) await store.createIncident(input);
      await store.attachMessage(a.id, '1741097100.000100');
      await store.attachMessage(b.id, '1741097100.000200');
      // Posted and untouched: the message shows the stored state.
      expect(await store.staleIncidents(10)).toEqual([]);

      await store.recordTick(tick(a.id, 'find-worker', { requestKey: 'a-1' }));
      await store.recordTick(tick(a.id, 'compare-drivers', { requestKey: 'a-2' }));
      await store.recordTick(tick(b.id, 'find-worker', { requestKey: 'b-1' }));
      // An incident never posted has no message to fix.
      await store.recordTick(tick(unposted.id, 'find-worker', { requestKey: 'u-1' }));
      expect((await store.staleIncidents(10)).map((i) => i.id)).toEqual([b.id, a.id]);
      expect((await store.staleIncidents(1)).map((i) => i.id)).toEqual([b.id]);

      await store.markRendered(a.id, 2);
      await store.markRendered(a.id, 1); // a slower update finishing late does not move it back
      expect(await store.getIncident(a.id)).toMatchObject({ version: 2, renderedVersion: 2 });
      expect((await store.staleIncidents(10)).map((i) => i.id)).toEqual([b.id]);
      await store.markRendered(b.id, 1);
      expect(await store.staleIncidents(10)).toEqual([]);
      await store.markRendered('inc-does-not-exist', 3); // nothing to mark: not an error
    });

    it('pauses and resumes all of a channel\'s digests, keeping the first pause', async () => {
      await store.subscribe(subscription({ service: 'checkout-api' }));
      await store.subscribe(subscription({ service: 'billing-worker' }));
      await store.subscribe(subscription({ channelId: 'C0OTHER', service: 'checkout-api' }));
      expect(await store.pauseChannel(DIGEST_CHANNEL, 'the channel is archived', NOW)).toBe(2);
      expect(await store.pauseChannel(DIGEST_CHANNEL, 'a later failure', NOW + 1000)).toBe(0);
      const paused = { pausedAt: NOW, pausedReason: 'the channel is archived' };
      expect(await store.subscriptions(DIGEST_CHANNEL)).toStrictEqual([
        stored(subscription({ service: 'billing-worker' }), paused),
        stored(subscription({ service: 'checkout-api' }), paused),
      ]);
      expect((await store.allSubscriptions()).map((s) => [s.channelId, s.service, s.pausedAt])).toEqual([
        ['C0DIGEST', 'billing-worker', NOW],
        ['C0DIGEST', 'checkout-api', NOW],
        ['C0OTHER', 'checkout-api', null],
      ]);
      expect(await store.resumeChannel(DIGEST_CHANNEL)).toBe(2);
      expect(await store.resumeChannel(DIGEST_CHANNEL)).toBe(0);
      expect(await store.subscriptions(DIGEST_CHANNEL)).toStrictEqual([stored(subscription({ service: 'billing-worker' })), stored(subscription({ service: 'checkout-api' }))]);
    });

    it('gives a digest to its first claimant and tells later ones who holds it', async () => {
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW, LEASE_MS)).toStrictEqual({ claimed: true, takenOver: false });
      const held = claimedRun(period(2), 'replica-a', NOW);
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-b', NOW + 1000, LEASE_MS)).toStrictEqual({ claimed: false, run: held });
      // The holder's own scheduler firing twice does not make it post twice either.
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW + 2000, LEASE_MS)).toStrictEqual({ claimed: false, run: held });

      // Other periods and other channels are separate digests.
      expect(await store.claimDigest(DIGEST_CHANNEL, period(3), 'replica-b', NOW, LEASE_MS)).toStrictEqual({ claimed: true, takenOver: false });
      expect(await store.claimDigest('C0OTHER', period(2), 'replica-b', NOW, LEASE_MS)).toStrictEqual({ claimed: true, takenOver: false });
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([held, claimedRun(period(3), 'replica-b', NOW)]);
      expect(await store.digestRuns('C0NONE')).toStrictEqual([]);
    });

    it('lets exactly one of 10 concurrent digest claims win', async () => {
      const owners = Array.from({ length: 10 }, (_, i) => `replica-${i}`);
      const results = await Promise.all(owners.map((owner, i) => store.claimDigest(DIGEST_CHANNEL, period(2), owner, NOW + i, LEASE_MS)));
      const winners = owners.filter((_, i) => results[i]!.claimed);
      expect(winners).toHaveLength(1);
      const [winner] = winners;
      const winnerAt = NOW + owners.indexOf(winner!);
      for (const result of results) {
        if (result.claimed) expect(result.takenOver).toBe(false);
        else expect(result.run).toStrictEqual(claimedRun(period(2), winner!, winnerAt));
      }
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([claimedRun(period(2), winner!, winnerAt)]);
    });

    it('takes over a claim whose lease ran out; the old holder can then neither renew nor finish it', async () => {
      await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW, LEASE_MS);
      // The lease holds up to and including its last millisecond.
      expect((await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-b', NOW + LEASE_MS, LEASE_MS)).claimed).toBe(false);

      const later = NOW + LEASE_MS + 1;
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-b', later, LEASE_MS)).toStrictEqual({ claimed: true, takenOver: true });
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([claimedRun(period(2), 'replica-b', later)]);
      // Replica A wakes up from its pause: too late.
      expect(await store.renewDigestClaim(DIGEST_CHANNEL, period(2), 'replica-a', later + LEASE_MS)).toBe(false);
      expect(await store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-a', { status: 'posted', messageTs: '1772438400.000100', summary: { by: 'a' }, at: later })).toBe(
        false,
      );
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([claimedRun(period(2), 'replica-b', later)]);

      // The new holder's own claim is not up for grabs while its lease runs.
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-c', later + 1000, LEASE_MS)).toStrictEqual({
        claimed: false,
        run: claimedRun(period(2), 'replica-b', later),
      });
      expect(await store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-b', { status: 'posted', messageTs: '1772438400.000200', summary: { by: 'b' }, at: later + 2000 })).toBe(
        true,
      );
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([
        { ...claimedRun(period(2), 'replica-b', later), status: 'posted', messageTs: '1772438400.000200', summary: { by: 'b' }, finishedAt: later + 2000 },
      ]);
    });

    it('lets another replica retry a failed run at once, starting clean', async () => {
      await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW, LEASE_MS);
      expect(
        await store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-a', { status: 'failed', messageTs: null, summary: { error: 'Prometheus timed out' }, at: NOW + 1000 }),
      ).toBe(true);
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([
        { ...claimedRun(period(2), 'replica-a', NOW), status: 'failed', summary: { error: 'Prometheus timed out' }, finishedAt: NOW + 1000 },
      ]);
      // Well within the failed attempt's lease: failing released it.
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-b', NOW + 2000, LEASE_MS)).toStrictEqual({ claimed: true, takenOver: true });
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([claimedRun(period(2), 'replica-b', NOW + 2000)]);
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW + 3000, LEASE_MS)).toStrictEqual({
        claimed: false,
        run: claimedRun(period(2), 'replica-b', NOW + 2000),
      });
      // The failed attempt cannot overwrite the retry.
      expect(await store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-a', { status: 'failed', messageTs: null, summary: null, at: NOW + 4000 })).toBe(false);
      expect(await store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-b', { status: 'posted', messageTs: '1772438400.000300', summary: [], at: NOW + 5000 })).toBe(true);
      expect((await store.digestRuns(DIGEST_CHANNEL))[0]).toMatchObject({ status: 'posted', owner: 'replica-b', messageTs: '1772438400.000300', summary: [] });
    });

    it('never takes over a posted run, however long ago its lease ran out', async () => {
      await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW, LEASE_MS);
      const outcome = { status: 'posted', messageTs: '1772438400.000100', summary: { services: 2 }, at: NOW + 1000 } as const;
      expect(await store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-a', outcome)).toBe(true);
      const posted: DigestRun = { ...claimedRun(period(2), 'replica-a', NOW), status: 'posted', messageTs: outcome.messageTs, summary: outcome.summary, finishedAt: outcome.at };

      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-b', NOW + 100 * LEASE_MS, LEASE_MS)).toStrictEqual({ claimed: false, run: posted });
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW + 100 * LEASE_MS, LEASE_MS)).toStrictEqual({ claimed: false, run: posted });
      // Finished is finished, for its owner too.
      expect(await store.renewDigestClaim(DIGEST_CHANNEL, period(2), 'replica-a', NOW + 200 * LEASE_MS)).toBe(false);
      expect(await store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-a', { ...outcome, status: 'failed', at: NOW + 2000 })).toBe(false);
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([posted]);
    });

    it('extends a lease on renewal, for its holder only', async () => {
      await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW, LEASE_MS);
      expect(await store.renewDigestClaim(DIGEST_CHANNEL, period(2), 'replica-a', NOW + 3 * LEASE_MS)).toBe(true);
      expect(await store.renewDigestClaim(DIGEST_CHANNEL, period(2), 'replica-b', NOW + 9 * LEASE_MS)).toBe(false);
      expect(await store.renewDigestClaim(DIGEST_CHANNEL, period(3), 'replica-a', NOW + 9 * LEASE_MS)).toBe(false);
      const renewed = claimedRun(period(2), 'replica-a', NOW, NOW + 3 * LEASE_MS);
      expect(await store.digestRuns(DIGEST_CHANNEL)).toStrictEqual([renewed]);

      // Past the original lease, still within the renewed one.
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-b', NOW + 2 * LEASE_MS, LEASE_MS)).toStrictEqual({ claimed: false, run: renewed });
      expect(await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-b', NOW + 3 * LEASE_MS + 1, LEASE_MS)).toStrictEqual({ claimed: true, takenOver: true });
    });

    it('finds the newest posted digest before a period, ignoring failed and unfinished runs', async () => {
      const post = async (channelId: string, periodKey: string, status: 'posted' | 'failed' | 'claimed', summary: unknown): Promise<void> => {
        expect(await store.claimDigest(channelId, periodKey, 'replica-a', NOW, LEASE_MS)).toStrictEqual({ claimed: true, takenOver: false });
        if (status === 'claimed') return;
        const messageTs = status === 'posted' ? `1772438400.${periodKey.slice(8, 10)}${periodKey.slice(11, 13)}00` : null;
        expect(await store.finishDigest(channelId, periodKey, 'replica-a', { status, messageTs, summary, at: NOW + 1000 })).toBe(true);
      };
      // Inserted out of order: the order must come from the period keys.
      await post(DIGEST_CHANNEL, period(6), 'posted', { day: 6 });
      await post(DIGEST_CHANNEL, period(2), 'posted', { day: 2 });
      await post(DIGEST_CHANNEL, period(4), 'failed', { day: 4 });
      await post(DIGEST_CHANNEL, period(3), 'posted', { day: 3 });
      await post(DIGEST_CHANNEL, period(3, 20), 'claimed', null);
      await post(DIGEST_CHANNEL, period(5), 'claimed', null);
      await post('C0OTHER', period(4, 20), 'posted', { other: true });

      const postedOn3: DigestRun = {
        ...claimedRun(period(3), 'replica-a', NOW),
        status: 'posted',
        messageTs: '1772438400.030800',
        summary: { day: 3 },
        finishedAt: NOW + 1000,
      };
      expect(await store.previousDigest(DIGEST_CHANNEL, period(5))).toStrictEqual(postedOn3);
      expect(await store.previousDigest(DIGEST_CHANNEL, period(4))).toStrictEqual(postedOn3);
      // Strictly before: a period is not its own predecessor.
      expect((await store.previousDigest(DIGEST_CHANNEL, period(3)))?.periodKey).toBe(period(2));
      expect((await store.previousDigest(DIGEST_CHANNEL, period(7)))?.periodKey).toBe(period(6));
      expect(await store.previousDigest(DIGEST_CHANNEL, period(2))).toBeNull();
      expect((await store.previousDigest('C0OTHER', period(5)))?.summary).toStrictEqual({ other: true });
      expect(await store.previousDigest('C0NONE', period(5))).toBeNull();

      expect((await store.digestRuns(DIGEST_CHANNEL)).map((r) => [r.periodKey, r.status])).toEqual([
        [period(2), 'posted'],
        [period(3), 'posted'],
        [period(3, 20), 'claimed'],
        [period(4), 'failed'],
        [period(5), 'claimed'],
        [period(6), 'posted'],
      ]);
    });

    it('round-trips a digest summary exactly, key order included', async () => {
      const summary = {
        zeta: 1,
        alpha: 2,
        services: [
          {
            service: 'checkout-api',
            pattern: 'one-worker-growing',
            growthMiBPerHour: 68.66666666666667,
            note: 'Speicher wächst → 🐍💥 内存泄漏 "quoted" \\ back\\slash\ttab\nnewline \u2028',
          },
          { service: 'zahlungs-dienst-ü', pattern: null, tiny: 1e-7, big: 5e21, negative: -0.9999999999999999, max: 2 ** 53 - 1 },
        ],
        nested: { b: [true, false, null, [], {}], a: {} },
      };
      for (const [day, value] of [[2, summary], [3, 'just text'], [4, 42], [5, null]] as const) {
        await store.claimDigest(DIGEST_CHANNEL, period(day), 'replica-a', NOW, LEASE_MS);
        await store.finishDigest(DIGEST_CHANNEL, period(day), 'replica-a', { status: 'posted', messageTs: `1772438400.00000${day}`, summary: value, at: NOW });
      }
      const runs = await store.digestRuns(DIGEST_CHANNEL);
      expect(runs.map((r) => r.summary)).toStrictEqual([summary, 'just text', 42, null]);
      expect(JSON.stringify(runs[0]!.summary)).toBe(JSON.stringify(summary));
      const previous = await store.previousDigest(DIGEST_CHANNEL, period(3));
      expect(JSON.stringify(previous?.summary)).toBe(JSON.stringify(summary));
    });

    it('resolves an incident once: the first who and when stand, the version moves once, ticks still apply', async () => {
      const incident = await store.createIncident(makeNewIncident());
      await store.attachMessage(incident.id, '1741097100.000100');
      const first = await store.resolveIncident(incident.id, 'U0ALICE', T0 + 5_000);
      expect(first).toStrictEqual({ applied: true, resolution: { userId: 'U0ALICE', at: T0 + 5_000 }, version: 1 });
      const second = await store.resolveIncident(incident.id, 'U0BOB', T0 + 9_000);
      expect(second).toStrictEqual({ applied: false, resolution: { userId: 'U0ALICE', at: T0 + 5_000 }, version: 1 });
      expect((await store.getIncident(incident.id))?.resolution).toStrictEqual({ userId: 'U0ALICE', at: T0 + 5_000 });
      expect(await store.recordTick(tick(incident.id, 'find-worker'))).toEqual({ applied: true, version: 2 });
      await expectStoreError(store.resolveIncident('inc-missing', 'U0ALICE', T0), 'not-found');
    });

    it('lets exactly one of 10 concurrent resolves win', async () => {
      const incident = await store.createIncident(makeNewIncident());
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.resolveIncident(incident.id, `U0USER${i}`, T0 + i)));
      const winners = results.filter((r) => r.applied);
      expect(winners).toHaveLength(1);
      for (const r of results) expect(r.resolution).toStrictEqual(winners[0]!.resolution);
      expect((await store.getIncident(incident.id))?.version).toBe(1);
    });

    it('records incident events once per request key, oldest first, and refuses an unknown incident', async () => {
      const a = await store.createIncident(makeNewIncident());
      const b = await store.createIncident(makeNewIncident());
      const e1 = rerun(a.id, { userId: 'U0BOB', at: T0 + 300_000 });
      // Clocks disagree between replicas: the order is the order the database applied them, not `at`.
      const e2 = rerun(a.id, { userId: 'U0CAROL', at: T0 + 200_000, detail: { ...e1.detail, windowMs: 86_400_000, messageTs: '1741097300.000400' } });
      expect(await store.recordIncidentEvent(e1)).toBe(true);
      expect(await store.recordIncidentEvent(e1)).toBe(false);
      expect(await store.recordIncidentEvent(e2)).toBe(true);
      expect(await store.recordIncidentEvent(rerun(b.id))).toBe(true);
      expect(await store.incidentEvents(a.id)).toStrictEqual([e1, e2]);
      expect(await store.incidentEvents('inc-missing')).toStrictEqual([]);
      await expectStoreError(store.recordIncidentEvent(rerun('inc-missing')), 'not-found');
      // Events do not change the message: the version stays.
      expect((await store.getIncident(a.id))?.version).toBe(0);
    });

    it('lists the posted, open incidents of some channels, newest first, with the total', async () => {
      const make = async (channelId: string, createdAt: number, posted = true) => {
        const incident = await store.createIncident(makeNewIncident({ channelId, createdAt }));
        if (posted) await store.attachMessage(incident.id, `1741097100.${String(createdAt).slice(-6)}`);
        return incident;
      };
      const old = await make('C0ONE', T0 + 1);
      const newer = await make('C0TWO', T0 + 2);
      const newest = await make('C0ONE', T0 + 3);
      await make('C0ONE', T0 + 4, false); // never posted
      await make('C0THREE', T0 + 5); // another channel
      const resolved = await make('C0ONE', T0 + 6);
      await store.resolveIncident(resolved.id, 'U0ALICE', T0 + 7);

      const all = await store.openIncidents(['C0ONE', 'C0TWO'], 10);
      expect(all.total).toBe(3);
      expect(all.incidents.map((i) => i.id)).toEqual([newest.id, newer.id, old.id]);
      const first = await store.openIncidents(['C0ONE', 'C0TWO'], 2);
      expect(first).toMatchObject({ total: 3 });
      expect(first.incidents.map((i) => i.id)).toEqual([newest.id, newer.id]);
      expect(await store.openIncidents([], 10)).toStrictEqual({ incidents: [], total: 0 });
      expect(await store.openIncidents(['C0NONE'], 10)).toStrictEqual({ incidents: [], total: 0 });
      expect(await store.channelsWithOpenIncidents()).toEqual(['C0ONE', 'C0THREE', 'C0TWO']);
    });

    it('finds the latest posted incident of a service in a channel, resolved or not', async () => {
      expect(await store.latestIncident('C0ONE', 'checkout-api')).toBeNull();
      const older = await store.createIncident(makeNewIncident({ channelId: 'C0ONE', createdAt: T0 + 1 }));
      await store.attachMessage(older.id, '1741097100.000001');
      const later = await store.createIncident(makeNewIncident({ channelId: 'C0ONE', createdAt: T0 + 2 }));
      await store.attachMessage(later.id, '1741097100.000002');
      await store.createIncident(makeNewIncident({ channelId: 'C0ONE', createdAt: T0 + 3 })); // not posted
      await store.createIncident(makeNewIncident({ channelId: 'C0ONE', service: 'search-api', createdAt: T0 + 4 }));
      await store.resolveIncident(later.id, 'U0ALICE', T0 + 5);
      const found = await store.latestIncident('C0ONE', 'checkout-api');
      expect(found?.id).toBe(later.id);
      expect(found?.resolution).toStrictEqual({ userId: 'U0ALICE', at: T0 + 5 });
      expect(await store.latestIncident('C0TWO', 'checkout-api')).toBeNull();
    });

    it('lists the incidents of a channel resolved in a period, oldest resolution first', async () => {
      let n = 0;
      const make = async (channelId: string, service: string) => {
        const incident = await store.createIncident(makeNewIncident({ channelId, service }));
        await store.attachMessage(incident.id, `1741097100.${String(++n).padStart(6, '0')}`);
        return incident;
      };
      const before = await make('C0ONE', 'early-api');
      const a = await make('C0ONE', 'checkout-api');
      const b = await make('C0ONE', 'search-api');
      const atEnd = await make('C0ONE', 'late-api');
      const elsewhere = await make('C0TWO', 'checkout-api');
      await make('C0ONE', 'open-api');
      await store.resolveIncident(before.id, 'U0ALICE', T0 - 1);
      await store.resolveIncident(b.id, 'U0BOB', T0 + 20);
      await store.resolveIncident(a.id, 'U0ALICE', T0);
      await store.resolveIncident(atEnd.id, 'U0ALICE', T0 + 100);
      await store.resolveIncident(elsewhere.id, 'U0ALICE', T0 + 10);
      const found = await store.resolvedBetween('C0ONE', T0, T0 + 100);
      expect(found).toStrictEqual([
        { incidentId: a.id, channelId: 'C0ONE', service: 'checkout-api', messageTs: (await store.getIncident(a.id))!.messageTs, resolution: { userId: 'U0ALICE', at: T0 } },
        { incidentId: b.id, channelId: 'C0ONE', service: 'search-api', messageTs: (await store.getIncident(b.id))!.messageTs, resolution: { userId: 'U0BOB', at: T0 + 20 } },
      ]);
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
      await store.markRendered(input.id, 2);
      await store.recordIncidentEvent(rerun(input.id, { requestKey: 'rerun-before-restart' }));
      await store.resolveIncident(input.id, 'U0CAROL', T0 + 90_000);
      const eventsBefore = await store.incidentEvents(input.id);
      await store.claimDelivery('evt-before-restart', T0);
      await store.subscribe(subscription());
      await store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW, LEASE_MS);
      await store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-a', { status: 'posted', messageTs: '1772438400.000100', summary: { b: 1, a: [2] }, at: NOW + 1000 });
      await store.claimDigest(DIGEST_CHANNEL, period(3), 'replica-a', NOW, LEASE_MS);
      const runs = await store.digestRuns(DIGEST_CHANNEL);
      const before = { events: await store.tickEvents(input.id), state: await store.checklistState(input.id) };
      await store.close();

      const again = await reopen();
      await again.migrate();
      expect(await again.getIncident(input.id)).toStrictEqual({ ...input, messageTs: '1741097100.000200', version: 4, renderedVersion: 2, resolution: { userId: 'U0CAROL', at: T0 + 90_000 }, teamId: '', enterpriseId: '' });
      expect(await again.incidentEvents(input.id)).toStrictEqual(eventsBefore);
      expect((await again.findIncidentByMessage(input.channelId, '1741097100.000200'))?.id).toBe(input.id);
      expect(await again.tickEvents(input.id)).toEqual(before.events);
      expect(await again.checklistState(input.id)).toEqual(before.state);
      expect((await again.checklistState(input.id))['find-worker']).toEqual({ checked: false, userId: 'U0BOB', at: T0 + 60_000 });
      expect(await again.recordTick(tick(input.id, 'find-worker', { requestKey: 'req-a' }))).toEqual({ applied: false, version: 4 });
      expect(await again.claimDelivery('evt-before-restart', T0 + 1000)).toBe(false);
      expect(await again.allSubscriptions()).toStrictEqual([stored(subscription())]);
      // The message showed version 2 of 3 when the process stopped: the new one finds it to draw again.
      expect((await again.staleIncidents(10)).map((i) => i.id)).toEqual([input.id]);
      expect(await again.digestRuns(DIGEST_CHANNEL)).toStrictEqual(runs);
      // The claim survives the restart: another replica still cannot take it while the lease runs.
      expect(await again.claimDigest(DIGEST_CHANNEL, period(3), 'replica-b', NOW + 1000, LEASE_MS)).toStrictEqual({ claimed: false, run: runs[1] });
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
        ['markRendered', () => store.markRendered(id, 1)],
        ['staleIncidents', () => store.staleIncidents(10)],
        ['pauseChannel', () => store.pauseChannel(DIGEST_CHANNEL, 'is_archived', NOW)],
        ['resumeChannel', () => store.resumeChannel(DIGEST_CHANNEL)],
        ['getIncident', () => store.getIncident(id)],
        ['findIncidentByMessage', () => store.findIncidentByMessage('C0INCIDENTS', '1.000000')],
        ['recordTick', () => store.recordTick(tick(id, 'find-worker'))],
        ['tickEvents', () => store.tickEvents(id)],
        ['checklistState', () => store.checklistState(id)],
        ['subscribe', () => store.subscribe(subscription())],
        ['unsubscribe', () => store.unsubscribe(DIGEST_CHANNEL, 'checkout-api')],
        ['subscriptions', () => store.subscriptions(DIGEST_CHANNEL)],
        ['allSubscriptions', () => store.allSubscriptions()],
        ['claimDigest', () => store.claimDigest(DIGEST_CHANNEL, period(2), 'replica-a', NOW, LEASE_MS)],
        ['renewDigestClaim', () => store.renewDigestClaim(DIGEST_CHANNEL, period(2), 'replica-a', NOW + LEASE_MS)],
        ['finishDigest', () => store.finishDigest(DIGEST_CHANNEL, period(2), 'replica-a', { status: 'posted', messageTs: null, summary: null, at: NOW })],
        ['previousDigest', () => store.previousDigest(DIGEST_CHANNEL, period(2))],
        ['digestRuns', () => store.digestRuns(DIGEST_CHANNEL)],
        ['ping', () => store.ping()],
        ['resolveIncident', () => store.resolveIncident(id, 'U0ALICE', NOW)],
        ['recordIncidentEvent', () => store.recordIncidentEvent(rerun(id))],
        ['incidentEvents', () => store.incidentEvents(id)],
        ['openIncidents', () => store.openIncidents(['C0INCIDENTS'], 10)],
        ['channelsWithOpenIncidents', () => store.channelsWithOpenIncidents()],
        ['latestIncident', () => store.latestIncident('C0INCIDENTS', 'checkout-api')],
        ['resolvedBetween', () => store.resolvedBetween('C0INCIDENTS', 0, NOW)],
      ];
      for (const [method, call] of calls) {
        const error = await expectStoreError(call(), 'unavailable');
        expect(error.message, method).toMatch(/closed/);
      }
    });
  });
}
