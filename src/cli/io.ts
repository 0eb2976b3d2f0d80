/** What a CLI command touches of the outside world, passed in so commands are testable in-process. */

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
}

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  backend: 4,
  noData: 5,
} as const;

/** A mistake in how pymem was called: printed as one line plus the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  now: () => Date.now(),
};
