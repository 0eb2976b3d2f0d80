/** The `pymem` command line. */

import { processEnv, type Env } from '../config/env';
import { ConfigError } from '../config/load';
import { ANALYZE_USAGE, runAnalyzeCommand } from './analyze-command';
import { DOCTOR_USAGE, runDoctorCommand } from './doctor-command';
import { VERIFY_USAGE, runVerifyCommand } from './verify-command';
/** Kept here so `pymem help` does not load the Slack and digest code. */
const DIGEST_USAGE = 'usage: pymem digest (--dry-run | --now) [--channel <channel id>]';
const TIMELINE_USAGE = 'usage: pymem timeline <channel id> <message ts> [--json]';
import { EXIT, processIo, UsageError, type CliIo } from './io';

const HELP = `pymem: triage Python memory growth from Prometheus metrics

Commands
  pymem analyze <service>   diagnose one service's memory growth pattern
  pymem doctor <service>    which metric sources have data for a service, and which one pymem reads
  pymem verify <service>    did the growth stop after a change (a deploy, a fix)?
  pymem digest --dry-run    print the daily digest each subscribed channel would get
  pymem digest --now        post it now (needs the Slack settings and DATABASE_URL)
  pymem timeline <channel id> <message ts>
                            an incident's timeline (ticks, re-runs, resolution) as Markdown, from DATABASE_URL
  pymem help                this text

${ANALYZE_USAGE}
${DOCTOR_USAGE}
${VERIFY_USAGE}
${DIGEST_USAGE}
${TIMELINE_USAGE}

  --window   how far back to look (1h, 6h, 24h, 7d; default 6h or analysis.window)
  --end      end of the window, RFC 3339 or unix seconds (default: now)
  --since    verify: the change to judge, RFC 3339, unix seconds or deploy (default: the latest deploy in the window)
  --prometheus  metrics backend URL (default: PROMETHEUS_URL or the config file)
  --config   YAML config file (default: PYMEM_CONFIG)
  --demo     use the built-in simulated services instead of a backend
  --json     print the whole diagnosis (or the doctor's table, or the timeline) as JSON
  --png      also render the chart to this PNG file

Exit codes: 0 diagnosed, 2 bad usage, 3 bad configuration, 4 metrics backend failed, 5 no usable data.
`;

export async function main(argv: readonly string[], env: Env = processEnv(), io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'analyze':
        return await runAnalyzeCommand(rest, env, io);
      case 'doctor':
        return await runDoctorCommand(rest, env, io);
      case 'verify':
        return await runVerifyCommand(rest, env, io);
      case 'digest': {
        const { runDigestCommand } = await import('./digest-command.js');
        return await runDigestCommand(rest, env, io);
      }
      case 'timeline': {
        const { runTimelineCommand } = await import('./timeline-command.js');
        return await runTimelineCommand(rest, env, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"; try \`pymem help\``);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`pymem: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr(`pymem: ${error.message}\n`);
      return EXIT.config;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`pymem: unexpected error: ${message}\n`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`pymem: ${String(error)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
