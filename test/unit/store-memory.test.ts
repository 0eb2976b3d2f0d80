/**
 * The in-memory store the application-layer unit tests use runs the same contract as SQLite and
 * PostgreSQL: a fake that passes it cannot let a unit test pass that the real stores would fail.
 */

import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/store';
import { compareCodePoints, InMemoryStore, MemoryDatabase } from '../support/fakes/in-memory-store';
import { describeStoreContract, makeNewIncident } from '../support/store-suite';
import { describeVerifyStoreContract } from '../support/verify-store-suite';
import { describeInstallationStoreContract } from '../support/installation-store-suite';

/** One shared database per case; reopening is a second store on it, as a restart would be. */
async function memoryHarness() {
  const database = new MemoryDatabase();
  const opened = [new InMemoryStore(database)];
  return {
    store: opened[0]!,
    reopen: async () => {
      const store = new InMemoryStore(database);
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
    },
  };
}

describeStoreContract('in memory (test/support/fakes)', memoryHarness);

describeInstallationStoreContract('in memory (test/support/fakes)', memoryHarness);

describeVerifyStoreContract('in memory (test/support/fakes)', memoryHarness);

describe('InMemoryStore', () => {
  it('says to migrate when the schema is missing, as SQLite does', async () => {
    const store = new InMemoryStore();
    const error = await store.getIncident('inc-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('unavailable');
    expect((error as StoreError).message).toMatch(/migrate\(\)/);
  });

  it('refuses to attach one message to two incidents (the UNIQUE constraint on channel and ts)', async () => {
    const store = new InMemoryStore();
    await store.migrate();
    const a = await store.createIncident(makeNewIncident());
    const b = await store.createIncident(makeNewIncident());
    await store.attachMessage(a.id, '1.000100');
    const error = await store.attachMessage(b.id, '1.000100').catch((e: unknown) => e);
    expect((error as StoreError).code).toBe('conflict');
    expect((await store.findIncidentByMessage(a.channelId, '1.000100'))?.id).toBe(a.id);
  });

  it('orders text by code point, as the databases do (not by UTF-16 unit)', () => {
    // U+1F40D (a surrogate pair in UTF-16) is above U+FF5E; UTF-16 units would put it below.
    expect(compareCodePoints('\u{1F40D}', '\uFF5E')).toBeGreaterThan(0);
    expect('\u{1F40D}' < '\uFF5E').toBe(true);
    expect(['b', 'B', 'a_', 'a-'].sort(compareCodePoints)).toEqual(['B', 'a-', 'a_', 'b']);
  });
});
