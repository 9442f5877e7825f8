/**
 * New entities per author (issue 12, docs/security.md "New entities per author"), against a real
 * LatticeNode + MeshNode ('m') through scripted links: one author's flood of new entities is held
 * to NEW_ENTITY_BURST, then NEW_ENTITIES_PER_SECOND; the rest is refused with its reason, counted
 * in securityStats(), not charged to the link and asked for again later; updates of entities m
 * already holds and another author's new entities still go through.
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../src/core/merge/version';
import { NEW_ENTITIES_PER_SECOND, NEW_ENTITY_BURST } from '../../../src/node/security/new-entity-limit';
import { T0, versionsFrame } from '../node/mesh/scripted-peers';
import { note, scene } from './attack-scene';

const FRAME = 2_000;

describe('attack suite: a flood of new entities from one author', () => {
  it('holds one author to its bound, counts the rest, and serves everyone else', async () => {
    const s = await scene();
    const flood = Array.from({ length: NEW_ENTITY_BURST + 500 }, (_, i) => note(`f${i}`, 'x', T0 - 1000, 'flood'));
    for (let i = 0; i < flood.length; i += FRAME) {
      s.mallory.send(versionsFrame(flood.slice(i, i + FRAME), true));
      s.h.tick(0);
    }
    expect((await s.h.node.stats()).entities).toBe(NEW_ENTITY_BURST);
    const stats = s.h.mesh.securityStats();
    expect(stats.rejected['entity-limit']).toBe(500);
    expect(stats.newEntitiesRefused).toBe(500);
    // Not the link's fault (a relay passes a member's burst on): nothing charged, the link stays.
    expect(s.h.mesh.peers().find((p) => p.peer === 'x')?.invalidFrames ?? 0).toBe(0);
    expect(s.h.logs.some((l) => l.includes('refused 500 versions of new entities from x'))).toBe(true);

    // The flooder's updates of entities m holds still go through; another author's new entity too.
    const update: Version = note('f0', 'x', T0 - 500, 'updated');
    s.mallory.send(versionsFrame([update], true));
    s.alice.send(versionsFrame([note('a-new', 'a', T0 - 500, 'hello')], true));
    s.h.tick(0);
    expect((await s.h.node.heads('f0', 'zz_note')).map((h) => (h.value as { text: string }).text)).toEqual(['updated']);
    expect(await s.h.node.get('a-new')).toBeDefined();

    // A second later the flooder has NEW_ENTITIES_PER_SECOND more, and no more.
    s.h.tick(1000);
    s.mallory.send(versionsFrame(flood.slice(NEW_ENTITY_BURST), true));
    s.h.tick(0);
    expect((await s.h.node.stats()).entities).toBe(NEW_ENTITY_BURST + 1 + NEW_ENTITIES_PER_SECOND);
  });
});
