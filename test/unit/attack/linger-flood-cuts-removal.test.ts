/**
 * Attack (session 19, `attack19`): a link refused at admission lingers (REFUSAL_LINGER_MS) so that
 * the refused side reads the bye, and the proof of its removal in it, before the link closes: a
 * transport that loses what is in flight at a close would lose it otherwise (docs/security.md, "A
 * removed device", "The refuser leaves the close to the refused side"). At most
 * MAX_LINGERING_LINKS links linger; a new link past it closes the oldest at once (mesh-node.ts
 * boundLingering). Any stranger — a fresh key, no invitation, nothing signed — is refused and so
 * lingers: MAX_LINGERING_LINKS of them, one after another within the linger, close the removed
 * device's linger before it has read the bye, and the proof of its removal is lost with the close.
 */
import { describe, expect, it } from 'vitest';
import { MessageType, REFUSAL_LINGER_MS } from '../../../src/core/sync';
import { MAX_LINGERING_LINKS } from '../../../src/ports/transport';
import type { Admission } from '../../../src/node/mesh/mesh-types';
import { Harness, pos, T0 } from '../node/mesh/scripted-peers';

const removal = [pos('roster-op', 'm', T0)];
/** 'removed' was removed (the refusal carries the proof); any other peer is a stranger. */
const admit: Admission = async (peer) => {
  await Promise.resolve();
  return peer === 'removed'
    ? { ok: false, reason: 'removed was removed', removal }
    : { ok: false, reason: 'not a member' };
};
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('a removed device refused with the proof of its removal', () => {
  it('is not cut off before it reads the bye by strangers refused after it', async () => {
    const h = await Harness.create('m', { admit });
    // The removed device links and is refused with the proof; its link is slow (the bye is in flight).
    const removed = h.peer('removed');
    removed.hello();
    await settle();
    h.tick();
    const bye = removed.msgs().find((m) => m.type === MessageType.Bye);
    expect(bye?.type === MessageType.Bye && bye.proof !== undefined).toBe(true);

    // Strangers, fresh keys each, link one after another and are refused: well within the linger.
    for (let i = 0; i < MAX_LINGERING_LINKS; i++) {
      h.peer(`stranger-${i}`).hello();
      await settle();
      h.tick();
    }
    expect(h.clock - T0).toBeLessThan(REFUSAL_LINGER_MS);

    // The node must leave the close to the removed device (its bye still in flight).
    expect(removed.closedWith).toBeUndefined();
  });
});
