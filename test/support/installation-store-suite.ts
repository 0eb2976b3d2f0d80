/**
 * The Store contract for installations (issue 14), run by every implementation beside
 * describeStoreContract, as @slack/oauth's installation-store spec utils are.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, type Store, type StoredInstallation } from '../../src/store/store';
import { makeNewIncident, type StoreHarness } from './store-suite';

const T0 = Date.parse('2026-03-02T12:00:00.000Z');

export function makeInstallation(overrides: Partial<StoredInstallation> = {}): StoredInstallation {
  const teamId = overrides.teamId === undefined ? 'T0ALPHA' : overrides.teamId;
  return {
    enterpriseId: null,
    teamId,
    isEnterpriseInstall: false,
    botToken: `xoxb-${teamId ?? 'org'}-token`,
    botUserId: 'U0PYMEM',
    installation: { team: { id: teamId, name: 'Alpha – ünïcode' }, bot: { token: `xoxb-${teamId ?? 'org'}-token`, scopes: ['commands', 'chat:write'] }, appId: 'A0PYMEM' },
    installedAt: T0,
    ...overrides,
  };
}

export function describeInstallationStoreContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`Store contract, installations: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
      await store.migrate();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('saves, fetches and lists workspace installations by team', async () => {
      const alpha = makeInstallation();
      const beta = makeInstallation({ teamId: 'T0BETA', botToken: 'xoxb-beta', botUserId: null });
      await store.saveInstallation(beta);
      await store.saveInstallation(alpha);
      expect(await store.fetchInstallation({ enterpriseId: null, teamId: 'T0ALPHA', isEnterpriseInstall: false })).toStrictEqual(alpha);
      expect(await store.fetchInstallation({ enterpriseId: null, teamId: 'T0BETA', isEnterpriseInstall: false })).toStrictEqual(beta);
      expect(await store.fetchInstallation({ enterpriseId: null, teamId: 'T0GAMMA', isEnterpriseInstall: false })).toBeNull();
      expect(await store.installations()).toStrictEqual([alpha, beta]);
    });

    it('replaces an installation on reinstall, keeping one row per team', async () => {
      await store.saveInstallation(makeInstallation());
      const again = makeInstallation({ botToken: 'xoxb-new', installedAt: T0 + 1000, installation: { scopes: ['commands'] } });
      await store.saveInstallation(again);
      expect(await store.installations()).toStrictEqual([again]);
    });

    it('finds a workspace of a Grid by its team, and an org-wide installation by its enterprise', async () => {
      const workspace = makeInstallation({ enterpriseId: 'E0GRID', teamId: 'T0ALPHA' });
      const org = makeInstallation({ enterpriseId: 'E0GRID', teamId: null, isEnterpriseInstall: true, botToken: 'xoxb-org' });
      await store.saveInstallation(workspace);
      await store.saveInstallation(org);
      expect(await store.fetchInstallation({ enterpriseId: 'E0GRID', teamId: 'T0ALPHA', isEnterpriseInstall: false })).toStrictEqual(workspace);
      // A request from any workspace of an org-wide installation carries is_enterprise_install and a team id of its own.
      expect(await store.fetchInstallation({ enterpriseId: 'E0GRID', teamId: 'T0OTHER', isEnterpriseInstall: true })).toStrictEqual(org);
      expect(await store.deleteInstallation({ enterpriseId: 'E0GRID', teamId: 'T0OTHER', isEnterpriseInstall: true })).toBe(true);
      expect(await store.installations()).toStrictEqual([workspace]);
    });

    it('deletes one installation and leaves the others', async () => {
      await store.saveInstallation(makeInstallation());
      const beta = makeInstallation({ teamId: 'T0BETA' });
      await store.saveInstallation(beta);
      expect(await store.deleteInstallation({ enterpriseId: null, teamId: 'T0ALPHA', isEnterpriseInstall: false })).toBe(true);
      expect(await store.deleteInstallation({ enterpriseId: null, teamId: 'T0ALPHA', isEnterpriseInstall: false })).toBe(false);
      expect(await store.installations()).toStrictEqual([beta]);
    });

    it('refuses a key without the id it needs', async () => {
      await expect(store.fetchInstallation({ enterpriseId: null, teamId: null, isEnterpriseInstall: false })).rejects.toBeInstanceOf(StoreError);
      await expect(store.saveInstallation(makeInstallation({ teamId: null, isEnterpriseInstall: true }))).rejects.toThrow(/enterprise id/);
    });

    it('keeps the workspace of each subscription, the single-token mode\'s as empty ids', async () => {
      const base = { service: 'checkout-api', createdBy: 'U0ALICE', createdAt: T0 };
      await store.subscribe({ ...base, channelId: 'C0ALPHA', teamId: 'T0ALPHA', enterpriseId: 'E0GRID' });
      await store.subscribe({ ...base, channelId: 'C0SINGLE' });
      expect((await store.allSubscriptions()).map((s) => [s.channelId, s.teamId, s.enterpriseId])).toEqual([
        ['C0ALPHA', 'T0ALPHA', 'E0GRID'],
        ['C0SINGLE', '', ''],
      ]);
      expect(await store.subscriptions('C0ALPHA')).toMatchObject([{ teamId: 'T0ALPHA', enterpriseId: 'E0GRID' }]);
    });

    it('keeps the workspace of each incident, the single-token mode\'s as empty ids', async () => {
      const alpha = await store.createIncident(makeNewIncident({ teamId: 'T0ALPHA', enterpriseId: 'E0GRID' }));
      const single = await store.createIncident(makeNewIncident());
      expect(alpha).toMatchObject({ teamId: 'T0ALPHA', enterpriseId: 'E0GRID' });
      expect(await store.getIncident(alpha.id)).toStrictEqual(alpha);
      expect(await store.getIncident(single.id)).toMatchObject({ teamId: '', enterpriseId: '' });
      await store.attachMessage(alpha.id, '1772438400.000100');
      expect(await store.findIncidentByMessage(alpha.channelId, '1772438400.000100')).toMatchObject({ teamId: 'T0ALPHA' });
    });

    it('keeps installations for a restarted process', async () => {
      if (!harness.reopen) return;
      const alpha = makeInstallation();
      await store.saveInstallation(alpha);
      const again = await harness.reopen();
      await again.migrate();
      expect(await again.installations()).toStrictEqual([alpha]);
    });
  });
}
