/** One link's hold-back is bounded (MAX_LINK_HELD_BACK), and every id it forgets at the bound is counted. */
import { describe, expect, it } from 'vitest';
import type { Item } from '../../../../src/core/reconcile';
import { LinkHoldBack, MAX_LINK_HELD_BACK } from '../../../../src/core/sync/link-hold-back';

const id = (i: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};

describe('LinkHoldBack bound', () => {
  it('forgets the oldest ids past MAX_LINK_HELD_BACK and counts each (LimitName.LinkHeldBack)', () => {
    let forgot = 0;
    const held = new LinkHoldBack((n) => (forgot += n));
    const ids = Array.from({ length: MAX_LINK_HELD_BACK + 2 }, (_, i) => id(i));
    held.hold(
      ids,
      ids.map(() => 10_000),
    );
    expect(forgot).toBe(2);
    expect(held.has(ids[0]!, 0)).toBe(false);
    expect(held.has(ids[2]!, 0)).toBe(true);
    // Holding an id again moves it up, forgetting nothing.
    held.hold([ids[2]!], [10_000]);
    expect(forgot).toBe(2);
  });

  it('counts versions forgotten from those counted as held, past the same bound', () => {
    let forgot = 0;
    const held = new LinkHoldBack((n) => (forgot += n));
    const items = Array.from({ length: MAX_LINK_HELD_BACK + 3 }, (_, i) => ({ id: id(i), ts: i }) as unknown as Item);
    held.countAsHeld(
      items,
      items.map(() => 10_000),
    );
    expect(forgot).toBe(3);
  });
});
