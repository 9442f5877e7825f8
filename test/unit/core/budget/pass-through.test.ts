import { describe, expect, it } from 'vitest';
import { ByteBucket } from '../../../../src/core/budget/byte-bucket';
import { LinkBudgeter } from '../../../../src/core/budget/link-budgeter';
import { PER_MESSAGE_OVERHEAD_BYTES as O } from '../../../../src/core/budget/wire-overhead';
import { MAX_SYNC_FRAME_BYTES } from '../../../../src/core/sync/codec';

describe('the unlimited fast path', () => {
  it('lets an item straight through when nothing limits the link and nothing waits, and counts it', () => {
    const b = new LinkBudgeter<string>({ maxFrameBytes: MAX_SYNC_FRAME_BYTES }, 0);
    expect(b.passThrough('sync', 500, 0)).toBe(true);
    const s = b.stats(0);
    expect(s.classes.sync).toMatchObject({ sent: 1, queued: 0, latencyP99Ms: 0 });
    expect(s.sentBytesPerSecond).toBe(500 + O);
  });

  it('queues behind what already waits, so order within a class holds', () => {
    const b = new LinkBudgeter<string>({ maxFrameBytes: MAX_SYNC_FRAME_BYTES }, 0);
    b.enqueue({ cls: 'sync', bytes: 10, payload: 'first' }, 0);
    expect(b.passThrough('sync', 10, 0)).toBe(false);
  });

  it('never passes a limited link, its own budget or a shared one', () => {
    const own = new LinkBudgeter<string>(
      { maxFrameBytes: MAX_SYNC_FRAME_BYTES, budget: { bytesPerSecond: 1e6, burstBytes: 1e6 } },
      0,
    );
    expect(own.passThrough('control', 10, 0)).toBe(false);
    const shared = new ByteBucket({ bytesPerSecond: 1e6, burstBytes: 1e6 }, 0);
    const b = new LinkBudgeter<string>({ maxFrameBytes: MAX_SYNC_FRAME_BYTES, shared: [shared] }, 0);
    expect(b.passThrough('control', 10, 0)).toBe(false);
  });
});
