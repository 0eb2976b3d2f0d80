/**
 * The daily digest: measure every subscribed service over the last 24 h (bounded concurrency,
 * a time limit per service), compare with the channel's previous digest, and post one message
 * per channel. A service that cannot be measured is listed as such and never sinks the digest.
 */

import type { Logger } from 'pino';
import type { AnalysisEngine } from '../analysis/engine';
import { parseSummary, rankEntries, resolvedNotes, resolvedSinceMs, summarize, withChanges, type DigestEntry, type ResolvedNote } from '../domain/digest';
import { Limiter } from '../concurrency/limiter';
import type { SlackMessage } from '../slack/blocks';
import { digestMessage } from '../slack/digest-blocks';
import type { SlackGateway } from '../slack/gateway';
import { postWithImage } from '../slack/post-with-image';
import type { Store } from '../store/store';
import type { DigestPanelInput } from '../charts/digest-spec';
import { AccessGate } from '../bot/access-gate';
import type { LinkContext, Links } from '../domain/links';
import { noTelemetry, type Telemetry } from '../observability/telemetry';
import { unmeasuredPanel, type Measurement } from '../analysis/measure';

export type { Measurement };

export interface DigestDeps {
  /** Measures services and draws the chart (the bot's worker threads, at lower priority than reports). */
  readonly engine: AnalysisEngine;
  readonly timeZone: string;
  readonly store: Store;
  readonly logger: Logger;
  /** Most services measured at once (each is a handful of backend queries). */
  readonly concurrency: number;
  /** Time limit for measuring one service. */
  readonly serviceTimeoutMs: number;
  /** Whether entries that could not be measured may quote the backend's error text (`report.showSource`). */
  readonly showSource?: boolean;
  readonly windowMs: number;
  /** Which channel may see which services; null for no restriction. */
  /** Which channels may see which services; everything is allowed when absent. */
  readonly access?: AccessGate;
  /** The dashboard and runbook links for a service and window; none when absent. */
  readonly links?: (ctx: LinkContext) => Links | null;
  /** Told how many services are being measured whenever that changes. */
  readonly telemetry?: Telemetry;
}

export interface ComposedDigest {
  readonly channelId: string;
  readonly entries: readonly DigestEntry[];
  readonly panels: readonly DigestPanelInput[];
  readonly endMs: number;
  /** Services whose incident in the channel was resolved since the previous digest. */
  readonly resolved: readonly ResolvedNote[];
}

export const DIGEST_WINDOW_MS = 24 * 3_600_000;

export class DigestService {
  /** Services being measured now, across every measureAll running (one per set of services). */
  private measuring = 0;

  constructor(private readonly deps: DigestDeps) {}

  /** Measures each service once, however many channels follow it. */
  async measureAll(services: readonly string[], endMs: number): Promise<Map<string, Measurement>> {
    const limiter = new Limiter(this.deps.concurrency);
    const unique = [...new Set(services)];
    const results = await Promise.all(
      unique.map((service) =>
        limiter.run(async () => {
          const telemetry = this.deps.telemetry ?? noTelemetry;
          telemetry.digestMeasurementsInFlight(++this.measuring);
          try {
            return [service, await this.measure(service, endMs)] as const;
          } finally {
            telemetry.digestMeasurementsInFlight(--this.measuring);
          }
        }),
      ),
    );
    return new Map(results);
  }

  async measure(service: string, endMs: number): Promise<Measurement> {
    try {
      const { measurement, internalError, backendError } = await this.deps.engine.measure({ service, endMs, windowMs: this.deps.windowMs, timeoutMs: this.deps.serviceTimeoutMs, showSource: this.deps.showSource === true });
      if (internalError !== null) this.deps.logger.error({ service, error: internalError }, 'digest measurement failed');
      if (backendError) this.deps.logger.warn({ service, code: backendError.code, error: backendError.message }, 'metrics backend failed during the digest');
      return measurement;
    } catch (error) {
      // The pool itself failed (a thread died, or pymem is shutting down): the service is listed as not measured.
      this.deps.logger.error({ err: error, service }, 'digest measurement failed');
      return { entry: { kind: 'error', service, message: 'an unexpected error (logged)', change: null }, panel: unmeasuredPanel(service, endMs, this.deps.windowMs, 'not measured') };
    }
  }

