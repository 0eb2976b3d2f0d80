/** Failures of a metrics backend, each with a code a handler can switch on and a message a person can act on. */

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

export class MetricsError extends Error {
  override readonly name = 'MetricsError';
  constructor(
    readonly code: MetricsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isMetricsError(value: unknown): value is MetricsError {
  return value instanceof MetricsError;
}
