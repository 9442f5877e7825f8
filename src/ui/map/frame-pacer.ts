/**
 * Spaces the symbol layer's redraws so that the main thread waits on them for at most a share of
 * its time. A WebGL canvas is drawn by the GPU process; on a device without a GPU (software
 * rendering, as in headless Chromium here) the page's main thread then waits, in the frame's
 * commit, until the draw is rasterised and read back, which can take hundreds of milliseconds for
 * thousands of symbols: redrawing at every change would keep the main thread blocked nearly all the
 * time, and everything else on it (the mesh relay, the approval prompt) would wait behind the map.
 * After a redraw whose frame took `cost` beyond a normal frame, the next one waits
 * cost × (1 − share) / share, but never more than MAX_WAIT_MS, so the symbols on screen are never
 * more than that (and one draw) behind the picture; on a device that draws within a frame it never
 * waits. Pure arithmetic on the caller's clock (track-sprites.ts measures).
 */

/** The share of the main thread the map's redraws may hold it, waiting on the GPU. */
export const MAP_SHARE = 0.25;
/** A normal frame at 60 Hz, ms: a redraw that ends within it costs nothing extra. */
export const DISPLAY_FRAME_MS = 1000 / 60;
/** The longest wait between two redraws, ms: past it the picture's age matters more than the main thread's share. */
export const MAX_WAIT_MS = 1000;

export class FramePacer {
  private notBefore = Number.NEGATIVE_INFINITY;

  constructor(private readonly share = MAP_SHARE) {}

  /** When the next redraw may happen, ms on the caller's clock (−∞: now). */
  get nextAt(): number {
    return this.notBefore;
  }

  /**
   * A redraw was asked at `start` and the frames it spans ended at `end`, `frames` normal frames
   * in all (what the caller waited for to see the draw committed): spaces the next one.
   */
  drawn(start: number, end: number, frames = 1): void {
    const cost = Math.max(0, end - start - frames * DISPLAY_FRAME_MS);
    this.notBefore = end + Math.min(MAX_WAIT_MS, (cost * (1 - this.share)) / this.share);
  }
}
