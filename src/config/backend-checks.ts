/**
 * Checks of the backend's request settings (tenant, extra headers, private CA) that run once at
 * start-up, so a bad value is a ConfigError naming the key instead of a failed request later.
 * Pure: each returns the problem as a sentence, or null; reading the CA file is the caller's job.
 */

import { X509Certificate } from 'node:crypto';
import type { BackendAuth } from './types';

/** The header multi-tenant backends (Mimir, Cortex, Loki) read the tenant from. */
export const TENANT_HEADER = 'X-Scope-OrgID';

/**
 * Mimir's and Cortex's tenant id rule: letters, digits and `! - _ . * ' ( )`, at most 150
 * characters, not `.` or `..`; `|` joins several tenants for a federated query.
 */
const TENANT_ID = /^[A-Za-z0-9!_.*'()-]{1,150}$/;

/** What is wrong with a tenant id, or null. */
export function tenantProblem(tenant: string): string | null {
  if (hasControl(tenant, false)) return `contains a control character (a newline?); got ${JSON.stringify(tenant)}`;
  for (const part of tenant.split('|')) {
    if (part === '.' || part === '..' || !TENANT_ID.test(part)) {
      return (
        `expected a tenant id of letters, digits and ! - _ . * ' ( ) (at most 150 characters; | joins several), ` +
        `got ${JSON.stringify(tenant)}`
      );
    }
  }
  return null;
}

/** Whether the text holds a control character (CR and LF split a request); a tab is allowed in header values. */
function hasControl(text: string, allowTab: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && !(allowTab && c === 0x09)) || c === 0x7f) return true;
  }
  return false;
}

/** RFC 9110 token characters: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Problems with the extra headers, each as `<name>: <sentence>` (the caller puts the key in front):
 * names that are not header names, values that would split the request (CR, LF, NUL), and headers
 * pymem sets itself from other settings (Authorization with auth set, the tenant header with a tenant).
 */
export function headerProblems(headers: Readonly<Record<string, string>>, auth: BackendAuth, tenant: string | null): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      problems.push(`${JSON.stringify(name)}: not a valid HTTP header name (letters, digits and - _ . and a few symbols, no spaces or colons)`);
      continue;
    }
    if (hasControl(value, true)) {
      problems.push(`${name}: the value contains a control character (a newline?), which HTTP headers cannot carry`);
    }
    const lower = name.toLowerCase();
    if (lower === 'authorization' && auth.kind !== 'none') {
      const which = auth.kind === 'bearer' ? 'a bearer token' : 'basic auth';
      problems.push(`${name}: clashes with ${which}, which pymem sends as the Authorization header; keep one of them`);
    }
    if (lower === TENANT_HEADER.toLowerCase() && tenant !== null) {
      problems.push(`${name}: the tenant is set (PROMETHEUS_TENANT or prometheus.tenant) and sent as this header; keep one of them`);
    }
    if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') {
      problems.push(`${name}: set by the HTTP client itself; remove it from the extra headers`);
    }
  }
  return problems;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

/** The outcome of checking a CA file's text: the certificates found, or what is wrong. */
export type CaCheck = { readonly ok: true; readonly pem: string; readonly count: number } | { readonly ok: false; readonly problem: string };

/**
 * Checks that the text is one or more PEM certificates that parse, and returns only those blocks
 * (whatever else the file holds, such as comments or a private key, is not passed on to TLS).
 */
export function checkCaPem(text: string, nowMs: number): CaCheck {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) && !text.includes('-----BEGIN CERTIFICATE-----')) {
    return { ok: false, problem: 'holds a private key, not a certificate: point it at the CA certificate (PEM, -----BEGIN CERTIFICATE-----)' };
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    return { ok: false, problem: 'is not a PEM certificate file (expected -----BEGIN CERTIFICATE-----; convert a DER file with `openssl x509 -inform der -in ca.der -out ca.pem`)' };
  }
  const expired: string[] = [];
  for (const [i, block] of blocks.entries()) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, problem: `has a certificate (${i + 1} of ${blocks.length}) that cannot be parsed (${reason}): is the file truncated or edited?` };
    }
    if (Date.parse(cert.validTo) < nowMs) expired.push(`${cert.subject.replace(/\n/g, ', ')}, expired on ${cert.validTo}`);
  }
  // A bundle may carry an old certificate next to its successor; only a file that can verify nothing is refused.
  if (expired.length === blocks.length) {
    const which = blocks.length === 1 ? `its certificate (${expired[0]})` : `all its ${blocks.length} certificates (the first: ${expired[0]})`;
    return { ok: false, problem: `can verify nothing: ${which} has expired; replace it with the CA's current certificate` };
  }
  return { ok: true, pem: blocks.join('\n') + '\n', count: blocks.length };
}
