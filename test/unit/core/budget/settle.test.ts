import { describe, expect, it } from 'vitest';
import { ByteBucket } from '../../../../src/core/budget/byte-bucket';
import { LinkBudgeter } from '../../../../src/core/budget/link-budgeter';
import { PER_MESSAGE_OVERHEAD_BYTES as O } from '../../../../src/core/budget/wire-overhead';
import { MAX_SYNC_FRAME_BYTES } from '../../../../src/core/sync/codec';

/** Settling a frame's charge with what really went on the wire (estimated item sizes, several messages). */
describe('settling a frame', () => {
  it('refunds at most up to the burst: a refund never becomes a burst of its own', () => {
    const b = new ByteBucket({ bytesPerSecond: 1000, burstBytes: 1000 }, 0);
    b.charge(300, 0);
    b.refund(500, 0);
    expect(b.available(0)).toBe(1000);
    b.charge(1200, 0);
    b.refund(100, 0);
    expect(b.available(0)).toBe(-100);
  });

  it('charges the extra a frame cost and gives back what it did not, on every bucket and in the stats', () => {
    const node = new ByteBucket({ bytesPerSecond: 1000, burstBytes: 2000 }, 0);
    const b = new LinkBudgeter<string>(
      { maxFrameBytes: MAX_SYNC_FRAME_BYTES, budget: { bytesPerSecond: 1000, burstBytes: 2000 }, shared: [node] },
      0,
    );
    b.enqueue({ cls: 'low', bytes: 400, payload: 'x' }, 0);
    const f = b.poll(0);
    expect(f).toMatchObject({ type: 'frame', chargedBytes: 400 + O });
    // It went as two messages of 300 B: 600 + 2 × 93 on the wire.
    b.settle(600 + 2 * O - (400 + O), 0);
    expect(node.available(0)).toBe(2000 - 600 - 2 * O);
    expect(b.stats(0).sentBytesPerSecond).toBe(600 + 2 * O);
    // A frame smaller than its estimate gives the difference back.
    b.settle(-200, 0);
    expect(node.available(0)).toBe(2000 - 400 - 2 * O);
    expect(b.stats(0).sentBytesPerSecond).toBe(400 + 2 * O);
  });

  it('knows when no bucket limits it', () => {
    const unlimited = new LinkBudgeter<string>({ maxFrameBytes: MAX_SYNC_FRAME_BYTES }, 0);
    expect(unlimited.unlimited).toBe(true);
    const shared = new ByteBucket({ bytesPerSecond: 10, burstBytes: 10 }, 0);
    expect(new LinkBudgeter<string>({ maxFrameBytes: MAX_SYNC_FRAME_BYTES, shared: [shared] }, 0).unlimited).toBe(
      false,
    );
  });
});
