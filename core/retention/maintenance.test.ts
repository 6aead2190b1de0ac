import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createMaintenanceService } from './retention.js';

describe('maintenance service', () => {
  it('runs every task each interval, goes on after a failing one, and stops cleanly', async () => {
    const runs: string[] = [];
    const service = createMaintenanceService([
      { name: 'fails', run: async () => { runs.push('fails'); throw new Error('boom'); } },
      { name: 'works', run: async () => { runs.push('works'); return null; } },
    ], { intervalMs: 20, firstDelayMs: 1, log: createLogger({ level: 'silent' }) });
    expect((await service.start()).listeners).toEqual([]);
    await new Promise<void>((r) => { setTimeout(r, 120); });
    await service.stop(0);
    const count = runs.length;
    expect(count).toBeGreaterThanOrEqual(4);
    expect(runs.slice(0, 4)).toEqual(['fails', 'works', 'fails', 'works']);
    await new Promise<void>((r) => { setTimeout(r, 60); });
    expect(runs.length).toBe(count);
  });
});
