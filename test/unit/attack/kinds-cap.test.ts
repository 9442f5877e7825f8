/**
 * The kinds cap of one entity (docs/security.md, "New registers per author"): only unknown kinds
 * are capped, in all and per author, so one writer cannot fill another author's entity, and the
 * tombstone and the known kinds always pass.
 */
import { describe, expect, it } from 'vitest';
import { MAX_UNKNOWN_KINDS_PER_AUTHOR } from '../../../src/core/entity/kind-cap';
import type { ComponentKind } from '../../../src/core/ids';
import { DELETED, type Version } from '../../../src/core/merge/version';
import { T0, versionsFrame } from '../node/mesh/scripted-peers';
import { note, scene } from './attack-scene';

const of = (v: Version, kind: string): Version => ({ ...v, kind: kind as ComponentKind });

describe('attack suite: squatting the kinds of an honest entity', () => {
  it('31 junk kinds on alice’s track: mallory gets 4, and alice still adds kinds and deletes it', async () => {
    const s = await scene();
    s.alice.send(versionsFrame([of(note('track', 'a', T0 - 2000, ''), 'zz_pos')], true));
    s.h.tick(0);
    const junk = Array.from({ length: 31 }, (_, i) => of(note('track', 'x', T0 - 1900, 'junk'), `zz_j${i}`));
    s.mallory.send(versionsFrame(junk, true));
    s.h.tick(0);
    expect(Object.keys((await s.h.node.get('track'))!.components)).toHaveLength(1 + MAX_UNKNOWN_KINDS_PER_AUTHOR);
    expect(s.h.mesh.securityStats().rejected['kinds-per-author']).toBe(31 - MAX_UNKNOWN_KINDS_PER_AUTHOR);
    // Alice's own new kind passes: the junk is mallory's, not hers.
    s.alice.send(versionsFrame([of(note('track', 'a', T0 - 1000, ''), 'zz_class')], true));
    s.h.tick(0);
    expect((await s.h.node.get('track'))!.components).toHaveProperty('zz_class');
    // And her delete: the tombstone is never capped.
    const tomb: Version = {
      entity: 'track' as never,
      kind: DELETED,
      value: null,
      ts: { ms: T0 - 900, c: 0, node: 'a' as never },
      seen: [],
    };
    s.alice.send(versionsFrame([tomb], true));
    s.h.tick(0);
    expect(await s.h.node.get('track')).toBeUndefined();
    expect(s.h.mesh.securityStats().rejected['kinds-per-entity'] ?? 0).toBe(0);
  });

  it('junk on a new entity before its author’s first version: two replicas agree whatever the arrival order', async () => {
    const v = of(note('newtrack', 'a', T0 - 1000, 'real'), 'zz_pos');
    const junk = Array.from({ length: 32 }, (_, i) => of(note('newtrack', 'x', T0 - 2000, 'junk'), `zz_j${i}`));
    const m1 = await scene(); // alice's version first
    m1.alice.send(versionsFrame([v], true));
    m1.h.tick(0);
    m1.mallory.send(versionsFrame(junk, true));
    m1.h.tick(0);
    const m2 = await scene(); // mallory front-runs
    m2.mallory.send(versionsFrame(junk, true));
    m2.h.tick(0);
    m2.alice.send(versionsFrame([v], true));
    m2.h.tick(0);
    const k1 = Object.keys((await m1.h.node.get('newtrack'))!.components).sort();
    const k2 = Object.keys((await m2.h.node.get('newtrack'))!.components).sort();
    expect(k1).toContain('zz_pos');
    expect(k2).toEqual(k1);
  });
});
