/**
 * Bolt's InstallationStore over pymem's own store (issue 14): installations live beside incidents
 * and subscriptions, in SQLite or PostgreSQL, so every replica sees the same ones.
 */

import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { InstallationKey, InstallationStorePart, StoredInstallation } from '../store/store';

export class StoreInstallationStore implements InstallationStore {
  constructor(
    private readonly store: InstallationStorePart,
    private readonly clock: () => number,
    /** Told of every removal (uninstall, revoked tokens), to drop cached clients. */
    private readonly onDelete: (key: InstallationKey) => void = () => undefined,
  ) {}

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(installation: Installation<AuthVersion, boolean>): Promise<void> {
    const botToken = installation.bot?.token;
    // pymem acts as its bot user only; an install without one (user scopes alone) cannot post anything.
    if (botToken === undefined) throw new Error('the installation has no bot token: add the bot scopes to the app (see manifest.distributed.yml) and install again');
    await this.store.saveInstallation({
      ...keyOfInstallation(installation),
      botToken,
      botUserId: installation.bot?.userId ?? null,
      installation,
      installedAt: this.clock(),
    });
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const stored = await this.store.fetchInstallation(keyOfQuery(query));
    // Bolt turns this into an authorization error: the request is not answered, as Slack expects for an app that is not installed.
    if (stored === null) throw new Error(`pymem is not installed in ${describeKey(keyOfQuery(query))}`);
    return installationOf(stored);
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const key = keyOfQuery(query);
    await this.store.deleteInstallation(key);
    this.onDelete(key);
  }
}

export function keyOfQuery(query: { readonly enterpriseId?: string | undefined; readonly teamId?: string | undefined; readonly isEnterpriseInstall?: boolean | undefined }): InstallationKey {
  return { enterpriseId: query.enterpriseId ?? null, teamId: query.teamId ?? null, isEnterpriseInstall: query.isEnterpriseInstall === true };
}

function keyOfInstallation(installation: Installation<'v1' | 'v2', boolean>): InstallationKey {
  return {
    enterpriseId: installation.enterprise?.id ?? null,
    teamId: installation.isEnterpriseInstall === true ? null : (installation.team?.id ?? null),
    isEnterpriseInstall: installation.isEnterpriseInstall === true,
  };
}

/** What was stored is what Bolt handed over; the bot token column wins should the two ever differ. */
function installationOf(stored: StoredInstallation): Installation<'v1' | 'v2', boolean> {
  const installation = stored.installation as Installation<'v1' | 'v2', boolean>;
  return installation.bot ? { ...installation, bot: { ...installation.bot, token: stored.botToken } } : installation;
}

/** "workspace T0…" or "organisation E0…", for messages (never a token). */
export function describeKey(key: InstallationKey): string {
  return key.isEnterpriseInstall ? `organisation ${key.enterpriseId ?? '(unknown)'}` : `workspace ${key.teamId ?? '(unknown)'}`;
}
