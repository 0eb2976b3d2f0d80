/** What the bot reports about itself. Code records events through this; /metrics exposes them. */

export type CommandKind = 'analyze' | 'help' | 'invalid' | 'subscribe' | 'unsubscribe' | 'list' | 'denied';
export type ActionKind = 'tick' | 'rerun' | 'window' | 'subscribe' | 'digest-analyze' | 'unreadable';

export interface Telemetry {
  commandHandled(kind: CommandKind, outcome: string): void;
  actionHandled(kind: ActionKind, outcome: string): void;
  analysisFinished(seconds: number, outcome: 'diagnosed' | 'no-data' | 'failed'): void;
  backendError(code: string): void;
  slackError(method: string, code: string): void;
  digestRun(outcome: string): void;
}

export const noTelemetry: Telemetry = {
  commandHandled: () => undefined,
  actionHandled: () => undefined,
  analysisFinished: () => undefined,
  backendError: () => undefined,
  slackError: () => undefined,
  digestRun: () => undefined,
};
