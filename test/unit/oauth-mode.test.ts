/** OAuth mode (issue 14): its settings, the Bolt installation store over pymem's store, and the scope calls run in. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Installation } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { loadBotConfig, secretsOf } from '../../src/config/bot';
import { botConfigIssues } from '../support/bot-config-issues';
import { StoreInstallationStore } from '../../src/installations/bolt-store';
import { InstallationGateway } from '../../src/installations/gateway';
import { currentInstallation, withInstallation } from '../../src/installations/scope';
import { noTelemetry } from '../../src/observability/telemetry';
import { BOT_SCOPES } from '../../src/slack/scopes';
import { SlackCallError } from '../../src/slack/gateway';
import { InMemoryStore } from '../support/fakes/in-memory-store';

const OAUTH = { SLACK_CLIENT_ID: '1111.2222', SLACK_CLIENT_SECRET: 'client-secret', SLACK_STATE_SECRET: 'a-state-secret-of-32-characters!', SLACK_SIGNING_SECRET: 'signing' };
const BASE = { PROMETHEUS_URL: 'http://prometheus:9090' };

const issues = (env: Record<string, string>): readonly string[] => botConfigIssues({ ...BASE, ...env });

describe('OAuth mode settings', () => {
  it('turns on with all three variables and the signing secret, without a bot token', () => {
    const config = loadBotConfig({ ...BASE, ...OAUTH }, { cores: 2 });
    expect(config.slack).toMatchObject({ botToken: null, appToken: null, oauth: { clientId: '1111.2222', clientSecret: 'client-secret' } });
    // The client and state secrets are scrubbed from logs like the tokens.
    expect(secretsOf(config)).toEqual(expect.arrayContaining(['client-secret', OAUTH.SLACK_STATE_SECRET, 'signing']));
  });

  it('names every missing or conflicting setting at once', () => {
    expect(issues({ SLACK_CLIENT_ID: '1111.2222' })).toEqual([
      expect.stringMatching(/^SLACK_CLIENT_SECRET: required in OAuth mode/),
      expect.stringMatching(/^SLACK_STATE_SECRET: required in OAuth mode/),
    ]);
    expect(issues({ ...OAUTH, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN: leave it unset in OAuth mode/),
      expect.stringMatching(/^SLACK_APP_TOKEN: OAuth mode needs HTTP mode/),
    ]);
    expect(issues({ ...OAUTH, SLACK_STATE_SECRET: 'short' })).toEqual([expect.stringMatching(/^SLACK_STATE_SECRET: too short/)]);
    const { SLACK_SIGNING_SECRET: _unused, ...withoutSigning } = OAUTH;
    expect(issues(withoutSigning)).toEqual([expect.stringMatching(/^SLACK_SIGNING_SECRET: required in OAuth mode/)]);
  });

  it('asks for the scopes manifest.yml and manifest.distributed.yml declare', () => {
    for (const file of ['manifest.yml', 'manifest.distributed.yml']) {
      const text = readFileSync(join(__dirname, '..', '..', file), 'utf8');
      const bot = text.slice(text.indexOf('    bot:'), text.indexOf('settings:'));
      const scopes = [...bot.matchAll(/^\s+- ([a-z.:]+)\s*$/gm)].map((m) => m[1]);
      expect(scopes, file).toEqual(BOT_SCOPES);
    }
  });
});

function boltInstallation(teamId: string, token: string): Installation<'v2', false> {
  return {
    team: { id: teamId, name: teamId },
    enterprise: undefined,
    user: { token: undefined, scopes: undefined, id: 'U0INSTALLER' },
    bot: { token, scopes: [...BOT_SCOPES], id: 'B0PYMEM', userId: 'U0PYMEM' },
    appId: 'A0PYMEM',
    tokenType: 'bot',
    isEnterpriseInstall: false,
    authVersion: 'v2',
  };
}

describe('StoreInstallationStore', () => {
  async function fresh() {
    const store = new InMemoryStore();
    await store.migrate();
    return { store, bolt: new StoreInstallationStore(store, () => 1_700_000_000_000) };
  }

  it('stores what Bolt hands over and gives it back for the team', async () => {
    const { store, bolt } = await fresh();
    await bolt.storeInstallation(boltInstallation('T0ALPHA', 'xoxb-alpha'));
    expect(await bolt.fetchInstallation({ teamId: 'T0ALPHA', enterpriseId: undefined, isEnterpriseInstall: false })).toEqual(boltInstallation('T0ALPHA', 'xoxb-alpha'));
    expect(await store.installations()).toMatchObject([{ teamId: 'T0ALPHA', enterpriseId: null, botToken: 'xoxb-alpha', botUserId: 'U0PYMEM', installedAt: 1_700_000_000_000 }]);
  });

  it('keys an org-wide installation by its enterprise, and finds it from any of its workspaces', async () => {
    const { store, bolt } = await fresh();
    const org: Installation<'v2', true> = { ...boltInstallation('T0X', 'xoxb-org'), team: undefined, enterprise: { id: 'E0GRID', name: 'Grid' }, isEnterpriseInstall: true };
    await bolt.storeInstallation(org);
    expect(await store.installations()).toMatchObject([{ teamId: null, enterpriseId: 'E0GRID', isEnterpriseInstall: true }]);
    expect(await bolt.fetchInstallation({ teamId: undefined, enterpriseId: 'E0GRID', isEnterpriseInstall: true })).toEqual(org);
    await bolt.deleteInstallation({ teamId: undefined, enterpriseId: 'E0GRID', isEnterpriseInstall: true });
    expect(await store.installations()).toEqual([]);
  });

  it('refuses an installation without a bot token, and fails the lookup of a team that has none', async () => {
    const { bolt } = await fresh();
    const { bot: _bot, ...userOnly } = boltInstallation('T0ALPHA', 'xoxb-alpha');
    await expect(bolt.storeInstallation(userOnly)).rejects.toThrow(/no bot token/);
    await expect(bolt.fetchInstallation({ teamId: 'T0NONE', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow('pymem is not installed in workspace T0NONE');
  });
});

describe('the installation scope', () => {
  it('follows work across awaits and timers, and is gone outside', async () => {
    const scope = { key: { enterpriseId: null, teamId: 'T0ALPHA', isEnterpriseInstall: false }, botToken: 'xoxb-alpha' };
    const seen = await withInstallation(scope, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return new Promise((resolve) => setImmediate(() => resolve(currentInstallation()?.key.teamId)));
    });
    expect(seen).toBe('T0ALPHA');
    expect(currentInstallation()).toBeUndefined();
  });

  it('makes the gateway refuse a call outside any installation rather than guess a token', async () => {
    const gateway = new InstallationGateway({ slackApiUrl: 'http://127.0.0.1:9/api/' }, noTelemetry);
    const error = await gateway.postMessage('C0ALPHA', { text: 'x', blocks: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackCallError);
    expect((error as SlackCallError).code).toBe('no_installation');
  });
});
