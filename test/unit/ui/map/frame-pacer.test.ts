import { describe, expect, it } from 'vitest';
import { DISPLAY_FRAME_MS, FramePacer } from '../../../../src/ui/map/frame-pacer';

describe("spacing the map's redraws", () => {
  it('lets a device that draws within a frame redraw at every frame', () => {
    const p = new FramePacer(0.25);
    expect(p.nextAt).toBe(Number.NEGATIVE_INFINITY);
    p.drawn(1000, 1000 + 2 * DISPLAY_FRAME_MS, 2);
    expect(p.nextAt).toBeCloseTo(1000 + 2 * DISPLAY_FRAME_MS);
  });

  it('after a slow redraw, waits so that redraws hold the main thread at most their share', () => {
    const p = new FramePacer(0.25);
    // 400 ms beyond two frames: three times that before the next, so 400 of every 1600 ms.
    p.drawn(0, 400 + 2 * DISPLAY_FRAME_MS, 2);
    expect(p.nextAt).toBeCloseTo(400 + 2 * DISPLAY_FRAME_MS + 1200);
    // A fast one again: no wait.
    p.drawn(5000, 5000 + DISPLAY_FRAME_MS);
    expect(p.nextAt).toBeCloseTo(5000 + DISPLAY_FRAME_MS);
  });
});
