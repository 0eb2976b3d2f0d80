/**
 * The installations table (issue 14) both stores share: its migration, its columns beside its
 * schema, and the one key an installation is found by.
 */

import { z } from 'zod';
import { StoreError, type InstallationKey, type StoredInstallation } from './store';
import type { ColumnTypes } from './rows';

export const SELECT_INSTALLATION = `SELECT enterprise_id, team_id, is_enterprise_install, bot_token, bot_user_id, installation_json, installed_at FROM installations`;

/**
 * The primary key: an org-wide installation is the organisation's, any other the workspace's (team
 * ids are unique across Slack, so a workspace in a Grid is found by its team id alone).
 */
export function installationKeyOf(key: InstallationKey): string {
  if (key.isEnterpriseInstall) {
    if (key.enterpriseId === null || key.enterpriseId === '') throw new StoreError('not-found', 'an org-wide installation needs its enterprise id');
    return `enterprise:${key.enterpriseId}`;
  }
  if (key.teamId === null || key.teamId === '') throw new StoreError('not-found', 'an installation needs the team id of its workspace');
  return `team:${key.teamId}`;
}

/** SQLite (`STRICT`, INTEGER times and flags) or PostgreSQL (BIGINT, BOOLEAN). */
export function installationTableSql(dialect: 'sqlite' | 'postgres'): string {
  const time = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const flag = dialect === 'sqlite' ? 'INTEGER NOT NULL CHECK (is_enterprise_install IN (0, 1))' : 'BOOLEAN NOT NULL';
  const strict = dialect === 'sqlite' ? ' STRICT' : '';
  return `
    CREATE TABLE IF NOT EXISTS installations (
      installation_key      TEXT PRIMARY KEY,
      enterprise_id         TEXT,
      team_id               TEXT,
      is_enterprise_install ${flag},
      bot_token             TEXT NOT NULL,
      bot_user_id           TEXT,
      installation_json     TEXT NOT NULL,
      installed_at          ${time} NOT NULL
    )${strict};
  `;
}

/** The values of an INSERT, in the order of `INSTALLATION_COLUMNS`. */
export const INSTALLATION_COLUMNS = 'installation_key, enterprise_id, team_id, is_enterprise_install, bot_token, bot_user_id, installation_json, installed_at';

export function installationValues(installation: StoredInstallation, flag: (b: boolean) => boolean | number): unknown[] {
  const json = JSON.stringify(installation.installation) as string | undefined;
  if (json === undefined) throw new StoreError('corrupt', 'an installation must be JSON-able data');
  return [
    installationKeyOf(installation),
    installation.enterpriseId,
    installation.teamId,
    flag(installation.isEnterpriseInstall),
    installation.botToken,
    installation.botUserId,
    json,
    installation.installedAt,
  ];
}

/** Reads installation rows; a failure is a StoreError('corrupt') naming the store, never a token. */
export class InstallationRowReader {
  readonly #schema;

  constructor(
    private readonly where: string,
    { millis, checked }: ColumnTypes,
  ) {
    this.#schema = z.object({
      enterprise_id: z.string().nullable(),
      team_id: z.string().nullable(),
      is_enterprise_install: checked,
      bot_token: z.string(),
      bot_user_id: z.string().nullable(),
      installation_json: z.string(),
      installed_at: millis,
    });
  }

  installation(row: unknown): StoredInstallation {
    const parsed = this.#schema.safeParse(row);
    // The message names the columns that failed, never their values: the row holds tokens.
    if (!parsed.success) {
      throw new StoreError('corrupt', `${this.where}: an installation has unexpected columns (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}); was the database written by another program?`);
    }
    const r = parsed.data;
    let installation: unknown;
    try {
      installation = JSON.parse(r.installation_json);
    } catch {
      throw new StoreError('corrupt', `${this.where}: the installation of ${r.team_id ?? r.enterprise_id ?? 'an unknown team'} is not valid JSON; install the app there again.`);
    }
    return {
      enterpriseId: r.enterprise_id,
      teamId: r.team_id,
      isEnterpriseInstall: r.is_enterprise_install,
      botToken: r.bot_token,
      botUserId: r.bot_user_id,
      installation,
      installedAt: r.installed_at,
    };
  }
}

/**
 * Migration 7: the workspace each subscription and incident belongs to. Rows from before OAuth mode
 * get '' (the single-token mode's one workspace), so they go on as before.
 */
export const WORKSPACE_COLUMNS_SQL = `
  ALTER TABLE subscriptions ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE subscriptions ADD COLUMN enterprise_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE incidents ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE incidents ADD COLUMN enterprise_id TEXT NOT NULL DEFAULT '';
`;
