/**
 * Which installation the work in progress belongs to (issue 14, OAuth mode). Bolt authorizes each
 * request and a middleware runs its listeners inside a scope; every Slack call made on its behalf,
 * however deep and however late (a report finishing after the acknowledgement), finds the token here.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { InstallationKey } from '../store/store';

export interface InstallationScope {
  readonly key: InstallationKey;
  /** Holds the token: never log the scope. */
  readonly botToken: string;
}

const scopes = new AsyncLocalStorage<InstallationScope>();

/** Runs `work` (and everything it starts) on behalf of one installation. */
export function withInstallation<T>(scope: InstallationScope, work: () => T): T {
  return scopes.run(scope, work);
}

/** The installation of the work in progress, or undefined outside any (e.g. a timer of the single-token mode). */
export function currentInstallation(): InstallationScope | undefined {
  return scopes.getStore();
}
