import type { PaintOrder } from './sprite-gl';

/** The page to the symbol layer's worker (sprite-worker.ts). */
export type SpriteMessage =
  | {
      readonly type: 'open';
      readonly symbols: OffscreenCanvas;
      readonly pulses: OffscreenCanvas;
      /** Instance pools on the symbols' canvas (TrackBuffer's). */
      readonly pools: number;
    }
  | { readonly type: 'paint'; readonly order: PaintOrder };

/** The worker to the page: an order drawn and committed, or the worker cannot draw. */
export type SpriteReply = { readonly type: 'painted' } | { readonly type: 'failed'; readonly reason: string };
