/**
 * Expiries whose deadline is not after their own write (docs/architecture.md, "Expiry"): taken,
 * they split replicas' floors (test/unit/core/store/expiry-in-past.test.ts), so a member that
 * writes one (hostile, or a buggy build) is refused at ingest on every node alike, before any
 * check: counted as `expiry-in-past`, logged, charged to its author's own link, never merged nor
 * relayed; a relay of one (an older build) is not charged. Outside the mesh (applyRemote) the node
 * refuses it too, before it can move the clock or be held.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { pos, T0, versionsFrame } from '../node/mesh/scripted-peers';
import { scene } from './attack-scene';

const expiry = (entity: string, author: string, ms: number, at: number, floor?: number): Version => ({
  entity: entity as EntityId,
  kind: 'expiry' as ComponentKind,
  value: floor === undefined ? { at } : { at, floor },
  ts: { ms, c: 0, node: author as NodeId },
  seen: [],
});

describe('attack suite: an expiry whose deadline is not after its own write', () => {
  it('is refused at ingest, counted, charged to its author’s link, never merged nor relayed', async () => {
    const s = await scene();
    s.alice.send(versionsFrame([pos('t', 'a', T0 - 500)], true));
    s.h.tick();
    s.mallory.send(versionsFrame([expiry('t', 'x', T0 - 100, T0 - 100), pos('x-ok', 'x', T0 - 100)], true));
    s.h.tick();
    expect(await s.h.node.get('t')).toBeDefined();
    expect((await s.h.node.heads('t', 'expiry')).length).toBe(0);
    // The valid version of the same frame is taken.
    expect(await s.h.node.get('x-ok')).toBeDefined();
    expect(s.h.mesh.securityStats().rejected['expiry-in-past']).toBe(1);
    expect(s.h.mesh.peers().find((p) => p.peer === 'x')?.invalidFrames).toBe(1);
    expect(s.h.logs.some((l) => l.includes('whose deadline is not after their own write'))).toBe(true);
    await s.h.landed();
    expect(s.honest.versionsOut().map((v) => `${v.entity}/${v.kind}`)).not.toContain('t/expiry');

    // Served by another node in anti-entropy (which may hold it from an older build): refused, that link not charged.
    s.alice.send(versionsFrame([expiry('t', 'x', T0 - 90, T0 - 200)], false));
    s.h.tick();
    expect(s.h.mesh.securityStats().rejected['expiry-in-past']).toBe(2);
    expect(s.h.mesh.peers().find((p) => p.peer === 'a')?.invalidFrames ?? 0).toBe(0);
    // A deadline one millisecond after its write is an ordinary expiry.
    s.alice.send(versionsFrame([expiry('t', 'a', T0 - 80, T0 - 79)], true));
    s.h.tick();
    expect((await s.h.node.heads('t', 'expiry')).length).toBe(1);
  });

  it('one that carries a floor at or after its own write is refused the same way; one before it is taken', async () => {
    const s = await scene();
    s.alice.send(versionsFrame([pos('t', 'a', T0 - 500), pos('t2', 'a', T0 - 500)], true));
    s.h.tick();
    // A floor at its own write would remove what was written with it and after: refused at ingest.
    s.mallory.send(versionsFrame([expiry('t', 'x', T0 - 100, T0 + 60_000, T0 - 100)], true));
    s.h.tick();
    expect(s.h.mesh.securityStats().rejected['expiry-in-past']).toBe(1);
    expect((await s.h.node.heads('t', 'expiry')).length).toBe(0);
    expect((await s.h.node.get('t'))?.components.position).toBeDefined();
    // Outside the mesh too.
    expect(s.h.node.applyRemote([expiry('t', 'x', T0 - 90, T0 + 60_000, T0 + 10)])).toEqual([]);
    expect((await s.h.node.stats()).rejected['expiry-in-past']).toBe(1);
    // A floor before its write removes what a tombstone of that author could: taken.
    s.alice.send(versionsFrame([expiry('t2', 'a', T0 - 80, T0 + 60_000, T0 - 400)], true));
    s.h.tick();
    expect((await s.h.node.heads('t2', 'expiry')).length).toBe(1);
    expect((await s.h.node.get('t2'))?.components.position).toBeUndefined();
  });

  it('is refused outside the mesh too (applyRemote), counted, without moving the clock or being held', async () => {
    const s = await scene();
    // Within the skew limit (an honest write this far ahead moves the clock), and beyond it (held).
    const near = T0 + 30_000;
    const far = T0 + 120_000;
    const refused = [expiry('t', 'x', near, near), expiry('u', 'x', far, far - 1)];
    expect(s.h.node.applyRemote(refused)).toEqual([]);
    const stats = await s.h.node.stats();
    expect(stats.rejected['expiry-in-past']).toBe(2);
    expect(stats.held ?? []).toEqual([]);
    // The next local write is stamped by our own clock, not the refused versions'.
    await s.h.node.create({ id: 'mine', components: { speed: { kts: 1 } } });
    const mine = [...s.h.node.versions()].find((v) => v.entity === 'mine')!;
    expect(mine.ts.ms).toBeLessThan(near);
  });
});
