import ms from 'milsymbol';

/** Symbol size in CSS pixels (milsymbol's `size`: the frame's height): readable at arm's length in daylight. */
export const SYMBOL_SIZE = 32;

export interface SymbolImage {
  /** Drawn at the device pixel ratio, so it stays sharp on a tablet's screen. */
  readonly canvas: HTMLCanvasElement;
  /** The symbol's insertion point in CSS pixels from the image's top left. */
  readonly anchor: readonly [number, number];
  readonly width: number;
  readonly height: number;
  readonly ratio: number;
}

/**
 * Every SIDC is drawn once by milsymbol into a canvas and kept: ten thousand tracks of a dozen
 * kinds cost a dozen renderings, and the map engine blits the cached images on its canvas (no DOM
 * node per track).
 */
export class SymbolAtlas {
  private readonly images = new Map<string, SymbolImage>();

  constructor(private readonly ratio = globalThis.devicePixelRatio || 1) {}

  get(sidc: string): SymbolImage {
    let image = this.images.get(sidc);
    if (image === undefined) {
      image = this.draw(sidc);
      this.images.set(sidc, image);
    }
    return image;
  }

  get size(): number {
    return this.images.size;
  }

  private draw(sidc: string): SymbolImage {
    const symbol = new ms.Symbol(sidc, { size: SYMBOL_SIZE, outlineWidth: 3, outlineColor: 'rgba(0,0,0,0.75)' });
    const anchor = symbol.getAnchor();
    const { width, height } = symbol.getSize();
    return {
      canvas: symbol.asCanvas(this.ratio),
      anchor: [anchor.x, anchor.y],
      width,
      height,
      ratio: this.ratio,
    };
  }
}
