import type { ColorMode } from 'milsymbol';
import type { Theme } from '../theme-setting';

/** How the symbols are coloured: the fill per affiliation and the halo that sets them off the ground. */
export interface SymbolColors {
  readonly fill: ColorMode | 'Light';
  readonly outline: string;
}

/**
 * Colours of what the map draws itself on its canvases (the CSS around it follows the page's
 * custom properties). Day: dark ink on a light ground, readable in sunlight. Night: dim reds on
 * black. Symbols keep their 2525 affiliation hues in both (the colour is information): the
 * standard's light fills by day, and by night its dark fills, dimmer still, with a dim red halo
 * instead of a black one so they stand off the black ground without glare.
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
  readonly symbols: SymbolColors;
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
    symbols: { fill: 'Light', outline: 'rgba(0, 0, 0, 0.75)' },
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
    symbols: {
      // MIL-STD-2525's dark colour set (milsymbol 'Dark'), a step dimmer: hue kept, no glare.
      fill: {
        Civilian: 'rgb(80, 0, 80)',
        Friend: 'rgb(0, 84, 112)',
        Hostile: 'rgb(170, 0, 0)',
        Neutral: 'rgb(0, 112, 0)',
        Unknown: 'rgb(140, 130, 0)',
        Suspect: 'rgb(165, 115, 0)',
      },
      outline: 'rgba(150, 40, 40, 0.9)',
    },
  },
};
