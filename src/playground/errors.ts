/** Errors the playground's API answers with: each knows its HTTP status and renders itself as JSON. */

export type PlaygroundErrorCode =
  | 'bad_request'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'not_found'
  | 'method_not_allowed'
  | 'forbidden_host'
  | 'conflict'
  | 'bot_refused'
  | 'bot_unreachable'
  | 'listen_failed'
  | 'page_missing'
  | 'internal';

const STATUS: Record<PlaygroundErrorCode, number> = {
  bad_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  not_found: 404,
  method_not_allowed: 405,
  forbidden_host: 403,
  conflict: 409,
  bot_refused: 502,
  bot_unreachable: 502,
  listen_failed: 500,
  page_missing: 500,
  internal: 500,
};

export class PlaygroundError extends Error {
  readonly status: number;
  /** Extra lines, e.g. one per invalid field. */
  readonly details: readonly string[];

  constructor(
    readonly code: PlaygroundErrorCode,
    message: string,
    options?: { cause?: unknown; details?: readonly string[] },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'PlaygroundError';
    this.status = STATUS[code];
    this.details = options?.details ?? [];
  }

  /** The JSON body the page receives: `{ error: { code, message, details } }`. */
  toJSON(): { error: { code: PlaygroundErrorCode; message: string; details: readonly string[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
