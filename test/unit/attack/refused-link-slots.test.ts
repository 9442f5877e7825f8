/**
 * Attack suite (issue 12): a peer refused at admission is answered with a bye and lingers until it
 * closes (REFUSAL_LINGER_MS, docs/security.md "A removed device"). Strangers (a new key each) or
 * removed members reconnecting at once must not hold the link slots honest peers need, nor make
 * the node hold an unbounded number of such links.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LINGERING_LINKS } from '../../../src/ports/transport';
import type { Admission } from '../../../src/node/mesh/mesh-types';
import { Harness } from '../node/mesh/scripted-peers';
import { MessageType } from '../../../src/core/sync';

/** Admits a peer that shows the invitation 'good', refuses the rest (as a closed lattice does). */
const admit: Admission = async (_peer, invitation) => {
  await Promise.resolve();
  return invitation === 'good' ? { ok: true } : { ok: false, reason: 'no invitation for test' };
};
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('links refused at admission', () => {
  it('hold no slot of maxLinks: an invited peer is linked while refused ones linger', async () => {
    const h = await Harness.create('m', { admit, maxLinks: 2 });
    const a = h.peer('a');
    a.hello(0, 'good');
    await settle();
    h.tick();
    // Two strangers refused: each waits for its peer to close, which these never do.
    for (const s of ['s1', 's2']) {
      h.peer(s).hello();
      await settle();
      h.tick();
    }
    const invited = h.peer('i');
    invited.hello(0, 'good');
    await settle();
    h.tick();
    expect(invited.closedWith).toBeUndefined();
    // Its session began (its first ping; `keys` now go only ahead of versions, docs/security.md).
    expect(invited.msgs().some((m) => m.type === MessageType.Ping)).toBe(true);
    expect(a.closedWith).toBeUndefined();
  });

  it(`are at most MAX_LINGERING_LINKS (${MAX_LINGERING_LINKS}): past it the oldest is closed at once, counted`, async () => {
    const h = await Harness.create('m', { admit });
    const strangers = Array.from({ length: MAX_LINGERING_LINKS + 3 }, (_, i) => `s${i}`);
    const peers = [];
    for (const s of strangers) {
      const p = h.peer(s);
      p.hello();
      await settle();
      h.tick();
      peers.push(p);
    }
    // Each of the three links past the bound closed the oldest one still lingering.
    expect(peers.map((p) => p.closedWith)).toEqual([
      ...Array<string>(3).fill('refused: closed early, too many refused links waiting'),
      ...Array<undefined>(MAX_LINGERING_LINKS).fill(undefined),
    ]);
    expect(h.mesh.securityStats().limitsHit.lingeringLinks).toBe(3);
    // And an honest peer still gets in.
    const invited = h.peer('i');
    invited.hello(0, 'good');
    await settle();
    h.tick();
    expect(invited.closedWith).toBeUndefined();
  });

  it('stay within MAX_LINGERING_LINKS when refusals come in a burst (admission answers after accept)', async () => {
    const h = await Harness.create('m', { admit });
    const peers = [];
    for (let i = 0; i < MAX_LINGERING_LINKS; i++) {
      const p = h.peer(`s${i}`);
      p.hello();
      await settle();
      h.tick();
      peers.push(p);
    }
    // Eight more say hello at once: all are in their handshake before the first refusal.
    const burst = Array.from({ length: MAX_LINGERING_LINKS }, (_, i) => h.peer(`b${i}`));
    for (const p of burst) p.hello();
    await settle();
    h.tick();
    const waiting = [...peers, ...burst].filter((p) => p.closedWith === undefined);
    expect(waiting).toHaveLength(MAX_LINGERING_LINKS);
    expect(h.mesh.securityStats().limitsHit.lingeringLinks).toBe(MAX_LINGERING_LINKS);
  });
});
