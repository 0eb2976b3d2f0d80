/**
 * Keeps a report message equal to the stored state, however many ticks arrive at once.
 *
 * Ticks only write to the store; this re-renders from the store. Per incident, one refresh runs at
 * a time and any request made meanwhile is folded into one more pass, so a burst of twenty clicks
 * costs a handful of chat.update calls. After each update it re-reads the version: if a tick landed
 * while the update was on its way (here or on another replica), it renders again. The last update
 * any replica sends is therefore always followed by a check against the latest version.
 */

import type { Logger } from 'pino';
import type { Store } from '../store/store';
import type { SlackGateway } from '../slack/gateway';
import { reportMessage } from '../slack/blocks';

interface Pass {
  dirty: boolean;
  readonly done: Promise<void>;
}

export interface UpdaterDeps {
  readonly store: Store;
  readonly slack: SlackGateway;
  readonly logger: Logger;
  readonly digestsAvailable: boolean;
  /** Safety bound on passes per refresh, in case the version never settles. */
  readonly maxPasses?: number;
}

export class MessageUpdater {
  private readonly running = new Map<string, Pass>();

  constructor(private readonly deps: UpdaterDeps) {}

  /** Resolves once the message shows a version at least as new as the one stored when this was called. */
  refresh(incidentId: string): Promise<void> {
    const current = this.running.get(incidentId);
    if (current) {
      current.dirty = true;
      return current.done;
    }
    const pass: { dirty: boolean; done: Promise<void> } = { dirty: true, done: Promise.resolve() };
    this.running.set(incidentId, pass);
    pass.done = this.loop(incidentId, pass);
    return pass.done;
  }

  /** Refreshes still running (for graceful shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((p) => p.done));
  }

  private async loop(incidentId: string, pass: Pass): Promise<void> {
    const maxPasses = this.deps.maxPasses ?? 25;
    try {
      for (let n = 0; ; n++) {
        // Checked and cleared in the same synchronous step, so a request arriving later starts a new pass.
        if (!pass.dirty || n >= maxPasses) {
          if (pass.dirty) this.deps.logger.warn({ incidentId }, 'checklist kept changing; stopped re-rendering after the pass limit');
          this.running.delete(incidentId);
          return;
        }
        await this.render(incidentId, pass);
      }
    } catch (error) {
      this.running.delete(incidentId);
      throw error;
    }
  }

  private async render(incidentId: string, pass: Pass): Promise<void> {
    pass.dirty = false;
    const incident = await this.deps.store.getIncident(incidentId);
    if (!incident || incident.messageTs === null) return;
    const state = await this.deps.store.checklistState(incidentId);
    const message = reportMessage({
      incidentId,
      service: incident.service,
      windowMs: incident.windowMs,
      createdBy: incident.createdBy,
      createdAt: incident.createdAt,
      report: incident.report,
      state,
      digestsAvailable: this.deps.digestsAvailable,
    });
    await this.deps.slack.updateMessage(incident.channelId, incident.messageTs, message);
    const after = await this.deps.store.getIncident(incidentId);
    if (after && after.version !== incident.version) pass.dirty = true;
  }
}
