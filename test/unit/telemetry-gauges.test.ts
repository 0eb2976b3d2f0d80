/** The gauges that replaced the services' test-only members are real metrics on /metrics. */

import { describe, expect, it } from 'vitest';
import { PrometheusTelemetry } from '../../src/observability/prometheus-metrics';

describe('PrometheusTelemetry gauges', () => {
  it('exports the report updates waiting for a retry and the digest measurements in flight, as last set', async () => {
    const telemetry = new PrometheusTelemetry();
    telemetry.reportUpdatesWaiting(3);
    telemetry.digestMeasurementsInFlight(8);
    telemetry.digestMeasurementsInFlight(5);
    const { body } = await telemetry.exposition();
    expect(body).toMatch(/^# TYPE pymem_report_updates_waiting gauge$/m);
    expect(body).toMatch(/^pymem_report_updates_waiting 3$/m);
    expect(body).toMatch(/^pymem_digest_measurements_in_flight 5$/m);
  });
});
