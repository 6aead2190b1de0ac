// Chooses a backend from config. Only server.ts and scripts/ call this.
import type { Store } from './types.js';

export async function openStore(options: { backend: 'sqlite' | 'mongodb'; dataDir: string; mongodbUri?: string }): Promise<Store> {
  if (options.backend === 'mongodb') {
    throw new Error('the MongoDB backend is not available in this version; set storage.backend = sqlite');
  }
  const { openSqliteStore } = await import('./sqlite/index.js');
  return openSqliteStore({ dataDir: options.dataDir });
}
