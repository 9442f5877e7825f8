import ms from 'milsymbol';
import type { SymbolColors } from './map-palette';
import { ALL_SIDCS, UNCLASSIFIED_SIDC } from './sidc';

const DAY_COLORS: SymbolColors = { fill: 'Light', outline: 'rgba(0,0,0,0.75)' };

import { SYMBOL_SIZE } from './symbol-sizes';

export { SYMBOL_SIZE };

/**
 * Where one SIDC's symbol sits in the sprite, in CSS pixels from the sprite's top left, and how far
 * its drawing reaches from the cell's centre (its insertion point) across and up or down: the GPU
 * layer draws a quad that size, not the whole cell (sized for the widest symbol), so the software
 * rasteriser of a GPU-less device fills fewer pixels.
 */
export interface SpriteCell {
  readonly x: number;
  readonly y: number;
  readonly halfWidth: number;
  readonly halfHeight: number;
}

/**
 * All symbols in ONE image (the sprite): every SIDC sidcOf can give is drawn once by milsymbol,
 * each in a square cell of the same size with its insertion point at the cell's centre. The WebGL
 * layer uploads it as one texture and each track only carries its cell's offset; the canvas
 * fallback draws the same cells. Drawn at the device pixel ratio, so symbols stay sharp on a tablet.
 * One sprite per theme's symbol colours: the cells sit at the same places in each.
 */
export class SpriteAtlas {
  /** The cell's side, CSS pixels: big enough for the widest symbol either side of its insertion point. */
  readonly cell: number;
  readonly columns: number;
  readonly canvas: HTMLCanvasElement;
  private readonly cells = new Map<string, SpriteCell>();
  private url: string | undefined;

  constructor(
    readonly ratio = globalThis.devicePixelRatio || 1,
    colors: SymbolColors = DAY_COLORS,
  ) {
    const symbols = ALL_SIDCS.map((sidc) => {
      const symbol = new ms.Symbol(sidc, {
        size: SYMBOL_SIZE,
        outlineWidth: 3,
        outlineColor: colors.outline,
        colorMode: colors.fill,
      });
      const anchor = symbol.getAnchor();
      const size = symbol.getSize();
      return { sidc, symbol, anchor, size };
    });
    let half = 0;
    for (const { anchor, size } of symbols) {
      half = Math.max(half, anchor.x, size.width - anchor.x, anchor.y, size.height - anchor.y);
    }
    this.cell = Math.ceil(half * 2) + 2;
    this.columns = Math.ceil(Math.sqrt(symbols.length));
    const rows = Math.ceil(symbols.length / this.columns);
    this.canvas = document.createElement('canvas');
    this.canvas.width = Math.ceil(this.columns * this.cell * ratio);
    this.canvas.height = Math.ceil(rows * this.cell * ratio);
    const g = this.canvas.getContext('2d')!;
    symbols.forEach(({ sidc, symbol, anchor, size }, i) => {
      const x = (i % this.columns) * this.cell;
      const y = Math.floor(i / this.columns) * this.cell;
      // A pixel more each side for the texture's linear filtering, within the cell.
      const halfWidth = Math.min(this.cell / 2, Math.ceil(Math.max(anchor.x, size.width - anchor.x)) + 1);
      const halfHeight = Math.min(this.cell / 2, Math.ceil(Math.max(anchor.y, size.height - anchor.y)) + 1);
      this.cells.set(sidc, { x, y, halfWidth, halfHeight });
      const image = symbol.asCanvas(ratio);
      g.drawImage(image, (x + this.cell / 2 - anchor.x) * ratio, (y + this.cell / 2 - anchor.y) * ratio);
    });
  }

  /** The cell of a SIDC; an unlisted one (never produced by sidcOf) gets the unknown frame rather than nothing. */
  cellOf(sidc: string): SpriteCell {
    return this.cells.get(sidc) ?? this.cells.get(UNCLASSIFIED_SIDC)!;
  }

  /** The sprite as a URL, for the WebGL layer's `icon-src` (it loads its texture from a URL). */
  get dataUrl(): string {
    this.url ??= this.canvas.toDataURL('image/png');
    return this.url;
  }

  /** The sprite's size in CSS pixels. */
  get width(): number {
    return this.canvas.width / this.ratio;
  }

  get height(): number {
    return this.canvas.height / this.ratio;
  }
}
