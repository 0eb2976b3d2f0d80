/** Composition of fix verification for the bot (issue 13): the service and the re-check runner, from the configuration. */

import type { Logger } from 'pino';
import { z } from 'zod';
import type { AnalysisEngine } from '../analysis/engine';
import type { VerifyEngine } from '../analysis/engine';
import type { BotConfig } from '../config/bot';
import type { MetricsErrorCode } from '../metrics/errors';
import type { SlackGateway } from '../slack/gateway';
import type { Store, WorkspaceRef } from '../store/store';
import type { AccessGate } from './access-gate';
import type { ChannelCheck } from './channel-check';
import { RecheckRunner } from './recheck-runner';
import type { VerificationSource } from './timeline';
import { VerifyService } from './verify';

export interface VerificationWiring {
  readonly engine: AnalysisEngine;
  readonly store: Store;
  readonly slack: SlackGateway;
  readonly channels: ChannelCheck;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly sourceDescription: string;
  readonly postedFailure: (failure: { readonly code: MetricsErrorCode; readonly message: string }) => string;
  readonly refreshReport: (incidentId: string) => Promise<void>;
  /** The bot's one access gate. */
  readonly access: AccessGate;
  /** Runs a re-check as its incident's workspace's installation (OAuth mode, issue 14); at once when absent. */
  readonly inWorkspace?: <T>(workspace: WorkspaceRef, work: () => Promise<T>) => Promise<T>;
}

/** Due re-checks are looked for this often at most; more often with a short digest lease (tests). */
const MAX_SWEEP_MS = 30_000;

export function startVerification(config: BotConfig, deps: VerificationWiring): { readonly service: VerifyService; readonly rechecks: RecheckRunner } {
  const service = new VerifyService({
    engine: verifyEngineOf(deps.engine),
    store: deps.store,
    slack: deps.slack,
    channels: deps.channels,
    logger: deps.logger,
    clock: deps.clock,
    timeZone: config.app.analysis.timeZone,
    sourceDescription: deps.sourceDescription,
    analysisTimeoutMs: config.analysisTimeoutMs,
    defaultWindowMs: config.app.analysis.defaultWindowMs,
    maxWindowMs: config.app.analysis.maxWindowMs,
    refreshReport: deps.refreshReport,
    access: deps.access,
    postedFailure: deps.postedFailure,
  });
  // Re-checks are claimed like digests: the same replica name and lease.
  const rechecks = new RecheckRunner({
    store: deps.store,
    run: async (check, log) => {
      const inWorkspace = deps.inWorkspace;
      if (inWorkspace === undefined) return service.runScheduled(check, log);
      const incident = await deps.store.getIncident(check.incidentId);
      return incident === null ? service.runScheduled(check, log) : inWorkspace(incident, () => service.runScheduled(check, log));
    },
    logger: deps.logger,
    clock: deps.clock,
    owner: config.digest.replicaId,
    leaseMs: config.digest.leaseMs,
    intervalMs: Math.max(500, Math.min(MAX_SWEEP_MS, Math.floor(config.digest.leaseMs / 2))),
  });
  return { service, rechecks };
}

/** Both engines pymem builds verify; an engine a caller brought without it cannot. */
function verifyEngineOf(engine: AnalysisEngine): VerifyEngine {
  const candidate = engine as AnalysisEngine & Partial<VerifyEngine>;
  if (typeof candidate.verify === 'function') return { verify: (input, options) => candidate.verify!(input, options) };
  return {
    verify: async () => ({ status: 'failed', failure: { kind: 'internal', message: 'this analysis engine cannot verify fixes (it has no verify job)' } }),
  };
}

/** The incident timeline's verifications (src/bot/timeline.ts): each stored one, its summary as what it concluded. */
export function verificationSource(store: Store): VerificationSource {
  return async (incidentId) =>
    (await store.verifications(incidentId)).map((v) => {
      const parsed = z.object({ summary: z.string() }).safeParse(v.result);
      return {
        at: v.at,
        kind: 'verify' as const,
        verdict: parsed.success ? parsed.data.summary : v.verdict,
        // A scheduled re-check was asked for earlier; pymem ran it.
        by: v.requestedBy === 'schedule' ? 'pymem (scheduled re-check)' : v.requestedBy,
      };
    });
}
