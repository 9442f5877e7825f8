import { asArray } from 'ol/color';
import type { FrameState } from 'ol/Map';
import Layer from 'ol/layer/Layer';
import type { MapPalette } from './map-palette';
import type { SpriteAtlas } from './sprite-atlas';
import { DISPLAY_FRAME_MS, FramePacer } from './frame-pacer';
import { PULSE_HALF, type PaintView, type Upload } from './sprite-gl';
import { offscreenWebgl, openPainter, pageWebgl, type PaintSite, type Painter } from './sprite-painters';
import { INSTANCE_FLOATS, type TrackBuffer } from './track-buffer';
import { FRAME_MS, MAX_PULSES, PERIOD_MS, STEPS } from './threat-pulse';
import { HIGH_RED } from './track-style';

/** The symbol layer as OpenLayers sees it: a layer whose render hands back its two canvases. */
export interface SpriteLayer {
  readonly layer: Layer;
  /** Draws from another sprite, with the palette's selection colour. */
  setPalette(palette: MapPalette, atlas: SpriteAtlas): void;
  /**
   * Draws the tracks' latest state now, in the view of the map's last frame, without a frame of
   * the map (whose other layers did not change); false before the map's first frame.
   */
  draw(): boolean;
  /** How many times the symbols' canvas was drawn (for the benchmark: the pacer may space redraws). */
  readonly draws: number;
  /** Where the symbols are drawn (undefined before the first frame). */
  readonly site: PaintSite | undefined;
  /** Lets the GPU side go (the map left the page): its worker ends; the next frame opens a new one. */
  suspend(): void;
}

type View = PaintView;

/**
 * Every track's symbol (and the HIGH, pulse and selection rings) in a few instanced WebGL draw
 * calls (the rings, then each draw-order class), on a canvas of its own that OpenLayers places
 * among its layers (an `ol/layer/Layer` with a `render` function). The instances stay in GPU
 * buffers from frame to frame, one per TrackBuffer pool: a frame uploads only the slots written
 * since the last one (bufferSubData), and the vertex shader projects each instance from map units
 * with the view's transform, so a pan or zoom uploads nothing and a frame costs O(changed tracks).
 * The sprite is one texture. Symbols stay upright and keep their size whatever the zoom or rotation,
 * as icons on the map do. Null when the browser gives no WebGL or no instancing (the caller then
 * draws on a 2D canvas instead). The HIGH threats' pulse (as threat-pulse.ts draws it on the 2D
 * fallback: at most MAX_PULSES fresh ones, none for reduced motion) is a ring whose radius and fade
 * the shader takes from the period's step, on a second canvas under the symbols': each step
 * redraws those few rings alone, without a frame of the map. The drawing itself (sprite-gl.ts) runs
 * in a worker on the canvases handed over as OffscreenCanvases when the browser allows it
 * (sprite-painters.ts), so that a GPU-less device's software rasterising and read-back wait there,
 * not on the page's main thread; this function keeps the instances and sends each paint as an order.
 */
