/**
 * Every action id a builder emits reaches exactly one registered listener: the handlers register the
 * matchers the builders export, and this checks them against the messages the builders really produce.
 */

import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { registerActions, registerDigestActions, registerOtherActions, type ActionDeps } from '../../handlers/actions';
import { registerVerifyActions, type VerifyHandlerDeps } from '../../handlers/verify';
import { verificationMessage } from '../../src/slack/verify-blocks';
import { DemoSource } from '../../src/metrics/demo';
import { verifyFix } from '../../src/domain/verify';
import { registerIncidentActions, type IncidentHandlerDeps } from '../../handlers/incident';
import { growthStatus, rankEntries, type DigestEntry } from '../../src/domain/digest';
import { matchesAction, noneOf, type ActionMatcher } from '../../src/slack/action-matchers';
import { reportMessage, rerunMessage } from '../../src/slack/blocks';
import { digestMessage } from '../../src/slack/digest-blocks';
import { reportFor } from '../support/report-factory';

/** The action ids each listener registers, in registration order. */
function registeredMatchers(): ActionMatcher[] {
  const matchers: ActionMatcher[] = [];
  const app = {
    action(constraint: ActionMatcher | { readonly action_id: ActionMatcher }) {
      matchers.push(typeof constraint === 'string' || constraint instanceof RegExp ? constraint : constraint.action_id);
    },
  };
  // Registration only stores the listeners; none of them runs here, so the dependencies are never read.
  const deps = {} as unknown as ActionDeps;
  registerActions(app as unknown as App, deps);
  registerDigestActions(app as unknown as App, deps);
  registerVerifyActions(app as unknown as App, {} as unknown as VerifyHandlerDeps);
  registerIncidentActions(app as unknown as App, {} as unknown as IncidentHandlerDeps);
  registerOtherActions(app as unknown as App);
  return matchers;
}

function actionIdsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(actionIdsIn);
  if (typeof value !== 'object' || value === null) return [];
  const own = 'action_id' in value && typeof value.action_id === 'string' ? [value.action_id] : [];
  return [...own, ...Object.values(value).flatMap(actionIdsIn)];
}

const T = Date.UTC(2026, 2, 2, 12, 5);
const LINKS = { dashboard: 'https://grafana.example/d/abc?var-service=ow-a', runbook: 'https://wiki.example/runbooks/ow-a' };
const MIB = 1024 * 1024;
const grower = (service: string, i: number): DigestEntry => {
  const growthBytes = (100 + i) * MIB;
  const startBytes = 1000 * MIB;
  return { kind: 'measured', service, status: growthStatus(growthBytes, growthBytes / startBytes), pattern: 'all-workers-growing', startBytes, currentBytes: startBytes + growthBytes, growthBytes, growthFraction: growthBytes / startBytes, limitBytes: null, usedFraction: null, hoursToLimit: null, change: null };
};

/** The ids of a fix verification posted in a thread (issue 13), from the demo's fixed leak. */
async function verificationIds(): Promise<string[]> {
  const series = await new DemoSource().fetchService({ service: 'profile-api', window: { endMs: T, durationMs: 6 * 3_600_000 } });
  const outcome = verifyFix({ series, since: { kind: 'latest-deploy', fallbackMs: null } });
  if (outcome.status !== 'verified') throw new Error(outcome.message);
  const message = verificationMessage({ incidentId: 'inc-1', verification: outcome.verification, chartFileId: null, chartProblem: null, requestedBy: 'U0A', at: T, timeZone: 'UTC', sourceDescription: 'demo' });
  return actionIdsIn(message.blocks);
}

function emittedIds(): string[] {
  const report = reportFor('one-8w-6h', { links: LINKS });
  const view = { incidentId: 'inc-1', service: 'ow-a', windowMs: 6 * 3_600_000, createdBy: 'U0CREATOR', createdAt: T, report, state: {}, digestsAvailable: true };
  const entries = rankEntries([grower('checkout-api', 3), grower('search-api', 2)]);
  const digest = digestMessage({ entries, windowMs: 86_400_000, endMs: T, timeZone: 'UTC', chartFileId: null, chartProblem: null, links: new Map([['checkout-api', LINKS]]) });
  return [...new Set([...actionIdsIn(reportMessage(view).blocks), ...actionIdsIn(rerunMessage('ow-a', view.windowMs, report, 'U0CREATOR', T).blocks), ...actionIdsIn(digest.blocks)])];
}

describe('action ids', () => {
  const matchers = registeredMatchers();
  const takers = (id: string): ActionMatcher[] => matchers.filter((m) => matchesAction(m, id));

  it('the builders emit every kind of interactive element', () => {
    const ids = emittedIds();
    for (const expected of ['checklist:find-worker', 'report_rerun', 'report_window', 'report_verify', 'report_subscribe', 'report_resolve', 'report_timeline', 'link:dashboard', 'digest_analyze:checkout-api', 'digest_analyze_select', 'link:runbook:checkout-api']) {
      expect(ids).toContain(expected);
    }
  });

  it('the verification buttons are each taken by exactly one listener, and not by the catch-all', async () => {
    const ids = await verificationIds();
    expect(ids).toEqual(['report_verify_recheck']);
    for (const id of [...ids, 'report_verify']) {
      expect({ id, takers: takers(id).map(String) }).toEqual({ id, takers: [id] });
      expect(matchesAction(matchers.at(-1)!, id)).toBe(false);
    }
  });

  it('each id a builder emits is taken by exactly one listener, and not by the catch-all', () => {
    const catchAll = matchers.at(-1)!;
    for (const id of emittedIds()) {
      expect({ id, takers: takers(id).map(String) }).toEqual({ id, takers: [expect.any(String)] });
      expect(matchesAction(catchAll, id)).toBe(false);
    }
  });

  it('an id pymem does not emit is acknowledged by the catch-all alone', () => {
    for (const id of ['report_unknown', 'digest_analyzer', 'something-else', '']) {
      expect(takers(id)).toEqual([matchers.at(-1)]);
    }
    // A step pymem does not know still goes to the checklist listener, which says it could not read the click.
    expect(takers('checklist:rm -rf').map(String)).toEqual(['/^checklist/']);
  });

  it('noneOf refuses a matcher that is not anchored', () => {
    expect(() => noneOf([/checklist/])).toThrow(/anchored/);
  });
});
