import type BaseLayer from 'ol/layer/Base';
import VectorLayer from 'ol/layer/Vector';
import type { SpriteAtlas } from './sprite-atlas';
import type { MapPalette } from './map-palette';
import type { PaintSite } from './sprite-painters';
import type { TrackFeatures } from './track-features';
import { spriteLayer } from './track-sprites';
import { symbolStyle } from './track-style';

/** Which engine draws the symbols: the GPU when the browser gives WebGL, else one 2D canvas. */
export type TrackRenderer = 'webgl' | 'canvas';

/** The symbol layer, which renderer it is, and how to recolour its rings for a theme. */
export interface TrackLayer {
  readonly layer: BaseLayer;
  readonly renderer: TrackRenderer;
  /** Recolours the rings and swaps in the sprite drawn in the palette's symbol colours. */
  setPalette(palette: MapPalette, atlas: SpriteAtlas): void;
  /** Shows the tracks' latest state: the GPU layer draws it at once; the 2D layer's source asks the map for a frame itself. */
  redraw(): void;
  /** How many times the GPU layer drew the symbols (0 on the 2D layer, which OpenLayers draws in its frames). */
  draws(): number;
  /** Where the GPU layer draws (a worker or the page; undefined on the 2D layer and before the first frame). */
  site(): PaintSite | undefined;
  /** The map left the page: the GPU layer lets its worker and contexts go until its next frame. */
  suspend(): void;
}

/**
 * The layer that draws every track's symbol. With WebGL (every tablet browser, and headless
 * Chromium through SwiftShader) one instanced draw call puts every symbol from the one sprite
 * texture, reading the tracks' typed arrays (track-sprites.ts, track-buffer.ts): a frame is a pass
 * over numbers and one buffer upload, not an update of ten thousand objects, and moving tracks
 * redraw that layer alone, not the map's other layers (grid labels, rings, ellipses). Without WebGL (a
 * browser with it disabled) the same sprite cells are drawn on a 2D canvas layer from the tracks'
 * features: the same picture, slower at thousands of tracks (docs/ui.md, "Rendering").
 */
export function trackLayer(tracks: TrackFeatures, atlas: SpriteAtlas, palette: MapPalette): TrackLayer {
  const gpu = spriteLayer(tracks.buffer, atlas, palette);
  if (gpu !== null) {
    return {
      renderer: 'webgl',
      layer: gpu.layer,
      setPalette: (p, a) => gpu.setPalette(p, a),
      // Before the map's first frame there is no view to draw in: ask for one.
      redraw: () => {
        if (!gpu.draw()) gpu.layer.changed();
      },
      draws: () => gpu.draws,
      site: () => gpu.site,
      suspend: () => gpu.suspend(),
    };
  }
  tracks.drawFromSource();
  const layer = new VectorLayer({
    source: tracks.source,
    style: symbolStyle(atlas, palette),
    updateWhileAnimating: true,
    updateWhileInteracting: true,
  });
  return {
    renderer: 'canvas',
    layer,
    setPalette: (p, a) => layer.setStyle(symbolStyle(a, p)),
    redraw: () => undefined,
    draws: () => 0,
    site: () => undefined,
    suspend: () => undefined,
  };
}
