/** What a channel is told of a backend failure: no address, host or PromQL error text unless the config shows them. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { postedFailureText } from '../../src/domain/posted-failure';
import type { MetricsErrorCode } from '../../src/metrics/errors';

const BACKEND = 'Prometheus at https://prom.internal.example:9090/prometheus';
const CODES: readonly MetricsErrorCode[] = [
  'unreachable',
  'timeout',
  'unauthorized',
  'bad-query',
  'server-error',
  'bad-response',
  'response-too-large',
  'too-many-series',
  'unknown-service',
  'no-series',
  'aborted',
];

describe('a backend failure posted to Slack', () => {
  const raw = `${BACKEND} said: parse error at char 12: unexpected "}" in up{job="x"} (connect ECONNREFUSED 10.2.0.7:9090)`;

  it.each(CODES)('%s: names neither the backend address, its hosts nor its error text by default', (code) => {
    const text = postedFailureText({ code, message: raw }, { showSource: false, backendDescription: BACKEND });
    expect(text).not.toContain('prom.internal.example');
    expect(text).not.toContain('10.2.0.7');
    expect(text.length).toBeGreaterThan(20);
    if (!['response-too-large', 'too-many-series', 'unknown-service', 'no-series'].includes(code)) {
      expect(text).not.toContain('parse error');
      expect(text).toContain('logs');
    }
  });

  it("keeps pymem's own advice for data problems, with the backend named generically", () => {
    const message = `No series at all have job="shop" in this window (360 minutes up to 2026-03-02T12:00:00.000Z) on ${BACKEND}: check the service name or the window.`;
    expect(postedFailureText({ code: 'unknown-service', message }, { showSource: false, backendDescription: BACKEND })).toBe(
      'No series at all have job="shop" in this window (360 minutes up to 2026-03-02T12:00:00.000Z) on the metrics backend: check the service name or the window.',
    );
  });

  it('is the whole message when the config says report.showSource', () => {
    expect(postedFailureText({ code: 'bad-query', message: raw }, { showSource: true, backendDescription: BACKEND })).toBe(raw);
  });
});

describe('report.showSource in the config file', () => {
  const load = (yaml: string) => loadConfig({ env: {}, configPath: 'pymem.yml', readFile: () => yaml });

  it('is off unless set', () => {
    expect(load('services: {}\n').showSource).toBe(false);
    expect(load('report:\n  showSource: true\n').showSource).toBe(true);
  });

  it('refuses what is not a boolean or an unknown key, naming it', () => {
    expect(() => load('report:\n  showSource: "yes"\n')).toThrow(/report/);
    expect(() => load('report:\n  showSorce: true\n')).toThrow(/showSorce/);
  });
});
