/**
 * New registers per author (docs/security.md "New registers per author"), against a real
 * LatticeNode + MeshNode ('m') through scripted links: one author's flood of new entities or of
 * new components is held to its burst, then its rate; the rest is refused with its reason, counted
 * in securityStats(), not charged to the link; what is over the bound costs no signature check;
 * each author pays for what it adds, never for another's entity.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { T0, versionsFrame } from '../node/mesh/scripted-peers';
import { signNow, testIdentity } from '../support/test-keys';
import { note, scene } from './attack-scene';

const FRAME = 2_000;
const of = (v: Version, kind: string): Version => ({ ...v, kind: kind as ComponentKind });
/** A small bucket: 10 new registers, then one a second. */
const small = { registerLimits: { burst: 10, ratePerSecond: 1, maxAuthors: 4096 } };
/** Scaled down from NEW_REGISTER_BURST and NEW_REGISTERS_PER_SECOND so that signing the flood takes seconds. */
const NEW_REGISTER_BURST = 5_000;
const NEW_REGISTERS_PER_SECOND = 50;
const scaled = {
  registerLimits: { burst: NEW_REGISTER_BURST, ratePerSecond: NEW_REGISTERS_PER_SECOND, maxAuthors: 4096 },
};

describe('attack suite: a flood of new registers from one author', () => {
  it('holds one author to its bound, counts the rest, and serves everyone else', async () => {
    const s = await scene(scaled);
    const flood = Array.from({ length: NEW_REGISTER_BURST + 500 }, (_, i) => note(`f${i}`, 'x', T0 - 1000, 'flood'));
    for (let i = 0; i < flood.length; i += FRAME) {
      s.mallory.send(versionsFrame(flood.slice(i, i + FRAME), true));
      s.h.tick(0);
    }
    expect((await s.h.node.stats()).entities).toBe(NEW_REGISTER_BURST);
    const stats = s.h.mesh.securityStats();
    expect(stats.rejected['entity-limit']).toBe(500);
    expect(stats.newRegistersRefused).toBe(500);
    // Not the link's fault (a relay passes a member's burst on, a sensor's first sync goes over it): nothing charged.
    expect(s.h.mesh.peers().find((p) => p.peer === 'x')?.invalidFrames ?? 0).toBe(0);
    expect(s.h.logs.some((l) => l.includes('versions of new registers from x'))).toBe(true);

    // The flooder's updates of registers m holds still go through; another author's new entity too.
    const update: Version = note('f0', 'x', T0 - 500, 'updated');
    s.mallory.send(versionsFrame([update], true));
    s.alice.send(versionsFrame([note('a-new', 'a', T0 - 500, 'hello')], true));
    s.h.tick(0);
    expect((await s.h.node.heads('f0', 'zz_note')).map((h) => (h.value as { text: string }).text)).toEqual(['updated']);
    expect(await s.h.node.get('a-new')).toBeDefined();

    // A second later the flooder has NEW_REGISTERS_PER_SECOND more, and no more. The 500 refused were
    // set aside each until its turn as the bucket refills (one per 1/NEW_REGISTERS_PER_SECOND s): a
    // copy pushed again now passes for those whose turn came, and the rest are dropped unchecked.
    s.h.tick(1000);
    const checked = s.h.mesh.securityStats().checked;
    s.mallory.send(versionsFrame(flood.slice(NEW_REGISTER_BURST), true));
    s.h.tick(0);
    expect((await s.h.node.stats()).entities).toBe(NEW_REGISTER_BURST + 1 + NEW_REGISTERS_PER_SECOND);
    expect(s.h.mesh.securityStats().checked).toBe(checked + NEW_REGISTERS_PER_SECOND);
    const more = Array.from({ length: 500 }, (_, i) => note(`g${i}`, 'x', T0 - 400, 'more'));
    s.mallory.send(versionsFrame(more, true));
    s.h.tick(0);
    expect((await s.h.node.stats()).entities).toBe(NEW_REGISTER_BURST + 1 + NEW_REGISTERS_PER_SECOND);
  });

  it('charges new components on an entity m already holds: an honest author’s track gets no free registers', async () => {
    const s = await scene(small);
    s.alice.send(versionsFrame([of(note('track', 'a', T0 - 2000, ''), 'zz_pos')], true));
    s.h.tick(0);
    // The flooder spends its burst on new entities, then writes 20 new kinds on alice's track.
    s.mallory.send(
      versionsFrame(
        Array.from({ length: 10 }, (_, i) => note(`f${i}`, 'x', T0 - 1000, '')),
        true,
      ),
    );
    s.h.tick(0);
    const kinds = Array.from({ length: 20 }, (_, i) => of(note('track', 'x', T0 - 900, 'junk'), `zz_junk${i}`));
    s.mallory.send(versionsFrame(kinds, true));
    s.h.tick(0);
    const track = await s.h.node.get('track');
    expect(Object.keys(track!.components)).toEqual(['zz_pos']);
    expect(s.h.mesh.securityStats().rejected['entity-limit']).toBe(20);
    expect(s.h.mesh.securityStats().newRegistersRefused).toBe(20);
  });

  it('charges each author for what it adds: an honest write on a flooder’s entity lets none of the flooder’s versions in', async () => {
    const s = await scene(small);
    s.mallory.send(
      versionsFrame(
        Array.from({ length: 10 }, (_, i) => note(`f${i}`, 'x', T0 - 1000, '')),
        true,
      ),
    );
    s.h.tick(0);
    // An honest node classified the flooder's new track; its write comes first, then the flooder's components.
    const honest = of(note('xt', 'a', T0 - 800, 'classified'), 'zz_class');
    s.alice.send(versionsFrame([honest], true));
    s.h.tick(0);
    const flooders = Array.from({ length: 20 }, (_, i) => of(note('xt', 'x', T0 - 700, 'junk'), `zz_k${i}`));
    s.mallory.send(versionsFrame(flooders, true));
    s.h.tick(0);
    expect(Object.keys((await s.h.node.get('xt'))!.components)).toEqual(['zz_class']);
    // Alice paid one register (her own), not the flooder's entity: her next nine new registers pass.
    s.alice.send(
      versionsFrame(
        Array.from({ length: 9 }, (_, i) => note(`a${i}`, 'a', T0 - 600, '')),
        true,
      ),
    );
    s.h.tick(0);
    expect((await s.h.node.stats()).entities).toBe(10 + 1 + 9);
  });

  it('refuses what is over the bound before any signature check, and a forged version drains no one', async () => {
    const s = await scene(small);
    s.mallory.send(
      versionsFrame(
        Array.from({ length: 10 }, (_, i) => note(`f${i}`, 'x', T0 - 1000, '')),
        true,
      ),
    );
    s.h.tick(0);
    const checked = s.h.mesh.securityStats().checked;
    s.mallory.send(
      versionsFrame(
        Array.from({ length: 500 }, (_, i) => note(`g${i}`, 'x', T0 - 900, '')),
        true,
      ),
    );
    s.h.tick(0);
    expect(s.h.mesh.securityStats().checked).toBe(checked);
    expect(s.h.mesh.securityStats().rejected['entity-limit']).toBe(500);

    // Ten versions in alice's name signed with mallory's key: refused as forged, alice's bucket untouched.
    const forged = Array.from({ length: 10 }, (_, i) => signNow(testIdentity('x'), note(`h${i}`, 'a', T0 - 800, '')));
    s.mallory.send(versionsFrame(forged, true));
    s.h.tick(0);
    expect(s.h.mesh.securityStats().rejected['forged-author']).toBe(10);
    s.alice.send(
      versionsFrame(
        Array.from({ length: 10 }, (_, i) => note(`a${i}`, 'a', T0 - 700, '')),
        true,
      ),
    );
    s.h.tick(0);
    expect((await s.h.node.stats()).entities).toBe(20);
  });
});
