import { css } from 'lit';

/**
 * The map's own styles, in its shadow root (OpenLayers' stylesheet cannot reach in): the canvas
 * fills the element, zoom buttons are 44 px touch targets, the scale bar sits bottom left.
 */
export const mapStyles = css`
  :host {
    display: block;
    position: relative;
    min-height: 320px;
    background: var(--lm-map-bg);
    border-radius: 12px;
    overflow: hidden;
  }
  .map {
    position: absolute;
    inset: 0;
  }
  /* Night: a daylight basemap turned dark and red, so it does not spoil night vision. */
  :host([theme='night']) .basemap-raster canvas {
    filter: invert(1) grayscale(1) brightness(0.55) sepia(1) saturate(4) hue-rotate(-40deg);
  }
  .ol-viewport {
    touch-action: none;
  }
  .ol-unselectable {
    user-select: none;
    -webkit-user-select: none;
  }
  .ol-hidden {
    display: none;
  }
  /* Top left: the graticule labels its latitudes along the right edge. */
  .ol-zoom {
    position: absolute;
    top: 12px;
    left: 12px;
    display: grid;
    gap: 8px;
  }
  .ol-zoom button {
    width: 48px;
    height: 48px;
    font:
      700 24px/1 system-ui,
      sans-serif;
    color: var(--lm-text);
    background: var(--lm-map-control-bg);
    border: 1px solid var(--lm-border);
    border-radius: 10px;
    cursor: pointer;
  }
  .ol-zoom button:focus-visible {
    outline: 3px solid var(--lm-accent);
    outline-offset: 2px;
  }
  .ol-scale-line {
    position: absolute;
    bottom: 16px;
    left: 16px;
    padding: 4px 6px;
    background: var(--lm-map-control-bg);
    border-radius: 6px;
  }
  .ol-scale-line-inner {
    border: 2px solid var(--lm-text);
    border-top: none;
    color: var(--lm-text);
    font:
      600 13px system-ui,
      sans-serif;
    text-align: center;
    padding-bottom: 2px;
  }
`;
