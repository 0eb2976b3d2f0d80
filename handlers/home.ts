/** The App Home tab: published afresh whenever someone opens it. Bolt acknowledges events itself. */

import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { HomeService } from '../src/bot/home';
import type { Telemetry } from '../src/observability/telemetry';

export function registerHome(app: App, deps: { readonly home: HomeService; readonly logger: Logger; readonly telemetry: Telemetry }): void {
  app.event('app_home_opened', async ({ event }) => {
    // The Messages tab opens the same event; only the Home tab is ours to draw.
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    const log = deps.logger.child({ event: 'app_home_opened', user: event.user });
    deps.telemetry.actionHandled('home', await deps.home.publish(event.user, log));
  });
}
