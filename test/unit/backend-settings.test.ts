/** The backend's request settings: tenant, extra headers and a private CA, checked at start-up. */

import { describe, expect, it } from 'vitest';
import { checkCaPem, headerProblems, tenantProblem } from '../../src/config/backend-checks';
import { ConfigError, loadConfig, type Env } from '../../src/config/load';

/** A CA certificate valid until 2126 (openssl req -x509 -days 36500, EC P-256); its key is not kept. */
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBhzCCAS2gAwIBAgIUC6mDYnJepM+18MqkQwUA2SgTqoAwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNcHltZW0gdGVzdCBDQTAgFw0yNjEyMDcyMjI2MThaGA8yMTI2
MTExMzIyMjYxOFowGDEWMBQGA1UEAwwNcHltZW0gdGVzdCBDQTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABATKzDTEdvNbof1lloO4Fzd1yc3kP3b6TVW8YRMAg2PU
jePfdQ41CLZE5vFbwdynnkmFvKx0MyKMi/JJBQNPEMGjUzBRMB0GA1UdDgQWBBQl
EfbcYFMXP1npFWqIBLMUIRhf/jAfBgNVHSMEGDAWgBQlEfbcYFMXP1npFWqIBLMU
IRhf/jAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIAm/F8vP4OcV
Px30tfBQ68kg59sQ3wEVvEc1+Pj0ZGu2AiEA1S00wGQYVCqJ1+tjp9bjOwXYed4N
jSFpA7kI2Dz3GVs=
-----END CERTIFICATE-----
`;
/** Another, valid until December 2036 (-days 3650). */
const OLD_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBjTCCATOgAwIBAgIUFpCmzu4Sz6VvGU8b565KW5FO9ekwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRcHltZW0gb2xkIHRlc3QgQ0EwHhcNMjYxMjA3MjI0MTE3WhcN
MzYxMjA0MjI0MTE3WjAcMRowGAYDVQQDDBFweW1lbSBvbGQgdGVzdCBDQTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABIK68o5/WdlEKxddIRFddJeByOsAIrnYEHk3
aBdWDc3BbegN95udAX9sMDtIzImYkb54kbRK6mqqaLLE8mKyoNCjUzBRMB0GA1Ud
DgQWBBR2D5x+ReASm0DtVraZvZByOgAp+jAfBgNVHSMEGDAWgBR2D5x+ReASm0Dt
VraZvZByOgAp+jAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDe
GvP0kd6K76+BpoBi3t5wUcPbo6QzQOSy9/cdbMpw6wIgUnrf01Z+CHY0mA6XFzkr
nDHPwZEyEqWNrJILXeQOz8A=
-----END CERTIFICATE-----
`;
const NOW = Date.UTC(2026, 11, 7);

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

/** loadConfig with files served from a map (the config file is cfg.yaml when given). */
function load(env: Env, files: Record<string, string> = {}): ReturnType<typeof loadConfig> {
  return loadConfig({
    env: { ...('cfg.yaml' in files ? { PYMEM_CONFIG: 'cfg.yaml' } : {}), ...env },
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    now: () => NOW,
  });
}

describe('tenantProblem', () => {
  it.each(['team-a', 'anonymous', 'a.b_c', "t!*'()", 'team-a|team-b', 'x'.repeat(150)])('accepts %j', (tenant) => {
    expect(tenantProblem(tenant)).toBeNull();
  });
  it.each([
    ['a newline', 'team-a\nX-Evil: 1', /control character/],
    ['a carriage return', 'team-a\r', /control character/],
    ['a space', 'team a', /tenant id of letters/],
    ['a slash', 'team/a', /tenant id of letters/],
    ['dot-dot', '..', /tenant id of letters/],
    ['an empty part', 'team-a|', /tenant id of letters/],
    ['151 characters', 'x'.repeat(151), /at most 150/],
  ])('refuses %s', (_what, tenant, message) => {
    expect(tenantProblem(tenant)).toMatch(message);
  });
});

