/** Opens the store the settings ask for. The only place that picks an implementation. */

import type { DatabaseSettings } from '../config/bot';
import type { Store } from './store';
import { SqliteStore } from './sqlite';

export async function openStore(settings: DatabaseSettings): Promise<Store> {
  switch (settings.kind) {
    case 'sqlite': {
      const store = SqliteStore.open(settings.path);
      await store.migrate();
      return store;
    }
    case 'postgres':
      throw new Error('PostgreSQL support is not built in yet; use an SQLite path in DATABASE_URL');
    default: {
      const unknown: never = settings;
      throw new Error(`unknown database kind ${JSON.stringify(unknown)}`);
    }
  }
}
