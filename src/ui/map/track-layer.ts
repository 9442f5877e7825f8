import type Feature from 'ol/Feature';
import type Point from 'ol/geom/Point';
import type BaseLayer from 'ol/layer/Base';
import VectorLayer from 'ol/layer/Vector';
import WebGLVectorLayer from 'ol/layer/WebGLVector';
import type VectorSource from 'ol/source/Vector';
import type { FlatStyleLike } from 'ol/style/flat';
import { getSupportedExtensions } from 'ol/webgl';
import type { SpriteAtlas } from './sprite-atlas';
import { TRACK } from './track-props';
import type { MapPalette } from './map-palette';
import { HIGH_RED, RING_RADIUS, SELECTED_RING_GAP, symbolStyle } from './track-style';

/** Which engine draws the symbols: the GPU when the browser gives WebGL, else one 2D canvas. */
export type TrackRenderer = 'webgl' | 'canvas';

/** The symbol layer, which renderer it is, and how to recolour its rings for a theme. */
export interface TrackLayer {
  readonly layer: BaseLayer;
  readonly renderer: TrackRenderer;
  /** Recolours the rings and swaps in the sprite drawn in the palette's symbol colours. */
  setPalette(palette: MapPalette, atlas: SpriteAtlas): void;
}

/**
 * The layer that draws every track's symbol. With WebGL (every tablet browser, and headless
 * Chromium through SwiftShader), OpenLayers' WebGL vector layer draws all symbols from the one
 * sprite texture in a few draw calls; each feature only carries its cell's offset, its opacity and
 * two ring flags, so a moving track costs a buffer update, not a re-rendered image. Without WebGL
 * (a browser with it disabled) the same sprite cells are drawn on a 2D canvas layer: the same
 * picture, slower at thousands of tracks (docs/ui.md, "Rendering").
 */
export function trackLayer(source: VectorSource<Feature<Point>>, atlas: SpriteAtlas, palette: MapPalette): TrackLayer {
  if (getSupportedExtensions() === null) {
    const layer = new VectorLayer({
      source,
      style: symbolStyle(atlas, palette),
      updateWhileAnimating: true,
      updateWhileInteracting: true,
    });
    return { renderer: 'canvas', layer, setPalette: (p, a) => layer.setStyle(symbolStyle(a, p)) };
  }
  // Taps are matched by TrackFeatures.nearest (a tolerance for gloved fingers), not the GPU's hit buffer.
  const layer = new WebGLVectorLayer({ source, style: spriteStyle(atlas, palette), disableHitDetection: true });
  return { renderer: 'webgl', layer, setPalette: (p, a) => layer.setStyle(spriteStyle(a, p)) };
}

/** The WebGL style: rings under the symbol (HIGH red, selection blue), then the symbol's sprite cell. */
function spriteStyle(atlas: SpriteAtlas, palette: MapPalette): FlatStyleLike {
  return [
    {
      filter: ['==', ['get', TRACK.highRing], 1],
      style: { 'circle-radius': RING_RADIUS, 'circle-stroke-color': HIGH_RED, 'circle-stroke-width': 4 },
    },
    {
      filter: ['==', ['get', TRACK.selectedRing], 1],
      style: {
        'circle-radius': RING_RADIUS + SELECTED_RING_GAP,
        'circle-stroke-color': palette.selection,
        'circle-stroke-width': 3,
      },
    },
    {
      style: {
        'icon-src': atlas.dataUrl,
        'icon-width': atlas.width,
        'icon-height': atlas.height,
        'icon-size': [atlas.cell, atlas.cell],
        'icon-offset': ['array', ['get', TRACK.spriteX], ['get', TRACK.spriteY]],
        'icon-opacity': ['get', TRACK.alpha],
      },
    },
  ];
}