export function spriteLayer(buffer: TrackBuffer, atlas: SpriteAtlas, palette: MapPalette): SpriteLayer | null {
  if (!offscreenWebgl() && !pageWebgl()) return null;
  const element = document.createElement('div');
  element.style.cssText = 'position:absolute;inset:0;pointer-events:none;';
  /** Where the next painter opens: a worker until one fails, then the page. */
  let site: PaintSite = 'worker';
  let painter: Painter | undefined;
  let sprite = atlas;
  let selection = colour(palette.selection);
  let uploaded: SpriteAtlas | undefined;
  let drawn = -1;
  let drawnView = '';
  let last: View | undefined;
  let step = -1;
  let pulseCount = 0;
  let next: ReturnType<typeof setTimeout> | undefined;
  // On the page, redraws asked by changes (not by a frame of the map: a pan must move the symbols
  // with it) are spaced so that waiting on a slow GPU holds the main thread at most its share
  // (frame-pacer.ts). In a worker the page does not wait: one order is in flight at a time, and
  // what changes meanwhile joins the next.
  const pacer = new FramePacer();
  let measuring = false;
  let draws = 0;
  let deferred: ReturnType<typeof setTimeout> | undefined;
  /** A paint was asked while the worker had an order in flight: sent when it answers. */
  let wanted = false;

  const close = (): void => {
    painter?.close();
    painter = undefined;
    clearTimeout(deferred);
    clearTimeout(next);
    deferred = next = undefined;
    wanted = false;
  };
  /** The painter, opened when there is none (the first frame, after a suspend, after a worker failed). */
  const open = (): Painter | undefined => {
    if (painter !== undefined) return painter;
    const opened = openPainter(element, buffer.pools.length, site, {
      idle: () => {
        if (!wanted) return;
        wanted = false;
        if (last !== undefined && element.isConnected) paced(last);
      },
      lost: () => {
        site = 'page';
        close();
        if (last !== undefined) paced(last);
      },
    });
    if (opened === null) return undefined;
    // A new GPU side holds nothing yet: every slot, the sprite and both canvases again.
    for (const pool of buffer.pools) pool.resend();
    uploaded = undefined;
    drawn = -1;
    drawnView = '';
    step = -1;
    painter = opened;
    return opened;
  };
  /** Measures the frames a redraw on the page spans: until the second animation frame after it, past its commit. */
  const measure = (start: number): void => {
    if (measuring) return;
    measuring = true;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        measuring = false;
        pacer.drawn(start, performance.now(), 2);
      }),
    );
  };
  /** Paints now when the worker is free or the pacer allows, else once later (later changes join that paint). */
  const paced = (view: View): void => {
    const p = open();
    if (p === undefined) return;
    if (p.site === 'worker') {
      if (p.busy) wanted = true;
      else paint(p, view);
      return;
    }
    const wait = pacer.nextAt - performance.now();
    if (wait <= 0 && !measuring) {
      paint(p, view);
      return;
    }
    deferred ??= setTimeout(
      () => {
        deferred = undefined;
        if (last !== undefined && element.isConnected) paced(last);
      },
      Math.max(wait, DISPLAY_FRAME_MS),
    );
  };
  const reduced = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

  const paint = (p: Painter, view: View): void => {
    const { toPixel, width, height } = view;
    const key = keyOf(view);
    const phase = reduced ? 0 : Math.floor(((Date.now() % PERIOD_MS) / PERIOD_MS) * STEPS);
    const changed = buffer.revision !== drawn || key !== drawnView || uploaded !== sprite;
    // Nothing moved, the view is the same and the pulse is at the same step: both canvases show this frame.
    if (!changed && phase === step) return;
    // A worker takes copies it owns (transferred); the page draws from the pools' arrays themselves.
    const own = p.site === 'worker';
    const uploads: Upload[] = [];
    const transfer: Transferable[] = [];
    const take = (data: Float32Array): Float32Array => {
      if (!own) return data;
      const copy = data.slice();
      transfer.push(copy.buffer);
      return copy;
    };
    let pulses: Float32Array | undefined;
    if (changed) {
      if (buffer.revision !== drawn) {
        buffer.pools.forEach((pool, i) =>
          pool.flush({
            all: (data) => uploads.push({ pool: i, all: true, from: 0, data: take(data) }),
            range: (from, data) => uploads.push({ pool: i, all: false, from, data: take(data) }),
          }),
        );
      }
      drawn = buffer.revision;
      drawnView = key;
      pulses = take(buffer.pulseData(toPixel, width, height, PULSE_HALF, reduced ? 0 : MAX_PULSES));
      pulseCount = pulses.length / INSTANCE_FLOATS;
      draws++;
    }
    const image = uploaded === sprite ? undefined : spriteImage(sprite, own);
    uploaded = sprite;
    step = phase;
    p.paint(
      {
        view,
        origin: [buffer.origin[0], buffer.origin[1]],
        uploads,
        counts: buffer.pools.map((pool) => pool.size),
        sprite: image,
        atlas: { cell: sprite.cell, width: sprite.width, height: sprite.height },
        high: HIGH,
        selection,
        symbols: changed,
        pulses,
        phase: phase / STEPS,
      },
      transfer,
    );
    if (!own) measure(performance.now());
    // The next step, while the layer is on the page (a detached map pulses again at its next frame).
    if (pulseCount > 0 && next === undefined) {
      next = setTimeout(() => {
        next = undefined;
        if (last !== undefined && element.isConnected) paced(last);
      }, FRAME_MS);
    }
  };

  const render = (frameState: FrameState): HTMLElement => {
    const [width, height] = frameState.size as [number, number];
    last = { toPixel: [...frameState.coordinateToPixelTransform], width, height, ratio: frameState.pixelRatio };
    // A pan or zoom moves the symbols with the map at once (in a worker, as soon as it is free); a
    // frame of the map for another layer's change (a fused link, a pending mark) leaves the
    // symbols to the pacer like any track change.
    const p = open();
    if (p !== undefined && p.site === 'page' && keyOf(last) !== drawnView) paint(p, last);
    else paced(last);
    return element;
  };

  const layer = new Layer({ render });
  return {
    layer,
    get draws() {
      return draws;
    },
    get site() {
      return painter?.site;
    },
    draw() {
      if (last === undefined) return false;
      paced(last);
      return true;
    },
    setPalette(p, a) {
      sprite = a;
      selection = colour(p.selection);
      drawnView = '';
      layer.changed();
    },
    suspend: close,
  };
}

/** What a frame's view is drawn in, as one string: a different one means the symbols must move. */
function keyOf(view: View): string {
  return `${view.toPixel.join(',')}|${view.width.toString()}x${view.height.toString()}@${view.ratio.toString()}`;
}

/** The sprite as a texture source: the canvas on the page, its pixels for a worker. */
function spriteImage(atlas: SpriteAtlas, forWorker: boolean): TexImageSource | ImageData {
  if (!forWorker) return atlas.canvas;
  return atlas.canvas.getContext('2d')!.getImageData(0, 0, atlas.canvas.width, atlas.canvas.height);
}

const HIGH = colour(HIGH_RED);

function colour(css: string): number[] {
  const [r, g, b, a] = asArray(css);
  return [r! / 255, g! / 255, b! / 255, a ?? 1];
}
