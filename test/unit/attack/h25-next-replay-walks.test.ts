/**
 * Attack (session 25, `h25-attack`): the open allowance charges a reconcile session once, at its
 * open, for "its whole-set pass and its pushes" (openCharge, open-allowances.ts), and
 * docs/security.md ("Per-link limits") states the bound per peer as 12 × max(n, 65,536) items
 * walked or pushed a minute after a burst of 6 × that. But a session stays open as long as the
 * initiator keeps sending `next`, and nothing charges a `next`: one whose range says "I hold
 * nothing here" (count 0) over the whole set, within the push room, makes the responder walk every
 * item of it (Reconciler.writePushed filters each against the ids already pushed this session),
 * pushing nothing new, for a frame of a few bytes, and the peer may send it again and again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Reconciler, SortedVectorStorage } from '../../../src/core/reconcile';
import { SlotVectorStorage } from '../../../src/core/reconcile/slot-vector-storage';
import {
  MessageType,
  RECONCILE_OPEN_BURST,
  RECONCILE_OPEN_FULL_ITEMS,
  RECONCILE_OPENS_PER_MINUTE,
} from '../../../src/core/sync';
import type { Version } from '../../../src/core/merge/version';
import { Harness, pos, T0 } from '../node/mesh/scripted-peers';

function stored(n: number): Version[] {
  return Array.from({ length: n }, (_, i) => pos(`e${i}`, 'w', T0 - 100_000 + i));
}

let restore = (): void => undefined;
afterEach(() => restore());

describe('one open, many `next`s of the same session', () => {
  it('items a peer makes us walk in a minute stay within the stated per-peer bound', async () => {
    const n = 2_000; // within PUSH_FLOOR_VERSIONS: a count-0 range of the whole set is answered by pushing
    const h = await Harness.create('m');
    h.node.applyRemote(stored(n));
    await h.node.flushed();
    const evil = h.peer('a');
    evil.hello();
    h.tick();
    const open = new Reconciler(new SortedVectorStorage([]), { key: evil.fingerprintKey() }).initiate();
    evil.send({ type: MessageType.Reconcile, session: 1, phase: 'open', payload: open });
    h.tick();
    // Counted, not recorded (a spy's call log of millions of reads would run out of memory).
    let items = 0;
    const idAt = SlotVectorStorage.prototype.idAt;
    SlotVectorStorage.prototype.idAt = function (this: SlotVectorStorage, i: number) {
      items += 1;
      return idAt.call(this, i);
    };
    restore = () => (SlotVectorStorage.prototype.idAt = idAt);
    const perTick = Number(process.env.NEXTS_PER_TICK ?? 1);
    let bytesIn = 0;
    let replies = 0;
    // A minute of `next`s, 20 a second (NEXTS_PER_TICK × that), each the same 8-byte "I hold nothing" range.
    for (let i = 0; i < 1_200; i++) {
      evil.reset();
      for (let k = 0; k < perTick; k++)
        evil.send({ type: MessageType.Reconcile, session: 1, phase: 'next', payload: open });
      bytesIn += perTick * (open.length + 8);
      h.tick(50);
      replies += evil.msgs().filter((x) => x.type === MessageType.Reconcile && x.phase === 'reply').length;
    }
    const bound = (RECONCILE_OPEN_BURST + RECONCILE_OPENS_PER_MINUTE) * Math.max(n, RECONCILE_OPEN_FULL_ITEMS);
    console.log(
      `next replay: ${1_200 * perTick} nexts (${bytesIn} B in) over ${n} items drew ${replies} replies, ${items} items walked (bound ${bound}); ` +
        `closed: ${evil.closedWith ?? 'no'}`,
    );
    // Each answered `next` walked the whole set (idAt: about two reads per item).
    expect(replies * n).toBeLessThanOrEqual(bound);
  }, 120_000);
});
