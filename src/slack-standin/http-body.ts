/** Reading and decoding request bodies the way Slack's endpoints accept them (node:http only). */
import type { IncomingMessage } from 'node:http';

export type BodyRead = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly received: number };

/**
 * Reads a whole request body. Past `limitBytes` the rest is drained and dropped (so the caller can
 * still answer 413 on the same connection) and the result says how much arrived.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    received += buffer.length;
    if (received <= limitBytes) chunks.push(buffer);
  }
  if (received > limitBytes) return { ok: false, received };
  return { ok: true, bytes: Buffer.concat(chunks) };
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** One part of a multipart/form-data body. */
export type FormPart =
  | { readonly kind: 'field'; readonly name: string; readonly value: string }
  | { readonly kind: 'file'; readonly name: string; readonly filename: string; readonly type: string; readonly bytes: Buffer };

/**
 * Parses multipart/form-data with the WHATWG parser built into Node (undici's Response), which is
 * what produced the body on the sending side when the client is @slack/web-api.
 */
export async function parseMultipart(body: Buffer, contentType: string): Promise<FormPart[]> {
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  const parts: FormPart[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      parts.push({ kind: 'field', name, value });
    } else {
      parts.push({ kind: 'file', name, filename: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
    }
  }
  return parts;
}

/** Arguments Slack clients send JSON-encoded inside form fields. */
const JSON_ENCODED_ARGUMENTS = new Set(['blocks', 'attachments', 'files', 'metadata', 'unfurls', 'user_auth_blocks']);

export type ArgsRead = { readonly ok: true; readonly args: Record<string, unknown> } | { readonly ok: false; readonly error: string; readonly detail: string };

/**
 * Decodes Web API arguments from the query string and the body (form-urlencoded, JSON or
 * multipart). JSON-encoded complex arguments (blocks, files, ...) are decoded when they parse, and
 * left as text when they do not, so the method can answer invalid_blocks_format like Slack.
 */
export async function decodeArgs(body: Buffer, contentType: string | undefined, query: URLSearchParams): Promise<ArgsRead> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of query) args[key] = value;
  const type = mediaType(contentType);
  if (body.length > 0) {
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8')) as unknown;
      } catch (error) {
        return { ok: false, error: 'invalid_json', detail: error instanceof Error ? error.message : String(error) };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { ok: false, error: 'invalid_json', detail: 'the JSON body must be an object of arguments' };
      }
      Object.assign(args, parsed);
    } else if (type === 'application/x-www-form-urlencoded' || type === '') {
      for (const [key, value] of new URLSearchParams(body.toString('utf8'))) args[key] = value;
    } else if (type === 'multipart/form-data') {
      let parts: FormPart[];
      try {
        parts = await parseMultipart(body, contentType ?? '');
      } catch (error) {
        return { ok: false, error: 'invalid_form_data', detail: error instanceof Error ? error.message : String(error) };
      }
      for (const part of parts) {
        args[part.name] = part.kind === 'field' ? part.value : { filename: part.filename, type: part.type, bytes: part.bytes.length };
      }
    } else {
      return { ok: false, error: 'invalid_form_data', detail: `unsupported content type ${type}` };
    }
  }
  for (const key of JSON_ENCODED_ARGUMENTS) {
    const value = args[key];
    if (typeof value === 'string' && value !== '') {
      try {
        args[key] = JSON.parse(value) as unknown;
      } catch {
        // Left as text: the method reports the bad JSON in its own words.
      }
    }
  }
  return { ok: true, args };
}

/** A header map with one string per header, for recording. */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
