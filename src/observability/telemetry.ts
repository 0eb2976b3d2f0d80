/** What the bot reports about itself. Code records events through this; /metrics exposes them. */

export type CommandKind = 'analyze' | 'doctor' | 'help' | 'invalid' | 'subscribe' | 'unsubscribe' | 'list' | 'timeline' | 'verify' | 'denied';
/** How a report's analysis was obtained: computed for it, joined one running for an identical request, or from the short-lived cache. */
export type AnalysisSharing = 'computed' | 'joined' | 'cached';
export type ActionKind = 'tick' | 'rerun' | 'window' | 'subscribe' | 'digest-analyze' | 'resolve' | 'timeline' | 'home' | 'verify' | 'recheck' | 'unreadable';

export interface Telemetry {
  commandHandled(kind: CommandKind, outcome: string): void;
  actionHandled(kind: ActionKind, outcome: string): void;
  analysisFinished(seconds: number, outcome: 'diagnosed' | 'no-data' | 'failed'): void;
  backendError(code: string): void;
  /** A Slack call that finally failed (after its retries), by Slack's error code. */
  slackError(method: string, code: string): void;
  /** Every 429 Slack answered (each is waited out and retried within the call's deadline). */
  slackRateLimited(method: string): void;
  analysisShared(how: AnalysisSharing): void;
  digestRun(outcome: string): void;
  /** Report messages whose last update failed and that wait to be tried again, whenever that number changes (a gauge). */
  reportUpdatesWaiting(count: number): void;
  /** Services being measured for digests right now, whenever that number changes (a gauge). */
  digestMeasurementsInFlight(count: number): void;
}

export const noTelemetry: Telemetry = {
  commandHandled: () => undefined,
  actionHandled: () => undefined,
  analysisFinished: () => undefined,
  backendError: () => undefined,
  slackError: () => undefined,
  slackRateLimited: () => undefined,
  analysisShared: () => undefined,
  digestRun: () => undefined,
  reportUpdatesWaiting: () => undefined,
  digestMeasurementsInFlight: () => undefined,
};
