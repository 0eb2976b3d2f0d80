/** Service names are checked before anything is sent anywhere. */

export const SERVICE_NAME_MAX_LENGTH = 128;
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export type ServiceNameResult =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly error: string };

/** Accepts letters, digits and `-_.:`, starting with a letter or digit, at most 128 characters. */
export function parseServiceName(raw: string): ServiceNameResult {
  const name = raw.trim();
  if (name.length === 0) return { ok: false, error: 'a service name is required' };
  if (name.length > SERVICE_NAME_MAX_LENGTH) {
    return { ok: false, error: `service names are at most ${SERVICE_NAME_MAX_LENGTH} characters (got ${name.length})` };
  }
  if (!SERVICE_NAME.test(name)) {
    return {
      ok: false,
      error: `"${printable(name)}" is not a service name: use letters, digits and - _ . : only, starting with a letter or digit`,
    };
  }
  return { ok: true, name };
}

/** Shows control characters and trims, so an error message never carries raw user input. */
export function printable(text: string, max = 60): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const shown = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // By code point, so a cut never leaves half an emoji behind.
  const points = Array.from(shown);
  return points.length > max ? `${points.slice(0, max).join('')}…` : shown;
}
