/** The sync path decodes versions as scenario 1 measures it: one id cache per link, reused across frames. */
import { describe, expect, it, vi } from 'vitest';
import { IdCache } from '../../../../src/core/wire';
import { Pair, version } from './session-pair';

describe('a link decoding versions', () => {
  it('builds its ids through one id cache, the link’s, for every frame', () => {
    // Entity ids reach the cache hashed from their front-coded prefix (IdCache.getHashed, tables.ts).
    const get = vi.spyOn(IdCache.prototype, 'getHashed');
    try {
      const p = new Pair(
        Array.from({ length: 400 }, (_, i) => version(i)),
        [],
        { repairFrameBytes: 2_048 },
      );
      p.flush();
      expect(p.b.index.size).toBe(400);
      expect(p.a.sentOf('versions').length).toBeGreaterThan(1);
      // Only b decoded versions, in several frames, through one cache.
      expect(get.mock.calls.length).toBeGreaterThanOrEqual(400);
      expect(new Set(get.mock.contexts).size).toBe(1);
    } finally {
      get.mockRestore();
    }
  });
});