describe('headerProblems', () => {
  const none = { kind: 'none' } as const;
  it('accepts ordinary headers', () => {
    expect(headerProblems({ 'X-Team': 'payments', 'Cache-Control': 'no-cache' }, none, null)).toEqual([]);
  });
  it('refuses a name that is not a header name, and a value with a newline', () => {
    expect(headerProblems({ 'X Team': 'a' }, none, null)).toEqual([expect.stringMatching(/^"X Team": not a valid HTTP header name/)]);
    expect(headerProblems({ 'X-Team': 'a\r\nX-Evil: 1' }, none, null)).toEqual([expect.stringMatching(/^X-Team: the value contains a control character/)]);
  });
  it('refuses Authorization next to a bearer token or basic auth, but not alone', () => {
    expect(headerProblems({ authorization: 'Bearer x' }, { kind: 'bearer', token: 't' }, null)).toEqual([expect.stringMatching(/clashes with a bearer token/)]);
    expect(headerProblems({ Authorization: 'Bearer x' }, { kind: 'basic', username: 'u', password: 'p' }, null)).toEqual([expect.stringMatching(/clashes with basic auth/)]);
    expect(headerProblems({ Authorization: 'Bearer x' }, none, null)).toEqual([]);
  });
  it('refuses X-Scope-OrgID in the headers when the tenant is set', () => {
    expect(headerProblems({ 'x-scope-orgid': 'b' }, none, 'a')).toEqual([expect.stringMatching(/tenant is set/)]);
    expect(headerProblems({ 'X-Scope-OrgID': 'b' }, none, null)).toEqual([]);
  });
  it('refuses headers the HTTP client sets', () => {
    expect(headerProblems({ Host: 'x' }, none, null)).toEqual([expect.stringMatching(/set by the HTTP client/)]);
  });
});

describe('checkCaPem', () => {
  it('accepts a PEM certificate and keeps only the certificate blocks', () => {
    const checked = checkCaPem(`# our CA\n${CA_PEM}\n${CA_PEM}`, NOW);
    expect(checked).toEqual({ ok: true, pem: `${CA_PEM.trim()}\n${CA_PEM.trim()}\n`, count: 2 });
  });
  it.each([
    ['empty', '', /is not a PEM certificate file/],
    ['DER-looking bytes', '0\u0082\u0001\u0087', /is not a PEM certificate file/],
    ['a private key', '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n', /holds a private key/],
    ['a damaged certificate', CA_PEM.replace(/MIIB/, 'MIIX'), /cannot be parsed/],
  ])('refuses %s', (_what, text, message) => {
    const checked = checkCaPem(text, NOW);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problem).toMatch(message);
  });
  it('accepts a file with Windows line endings', () => {
    expect(checkCaPem(CA_PEM.replace(/\n/g, '\r\n'), NOW)).toMatchObject({ ok: true, count: 1 });
  });
  it('accepts a bundle in which only some certificates have expired', () => {
    expect(checkCaPem(`${OLD_CA_PEM}${CA_PEM}`, Date.UTC(2050, 0, 1))).toMatchObject({ ok: true, count: 2 });
    expect(checkCaPem(`${OLD_CA_PEM}${CA_PEM}`, Date.UTC(2200, 0, 1))).toEqual({ ok: false, problem: expect.stringMatching(/^can verify nothing: all its 2 certificates \(the first: CN=pymem old test CA/) });
  });
  it('refuses an expired certificate', () => {
    const checked = checkCaPem(CA_PEM, Date.UTC(2200, 0, 1));
    expect(checked).toEqual({ ok: false, problem: expect.stringMatching(/^can verify nothing: its certificate \(CN=pymem test CA, expired on Nov 13 .* 2126 GMT\) has expired/) });
  });
});

