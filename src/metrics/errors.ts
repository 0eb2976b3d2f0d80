/** Failures of a metrics backend, each with a code a handler can switch on and a message a person can act on. */

import type { MetricsErrorCode } from '../domain/posted-failure';

/** The codes are the domain's: what a channel is told depends on them (domain/posted-failure.ts). */
export type { MetricsErrorCode };

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
