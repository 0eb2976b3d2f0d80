/**
 * Servers the tests start as child processes (Prometheus, VictoriaMetrics) must never outlive the
 * test process: each is killed and its directory removed on process exit, and a watchdog kills it
 * when this process dies without running handlers (SIGKILL, a crashed worker).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface GuardedChild {
  /** Resolves when the child has exited. */
  readonly exited: Promise<ChildExit>;
  /** The exit, once it happened; null while the child runs. */
  exit(): ChildExit | null;
  /** SIGTERM, SIGKILL after 10 s, and the watchdog stopped; safe to call more than once. */
  stop(): Promise<void>;
}

/** Servers still running, each with its watchdog and the directory it owns. */
const running = new Map<ChildProcess, { readonly watchdog: ChildProcess | null; readonly dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, { watchdog, dir }] of running) {
      stopWatchdog(watchdog);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Watches a server that was just spawned and owns `dir` (removed on process exit; `stop` leaves it to the caller). */
export function guardChild(child: ChildProcess, dir: string): GuardedChild {
  installExitHook();
  const watchdog = startWatchdog(child);
  running.set(child, { watchdog, dir });
  let exit: ChildExit | null = null;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      resolve(exit);
    });
  });
  let stopped = false;
  return {
    exited,
    exit: () => exit,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      stopWatchdog(watchdog);
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * A shell that waits for its stdin to close, then kills the server. Its stdin is a pipe
 * from this process, so it closes however this process ends, even on SIGKILL.
 */
function startWatchdog(child: ChildProcess): ChildProcess | null {
  if (child.pid === undefined) return null;
  const watchdog = spawn(
    'sh',
    ['-c', 'cat >/dev/null; kill -TERM "$1" 2>/dev/null; sleep 5; kill -KILL "$1" 2>/dev/null', 'pymem-watchdog', String(child.pid)],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  );
  watchdog.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep the test process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

function stopWatchdog(watchdog: ChildProcess | null): void {
  if (watchdog === null) return;
  // Kill the shell first so closing the pipe cannot make it kill a reused pid later.
  watchdog.kill('SIGKILL');
  watchdog.stdin?.destroy();
}
