/** `pymem doctor <service> [...]`: which metric sources have data for a service, and which one pymem would read. */

import type { Env } from '../config/load';
import { doctorReport, renderDoctorText } from '../domain/doctor';
import { isMetricsError } from '../metrics/errors';
import { commandSettings, exitFor, parseAnalyzeArgs } from './analyze-command';
import { EXIT, type CliIo } from './io';

export const DOCTOR_USAGE = 'usage: pymem doctor <service> [--window 6h] [--end <RFC3339|unix seconds>] [--prometheus <url>] [--config <file>] [--demo] [--json]';

export async function runDoctorCommand(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  const args = parseAnalyzeArgs(argv, io.now(), DOCTOR_USAGE, false);
  const { windowMs, source } = commandSettings(args, env);
  let probe;
  try {
    probe = await source.probeService({ service: args.service, window: { endMs: args.endMs, durationMs: windowMs } });
  } catch (error) {
    if (isMetricsError(error)) {
      io.stderr(`pymem: ${error.message}\n`);
      return exitFor(error.code);
    }
    throw error;
  }
  const report = doctorReport(probe);
  if (args.json) io.stdout(JSON.stringify({ ...report, probe }, null, 2) + '\n');
  else io.stdout(renderDoctorText(report));
  if (report.choice.kind === 'none') {
    io.stderr(`pymem: ${report.summary}\n`);
    return EXIT.noData;
  }
  return EXIT.ok;
}
