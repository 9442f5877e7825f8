/**
 * One link's stuck-count tracker is bounded (MAX_TRACKED_REFUSALS each way), and every time the
 * bound costs it an id that is or may be refused is counted: ours refused and forgotten, or offered
 * past the bound round after round to a peer that never takes it. An id offered for the first
 * time, which an honest peer has merely not received yet, is not.
 */
import { describe, expect, it } from 'vitest';
import { LinkRefusals, MAX_TRACKED_REFUSALS, ROUNDS_BEFORE_REFUSED } from '../../../../src/core/sync/link-refusals';

const id = (i: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};

describe('LinkRefusals bound', () => {
  it('counts each time a refused id is forgotten or not tracked past MAX_TRACKED_REFUSALS, repeats included (LimitName.TrackedRefusals)', () => {
    expect(ROUNDS_BEFORE_REFUSED).toBe(3); // the rounds below
    let forgot = 0;
    const r = new LinkRefusals((n) => (forgot += n));
    const ids = Array.from({ length: MAX_TRACKED_REFUSALS + 5 }, (_, i) => id(i));
    r.refused(ids, 10_000);
    expect(forgot).toBe(5);
    // A peer that never takes these: the first two rounds may be an honest peer still receiving them.
    r.offered(ids);
    expect(forgot).toBe(5);
    r.opened(0, () => 0);
    r.offered(ids);
    expect(forgot).toBe(5);
    // The third round in a row with no room: the 5 past the bound may be refused, and count.
    r.opened(0, () => 0);
    r.offered(ids);
    expect(forgot).toBe(10);
    // Ours refused, and theirs tracked and offered three rounds in a row: each at its bound.
    expect(r.count).toBe(2 * MAX_TRACKED_REFUSALS);
    r.offered(ids.slice(0, 3)); // already tracked: nothing more
    expect(forgot).toBe(10);
    // Occurrences, not distinct ids (LimitName.TrackedRefusals): an id with no room counts each
    // time it is offered, in this round and the next.
    r.offered(ids.slice(-2));
    expect(forgot).toBe(12);
    r.opened(0, () => 0);
    r.offered(ids);
    expect(forgot).toBe(17);
  });

  it('counts nothing for ids offered once past the bound (an honest catch-up), nor for a round after it', () => {
    let forgot = 0;
    const r = new LinkRefusals((n) => (forgot += n));
    const ids = Array.from({ length: 10_000 }, (_, i) => id(i));
    r.offered(ids); // all lacking in the catch-up's round
    r.opened(0, () => 0);
    r.offered(ids.slice(0, 6_000)); // some still on their way in the next
    r.opened(0, () => 0);
    r.offered([]); // all received
    r.opened(0, () => 0);
    r.offered(ids.slice(0, 10)); // a later round finds a few lacking again: tracked afresh
    expect(forgot).toBe(0);
    expect(r.count).toBe(0);
  });

  it('counts an id with no room that was tracked in the rounds before', () => {
    let forgot = 0;
    const r = new LinkRefusals((n) => (forgot += n));
    const stuck = id(1_000_000);
    const fresh = (round: number): Uint8Array[] =>
      Array.from({ length: MAX_TRACKED_REFUSALS }, (_, i) => id(round * MAX_TRACKED_REFUSALS + i));
    r.offered([stuck]);
    r.opened(0, () => 0);
    r.offered([stuck]);
    r.opened(0, () => 0);
    // The third round fills its room with ids offered for the first time before it offers `stuck`.
    r.offered([...fresh(1), stuck]);
    expect(forgot).toBe(1);
  });
});

describe('LinkRefusals: a catch-up over several rounds', () => {
  it('counts nothing for ids offered for the first time, whatever the rounds before offered', () => {
    let forgot = 0;
    const r = new LinkRefusals((n) => (forgot += n));
    // Three rounds in a row, each offering ids never offered before (the peer took the last
    // round's), each more than the bound: a catch-up larger than one round carries.
    const round = MAX_TRACKED_REFUSALS + 1_000;
    for (let k = 0; k < ROUNDS_BEFORE_REFUSED; k++) {
      if (k > 0) r.opened(0, () => 0);
      r.offered(Array.from({ length: round }, (_, i) => id(k * round + i)));
    }
    // Every id was offered once: none may have been refused.
    expect(forgot).toBe(0);
  });
});
