/** Gathers an incident's timeline from the store (and, when wired, its verifications). Shared by the bot and the CLI. */

import { buildTimeline, type Timeline, type TimelineVerification } from '../domain/timeline';
import type { IncidentRecord, Store } from '../store/store';

/**
 * Where verifications come from (the `verify` part of issue 13 stores them); the timeline shows
 * whatever this returns for the incident, merged by time.
 */
export type VerificationSource = (incidentId: string) => Promise<readonly TimelineVerification[]>;

export interface TimelineSources {
  readonly store: Store;
  readonly timeZone: string;
  readonly verifications?: VerificationSource | null;
}

/** The incident's timeline as of `now`: report, ticks, re-runs, verifications and resolution. */
export async function loadTimeline(sources: TimelineSources, incident: IncidentRecord, workspaceUrl: string | null, now: number): Promise<Timeline> {
  const [ticks, events, verifications] = await Promise.all([
    sources.store.tickEvents(incident.id),
    sources.store.incidentEvents(incident.id),
    sources.verifications ? sources.verifications(incident.id) : Promise.resolve([]),
  ]);
  const d = incident.report.diagnosis;
  return buildTimeline(
    {
      incident: {
        id: incident.id,
        channelId: incident.channelId,
        service: incident.service,
        messageTs: incident.messageTs,
        windowMs: incident.windowMs,
        startMs: Date.parse(d.window.start),
        endMs: Date.parse(d.window.end),
        createdBy: incident.createdBy,
        createdAt: incident.createdAt,
        pattern: d.pattern,
        confidence: d.confidence,
        verdict: d.verdict,
        findings: d.findings,
        steps: incident.report.checklist.map((s) => ({ id: s.id, title: s.title })),
      },
      ticks,
      reruns: events.flatMap((e) => (e.kind === 'rerun' ? [{ userId: e.userId, at: e.at, ...e.detail }] : [])),
      verifications,
      resolution: incident.resolution,
      timeZone: sources.timeZone,
      workspaceUrl,
    },
    now,
  );
}

/** `checkout-api-timeline-20260302-1405.md`: the service and when it was exported (UTC). */
export function timelineFilename(service: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  return `${service}-timeline-${stamp}.md`;
}