describe('loadConfig: tenant, CA file, headers', () => {
  const HTTPS = { PROMETHEUS_URL: 'https://mimir:8080/prometheus' };

  it('reads the tenant and the CA from the environment, the environment first', () => {
    const yaml = 'prometheus:\n  url: https://mimir:8080/prometheus\n  tenant: from-file\n  caFile: /file/ca.pem\n';
    const fromFile = load({}, { 'cfg.yaml': yaml, '/file/ca.pem': CA_PEM });
    expect(fromFile.prometheus?.tenant).toBe('from-file');
    expect(fromFile.prometheus?.ca).toEqual({ source: 'cfg.yaml: prometheus.caFile (/file/ca.pem)', pem: CA_PEM });
    const fromEnv = load({ PROMETHEUS_TENANT: 'team-a', PROMETHEUS_CA_FILE: '/env/ca.pem' }, { 'cfg.yaml': yaml, '/env/ca.pem': CA_PEM });
    expect(fromEnv.prometheus?.tenant).toBe('team-a');
    expect(fromEnv.prometheus?.ca?.source).toBe('PROMETHEUS_CA_FILE (/env/ca.pem)');
  });

  it('keeps a path prefix in the URL', () => {
    expect(load(HTTPS).prometheus?.url).toBe('https://mimir:8080/prometheus');
  });

  it.each(['https://mimir:8080/prometheus?tenant=a', 'https://u:secret@mimir:8080/prometheus#x'])('refuses a URL with a query or fragment: %s', (url) => {
    const error = configError(() => load({ PROMETHEUS_URL: url }));
    expect(error.issues).toEqual([expect.stringMatching(/^PROMETHEUS_URL: the URL cannot carry a query string or fragment/)]);
    expect(error.message).not.toContain('secret');
  });

  it.each([
    ['a missing CA file', { ...HTTPS, PROMETHEUS_CA_FILE: '/nope/ca.pem' }, {}, /^PROMETHEUS_CA_FILE: cannot read the CA file \/nope\/ca.pem \(no such file\)/],
    ['a CA file that is not PEM', { ...HTTPS, PROMETHEUS_CA_FILE: '/ca.txt' }, { '/ca.txt': 'hello' }, /^PROMETHEUS_CA_FILE: \/ca.txt is not a PEM certificate file/],
    ['a CA file with an http URL', { PROMETHEUS_URL: 'http://p:9090', PROMETHEUS_CA_FILE: '/ca.pem' }, { '/ca.pem': CA_PEM }, /^PROMETHEUS_CA_FILE: a CA file is only used for https:\/\/ URLs/],
    ['a tenant with a newline', { ...HTTPS, PROMETHEUS_TENANT: 'team-a\nX-Evil: 1' }, {}, /^PROMETHEUS_TENANT: contains a control character/],
  ])('refuses %s with one line naming the setting', (_what, env, files, message) => {
    const error = configError(() => load(env, files));
    expect(error.issues).toEqual([expect.stringMatching(message)]);
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('names the file key for a bad CA file and headers that clash', () => {
    const yaml =
      'prometheus:\n  url: https://p\n  caFile: ca.pem\n  tenant: team-a\n  bearerToken: t\n' +
      '  headers:\n    Authorization: Basic eA==\n    X-Scope-OrgID: team-b\n';
    const error = configError(() => load({}, { 'cfg.yaml': yaml, 'ca.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }));
    expect(error.issues).toEqual([
      expect.stringMatching(/^cfg.yaml: prometheus.headers.Authorization: clashes with a bearer token/),
      expect.stringMatching(/^cfg.yaml: prometheus.headers.X-Scope-OrgID: the tenant is set/),
      expect.stringMatching(/^cfg.yaml: prometheus.caFile: ca.pem has a certificate \(1 of 1\) that cannot be parsed/),
    ]);
  });

  it('defaults to no tenant and no CA', () => {
    expect(load(HTTPS).prometheus).toMatchObject({ tenant: null, ca: null });
  });
});