  /** One channel's digest from measurements already taken, compared with its previous digest. */
  async compose(channelId: string, services: readonly string[], measurements: Map<string, Measurement>, endMs: number, periodKey: string): Promise<ComposedDigest> {
    const previous = await this.deps.store.previousDigest(channelId, periodKey);
    // A service this channel may not see is named, not measured: the channel learns why it is missing.
    const of = (service: string): Measurement =>
      this.allowed(channelId, service) && measurements.has(service)
        ? measurements.get(service)!
        : {
            entry: { kind: 'error', service, message: 'this channel may not query it (access list)', change: null },
            panel: unmeasuredPanel(service, endMs, this.deps.windowMs, 'not allowed here'),
          };
    const entries = rankEntries(withChanges(services.map((s) => of(s).entry), previous ? parseSummary(previous.summary) : null));
    const panels = entries.map((e) => of(e.service).panel);
    // From the previous digest's scheduled time to this one's: consecutive digests tile the time, so
    // a resolve is noted exactly once.
    const resolved = resolvedNotes(await this.deps.store.resolvedBetween(channelId, resolvedSinceMs(previous?.periodKey ?? null, endMs, this.deps.windowMs), endMs));
    return { channelId, entries, panels, endMs, resolved };
  }

  /** The message for a composed digest, with its chart uploaded when there is a chart to show. */
  async render(digest: ComposedDigest, slack: SlackGateway | null): Promise<{ message: (image: { fileId: string | null; problem: string | null }) => SlackMessage; image: { fileId: string | null; problem: string | null }; png: Buffer | null }> {
    const timeZone = this.deps.timeZone;
    const links = this.linksOf(digest);
    const build = (image: { fileId: string | null; problem: string | null }) =>
      digestMessage({ entries: digest.entries, windowMs: this.deps.windowMs, endMs: digest.endMs, timeZone, chartFileId: image.fileId, chartProblem: image.problem, links, resolved: digest.resolved });
    const quiet = build({ fileId: null, problem: null }).blocks.length <= 1;
    if (quiet || digest.entries.length === 0) return { message: build, image: { fileId: null, problem: null }, png: null };
    const grew = digest.entries.filter((e) => e.kind === 'measured' && e.status === 'grew').length;
    let png: Buffer;
    try {
      png = await this.deps.engine.digestChart(digest.panels, { timeZone, title: `Memory digest — ${digest.entries.length} ${digest.entries.length === 1 ? 'service' : 'services'}, ${grew} growing` });
    } catch (error) {
      this.deps.logger.error({ err: error }, 'digest chart failed');
      return { message: build, image: { fileId: null, problem: 'the chart could not be drawn (logged).' }, png: null };
    }
    if (!slack) return { message: build, image: { fileId: null, problem: null }, png };
    try {
      const fileId = await slack.uploadImage(png, 'memory-digest.png', 'Memory digest');
      return { message: build, image: { fileId, problem: null }, png };
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'digest chart upload failed');
      return { message: build, image: { fileId: null, problem: 'uploading the chart to Slack failed.' }, png };
    }
  }

  /** Posts a composed digest; the stored summary lets the next digest show what changed. */
  async post(digest: ComposedDigest, slack: SlackGateway): Promise<{ ok: true; ts: string } | { ok: false; code: string }> {
    const rendered = await this.render(digest, slack);
    const result = await postWithImage(slack, digest.channelId, rendered.image, rendered.message, { logger: this.deps.logger });
    return result.ok ? { ok: true, ts: result.ts } : { ok: false, code: result.code };
  }

  /** Each entry's links over the digest's window; none for a service the channel may not query. */
  private linksOf(digest: ComposedDigest): Map<string, Links> {
    const out = new Map<string, Links>();
    const linksFor = this.deps.links;
    if (!linksFor) return out;
    const startMs = digest.endMs - this.deps.windowMs;
    for (const entry of digest.entries) {
      if (!this.allowed(digest.channelId, entry.service)) continue;
      const links = linksFor({ service: entry.service, startMs, endMs: digest.endMs });
      if (links !== null) out.set(entry.service, links);
    }
    return out;
  }

  allowed(channelId: string, service: string): boolean {
    return (this.deps.access ?? AccessGate.open).allows(channelId, service);
  }

  summary(digest: ComposedDigest): unknown {
    return summarize(digest.entries);
  }
}
