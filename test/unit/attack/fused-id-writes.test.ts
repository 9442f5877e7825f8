/**
 * Writes under a fused id (docs/security.md, "Fused ids"): ids starting with `fused:` are fusion's
 * derived tracks (core/fusion/fused-id.ts), computed alike on every node from the sources' ids, so
 * anyone can compute the id a fused track will have. A stored entity under it would stand in
 * list() beside (or in place of) the view. Only a picture import refused one; now a peer's version
 * under such an id is refused at ingest before any check (`fused-id`, counted, logged, charged to
 * its author's own link, never merged nor relayed), and a local write is refused with a clear error.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors';
import { fusedId } from '../../../src/core/fusion/fused-id';
import type { EntityId } from '../../../src/core/ids';
import { pos, T0, versionsFrame } from '../node/mesh/scripted-peers';
import { scene } from './attack-scene';

describe('attack suite: writes under a fused id', () => {
  it('refuses a peer’s version under a fused id, counts it, charges its author’s link, relays nothing', async () => {
    const s = await scene();
    const target = fusedId(['a-radar-1', 'a-eo-1']);
    s.mallory.send(versionsFrame([pos(target, 'x', T0 - 100), pos('x-ok', 'x', T0 - 100)], true));
    s.h.tick();
    expect(await s.h.node.get(target)).toBeUndefined();
    expect((await s.h.node.list()).some((v) => v.id === target)).toBe(false);
    // The honest version of the same frame is taken.
    expect(await s.h.node.get('x-ok')).toBeDefined();
    const stats = s.h.mesh.securityStats();
    expect(stats.rejected['fused-id']).toBe(1);
    expect(s.h.mesh.peers().find((p) => p.peer === 'x')?.invalidFrames).toBe(1);
    expect(s.h.logs.some((l) => l.includes('under fused ids') && l.includes("fusion's derived tracks"))).toBe(true);
    await s.h.landed();
    expect(s.honest.versionsOut().map((v) => v.entity)).toEqual(['x-ok']);

    // Relayed by another node (which may hold it from an older build): refused, that link not charged.
    s.alice.send(versionsFrame([pos(fusedId(['b1', 'b2']), 'x', T0 - 90)], true));
    s.h.tick();
    expect(s.h.mesh.securityStats().rejected['fused-id']).toBe(2);
    expect(s.h.mesh.peers().find((p) => p.peer === 'a')?.invalidFrames ?? 0).toBe(0);
    // Alice's own writes still land.
    s.alice.send(versionsFrame([pos('a-1', 'a', T0 - 80)], true));
    s.h.tick();
    expect(await s.h.node.get('a-1')).toBeDefined();
  });

  it('refuses a local write under a fused id with a clear error', async () => {
    const s = await scene();
    const id = fusedId(['t1', 't2']) as string as EntityId;
    const created = s.h.node.create({ id, components: { position: { lat: 1, lon: 2 } } });
    await expect(created).rejects.toThrow(ValidationError);
    await expect(created).rejects.toThrow(/fusion's derived tracks; write on a source track instead/);
    await expect(s.h.node.writeMany([{ id, components: { position: { lat: 1, lon: 2 } } }])).rejects.toThrow(
      /fusion's derived tracks/,
    );
    expect(await s.h.node.get(id)).toBeUndefined();
  });
});
