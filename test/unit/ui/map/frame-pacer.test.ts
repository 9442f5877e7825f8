import { describe, expect, it } from 'vitest';
import { DISPLAY_FRAME_MS, FramePacer, MAX_WAIT_MS } from '../../../../src/ui/map/frame-pacer';

describe("spacing the map's redraws", () => {
  it('lets a device that draws within a frame redraw at every frame', () => {
    const p = new FramePacer(0.25);
    expect(p.nextAt).toBe(Number.NEGATIVE_INFINITY);
    p.drawn(1000, 1000 + 2 * DISPLAY_FRAME_MS, 2);
    expect(p.nextAt).toBeCloseTo(1000 + 2 * DISPLAY_FRAME_MS);
  });

  it('after a slow redraw, waits so that redraws hold the main thread at most their share', () => {
    const p = new FramePacer(0.25);
    // 300 ms beyond two frames: three times that before the next, so 300 of every 1200 ms.
    p.drawn(0, 300 + 2 * DISPLAY_FRAME_MS, 2);
    expect(p.nextAt).toBeCloseTo(300 + 2 * DISPLAY_FRAME_MS + 900);
    // A fast one again: no wait.
    p.drawn(5000, 5000 + DISPLAY_FRAME_MS);
    expect(p.nextAt).toBeCloseTo(5000 + DISPLAY_FRAME_MS);
  });

  it('never waits longer than MAX_WAIT_MS, however slow the last redraw', () => {
    const p = new FramePacer(0.25);
    p.drawn(0, 3000 + 2 * DISPLAY_FRAME_MS, 2);
    expect(p.nextAt).toBeCloseTo(3000 + 2 * DISPLAY_FRAME_MS + MAX_WAIT_MS);
  });
});
