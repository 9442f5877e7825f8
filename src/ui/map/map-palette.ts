import type { Theme } from '../theme-setting';

/**
 * Colours of what the map draws itself on its canvases (the CSS around it follows the page's
 * custom properties). Day: dark ink on a light ground, readable in sunlight. Night: dim reds on
 * black. Symbols keep their 2525 affiliation colours in both: the frame colour is information.
 */
export interface MapPalette {
  readonly grid: string;
  readonly label: string;
  readonly labelHalo: string;
  readonly ring: string;
  /** "r, g, b" of the uncertainty ellipse (its alpha varies with staleness). */
  readonly ellipse: string;
  /** "r, g, b" of the heading leader. */
  readonly leader: string;
  /** The ring around the selected track: dark blue by day, amber at night (no blue in the dark). */
  readonly selection: string;
  /** A vector basemap's water, land areas and lines: muted, under the symbols. */
  readonly basemapWater: string;
  readonly basemapArea: string;
  readonly basemapLine: string;
}

export const MAP_PALETTES: { readonly [T in Theme]: MapPalette } = {
  day: {
    grid: 'rgba(30, 41, 59, 0.35)',
    label: '#0f172a',
    labelHalo: '#ffffff',
    ring: 'rgba(30, 41, 59, 0.6)',
    ellipse: '3, 105, 161',
    leader: '15, 23, 42',
    selection: '#0550ae',
    basemapWater: 'rgba(147, 197, 253, 0.55)',
    basemapArea: 'rgba(148, 163, 184, 0.18)',
    basemapLine: 'rgba(71, 85, 105, 0.55)',
  },
  night: {
    grid: 'rgba(150, 40, 40, 0.45)',
    label: '#d04848',
    labelHalo: '#000000',
    ring: 'rgba(170, 45, 45, 0.6)',
    ellipse: '200, 70, 70',
    leader: '220, 80, 80',
    selection: '#f59e0b',
    basemapWater: 'rgba(60, 12, 12, 0.9)',
    basemapArea: 'rgba(40, 8, 8, 0.6)',
    basemapLine: 'rgba(120, 30, 30, 0.7)',
  },
};
