/**
 * What a channel is told when the metrics backend failed. A backend's own error text can carry
 * its address, internal host names and the PromQL it refused; a channel is a wider audience than
 * pymem's logs, so unless the config says `report.showSource: true` the posted text says what
 * failed and what to do, and the details stay in the logs.
 */

/** Why a metrics backend failed; src/metrics/errors.ts raises MetricsError with one of these. */
export type MetricsErrorCode =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'bad-query'
  | 'server-error'
  | 'bad-response'
  | 'response-too-large'
  | 'too-many-series'
  | 'unknown-service'
  | 'no-series'
  | 'aborted';

export interface BackendFailure {
  readonly code: MetricsErrorCode;
  readonly message: string;
}

const IN_THE_LOGS = 'the details are in pymem’s logs.';

/** The text to post; `backendDescription` is how the source names itself ("Prometheus at https://…"). */
export function postedFailureText(failure: BackendFailure, options: { readonly showSource: boolean; readonly backendDescription: string }): string {
  if (options.showSource) return failure.message;
  switch (failure.code) {
    case 'unreachable':
      return `The metrics backend could not be reached; ${IN_THE_LOGS}`;
    case 'timeout':
    case 'aborted':
      return `The metrics backend did not answer in time; ${IN_THE_LOGS}`;
    case 'unauthorized':
      return `The metrics backend refused pymem’s credentials (or its tenant); ${IN_THE_LOGS}`;
    case 'bad-query':
      return `The metrics backend refused one of pymem’s queries for this service: check its queries in pymem’s config; ${IN_THE_LOGS}`;
    case 'server-error':
      return `The metrics backend failed with a server error; ${IN_THE_LOGS}`;
    case 'bad-response':
      return `The metrics backend answered with something pymem could not read; ${IN_THE_LOGS}`;
    case 'response-too-large':
    case 'too-many-series':
    case 'unknown-service':
    case 'no-series':
      // pymem's own words, with only the backend's address taken out.
      return withoutBackend(failure.message, options.backendDescription);
    default: {
      const unknown: never = failure.code;
      return `The metrics backend failed (${String(unknown)}); ${IN_THE_LOGS}`;
    }
  }
}

function withoutBackend(message: string, description: string): string {
  const named = description === '' ? message : message.split(description).join('the metrics backend');
  // Whatever else looks like an address (a URL, an IP, a host:port) goes too.
  return named
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)"'`]+/gi, 'an address')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, 'an address')
    .replace(/\b(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*:\d{2,5}\b/gi, 'an address');
}
