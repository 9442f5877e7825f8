/**
 * Attack (session 25, `h25-attack`) on trackedRefusals (link-refusals.ts): an id offered past
 * MAX_TRACKED_REFUSALS counts only once it may have been offered ROUNDS_BEFORE_REFUSED rounds in a
 * row, and a round that offered nothing with no room resets that run (untrackedRounds = 0), as it
 * resets the tracked ids' rounds (offeredBefore is the round just ended). The peer is the initiator
 * of the rounds that offer it our versions (the responder's pushes), so it chooses what each round
 * covers: between two full rounds it opens one and drops it at once (no offers, 1/16 of an open
 * over a small set), and every id it keeps lacking is always "offered for the first time".
 */
import { describe, expect, it } from 'vitest';
import { LinkRefusals, MAX_TRACKED_REFUSALS } from '../../../src/core/sync/link-refusals';

const id = (i: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};

describe('a peer that refuses our versions round after round', () => {
  it('the state stays bounded whatever it is offered', () => {
    const r = new LinkRefusals();
    for (let round = 0; round < 20; round++) {
      r.offered(Array.from({ length: 3 * MAX_TRACKED_REFUSALS }, (_, i) => id(round * 100_000 + i)));
      r.opened(0, () => 0);
    }
    expect(r.count).toBeLessThanOrEqual(2 * MAX_TRACKED_REFUSALS);
  });

  it('a peer lacking the same ids in each of its full rounds counts, even with an empty round between them', () => {
    let forgot = 0;
    const r = new LinkRefusals((n) => (forgot += n));
    const lacking = Array.from({ length: MAX_TRACKED_REFUSALS + 1_000 }, (_, i) => id(i));
    let counted = 0;
    for (let round = 0; round < 10; round++) {
      r.offered(lacking); // a full round: we push all of them, it takes none
      counted = Math.max(counted, r.count);
      r.opened(0, () => 0);
      r.opened(0, () => 0); // an open it drops at once: nothing offered
    }
    console.log(`alternating rounds: stuck count ${counted}, trackedRefusals ${forgot}`);
    // Without the empty rounds (or on the code before the change, for the 1,000 past the bound) it counts.
    expect(counted + forgot).toBeGreaterThan(0);
  });

  it('without the empty rounds it counts (the check above is not vacuous)', () => {
    let forgot = 0;
    const r = new LinkRefusals((n) => (forgot += n));
    const lacking = Array.from({ length: MAX_TRACKED_REFUSALS + 1_000 }, (_, i) => id(i));
    let counted = 0;
    for (let round = 0; round < 10; round++) {
      r.offered(lacking);
      counted = Math.max(counted, r.count);
      r.opened(0, () => 0);
    }
    expect(counted).toBe(MAX_TRACKED_REFUSALS);
    expect(forgot).toBe(8 * 1_000);
  });
});
