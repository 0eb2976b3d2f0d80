/**
 * OAuth mode (issue 14): every request runs inside its installation's scope, so the Slack calls it
 * leads to use that installation's token; an uninstall or revoked bot tokens remove the installation.
 */

import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { withInstallation } from '../src/installations/scope';
import { describeKey, keyOfQuery } from '../src/installations/bolt-store';
import type { InstallationKey } from '../src/store/store';

export interface InstallationDeps {
  /** Removes the installation and whatever runs for it; resolves once it is gone. */
  readonly removeInstallation: (key: InstallationKey) => Promise<void>;
  readonly logger: Logger;
}

export function registerInstallations(app: App, deps: InstallationDeps): void {
  // A global middleware: it wraps every listener Bolt calls for this request.
  app.use(async ({ context, next }) => {
    const botToken = context.botToken;
    if (botToken === undefined) {
      await next();
      return;
    }
    await withInstallation({ key: keyOfQuery(context), botToken }, next);
  });

  app.event('app_uninstalled', async ({ context }) => {
    const key = keyOfQuery(context);
    deps.logger.info({ installation: describeKey(key) }, 'pymem was uninstalled; removing the installation');
    await deps.removeInstallation(key);
  });

  app.event('tokens_revoked', async ({ event, context }) => {
    // Only the bot's tokens matter: pymem never uses a user token.
    if ((event.tokens.bot ?? []).length === 0) return;
    const key = keyOfQuery(context);
    deps.logger.info({ installation: describeKey(key) }, "the bot's tokens were revoked; removing the installation");
    await deps.removeInstallation(key);
  });
}
