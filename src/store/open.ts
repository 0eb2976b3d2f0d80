/** Opens the store the settings ask for. The only place that picks an implementation. */

import type { DatabaseSettings } from '../config/bot';
import type { Store } from './store';
import { PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';

export async function openStore(settings: DatabaseSettings): Promise<Store> {
  switch (settings.kind) {
    case 'sqlite': {
      const store = SqliteStore.open(settings.path);
      await migrateOrClose(store);
      return store;
    }
    case 'postgres': {
      const store = await PostgresStore.connect(settings.url);
      await migrateOrClose(store);
      return store;
    }
    default: {
      const unknown: never = settings;
      throw new Error(`unknown database kind ${JSON.stringify(unknown)}`);
    }
  }
}

/** Migrates, closing the store when that fails so a failed start leaves no connection or file handle open. */
async function migrateOrClose(store: Store): Promise<void> {
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
