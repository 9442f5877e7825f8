/** One link's stuck-count tracker is bounded (MAX_TRACKED_REFUSALS each way), and every id it forgets or skips at the bound is counted. */
import { describe, expect, it } from 'vitest';
import { LinkRefusals, MAX_TRACKED_REFUSALS } from '../../../../src/core/sync/link-refusals';

const id = (i: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};

describe('LinkRefusals bound', () => {
  it('counts each time an id is forgotten or not tracked past MAX_TRACKED_REFUSALS, repeats included (LimitName.TrackedRefusals)', () => {
    let forgot = 0;
    const r = new LinkRefusals((n) => (forgot += n));
    const ids = Array.from({ length: MAX_TRACKED_REFUSALS + 5 }, (_, i) => id(i));
    r.refused(ids, 10_000);
    expect(forgot).toBe(5);
    r.offered(ids);
    expect(forgot).toBe(10);
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
});
