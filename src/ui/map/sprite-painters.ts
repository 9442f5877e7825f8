import { SpritePainter, type PaintOrder } from './sprite-gl';
import type { SpriteMessage, SpriteReply } from './sprite-messages';

/** Where the symbols are drawn: a worker's OffscreenCanvas, or the page's own canvas. */
export type PaintSite = 'worker' | 'page';

/** The symbol layer's GPU side as the page holds it, in a worker or on the page. */
export interface Painter {
  readonly site: PaintSite;
  /** An order is in flight (in a worker, until it answers that the drawing is committed). */
  readonly busy: boolean;
  /** Draws an order; `transfer`: its buffers, handed over to a worker (not used after). */
  paint(order: PaintOrder, transfer: Transferable[]): void;
  /** Stops drawing: the worker ends, the contexts are let go, the canvases leave the element. */
  close(): void;
}

/** What the painter tells its layer. */
export interface PainterEvents {
  /** The worker answered the last order: the next may go. */
  idle(): void;
  /** The worker cannot draw (no WebGL there, a failed script): the layer opens a page painter instead. */
  lost(reason: string): void;
}

/** True when this browser draws with WebGL and instancing on a worker's OffscreenCanvas. */
export function offscreenWebgl(): boolean {
  if (typeof OffscreenCanvas === 'undefined' || typeof Worker === 'undefined') return false;
  if (!('transferControlToOffscreen' in HTMLCanvasElement.prototype)) return false;
  return instancing(new OffscreenCanvas(1, 1));
}

/** True when this browser draws with WebGL and instancing on the page. */
export function pageWebgl(): boolean {
  return instancing(document.createElement('canvas'));
}

function instancing(canvas: HTMLCanvasElement | OffscreenCanvas): boolean {
  const gl = canvas.getContext('webgl') as WebGLRenderingContext | null;
  if (gl === null) return false;
  const ok = gl.getExtension('ANGLE_instanced_arrays') !== null;
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return ok;
}

/**
 * Opens the two canvases (the pulses' under the symbols') in `element` and what draws on them: a
 * worker (sprite-worker.ts) when the browser gives OffscreenCanvas WebGL and `site` allows, else
 * the page. Null when the page has no WebGL with instancing either.
 */
export function openPainter(
  element: HTMLElement,
  pools: number,
  site: PaintSite,
  events: PainterEvents,
): Painter | null {
  const symbols = canvas();
  const pulses = canvas();
  element.append(pulses, symbols);
  const remove = (): void => {
    pulses.remove();
    symbols.remove();
  };
  if (site === 'worker' && offscreenWebgl()) return workerPainter(symbols, pulses, pools, events, remove);
  const painter = SpritePainter.open(symbols, pulses, pools);
  if (painter === null) {
    remove();
    return null;
  }
  return {
    site: 'page',
    busy: false,
    paint: (order) => painter.paint(order),
    close: () => {
      painter.close();
      remove();
    },
  };
}

function workerPainter(
  symbols: HTMLCanvasElement,
  pulses: HTMLCanvasElement,
  pools: number,
  events: PainterEvents,
  remove: () => void,
): Painter {
  const worker = new Worker(new URL('./sprite-worker.ts', import.meta.url), {
    type: 'module',
    name: 'lattice-symbols',
  });
  let busy = false;
  let closed = false;
  const post = (message: SpriteMessage, transfer: Transferable[]): void => worker.postMessage(message, transfer);
  const lose = (reason: string): void => {
    if (closed) return;
    console.error(`symbol layer worker: ${reason}; drawing on the page instead`);
    events.lost(reason);
  };
  worker.addEventListener('message', (e: MessageEvent<SpriteReply>) => {
    const reply = e.data;
    switch (reply.type) {
      case 'painted':
        busy = false;
        if (!closed) events.idle();
        return;
      case 'failed':
        lose(reply.reason);
        return;
      default:
        lose(`unknown reply ${String((reply as { type?: unknown }).type)}`);
    }
  });
  worker.addEventListener('error', (e) => lose(e.message || 'the worker failed'));
  const symbolsOff = symbols.transferControlToOffscreen();
  const pulsesOff = pulses.transferControlToOffscreen();
  post({ type: 'open', symbols: symbolsOff, pulses: pulsesOff, pools }, [symbolsOff, pulsesOff]);
  return {
    site: 'worker',
    get busy() {
      return busy;
    },
    paint(order, transfer) {
      busy = true;
      post({ type: 'paint', order }, transfer);
    },
    close() {
      closed = true;
      worker.terminate();
      remove();
    },
  };
}

function canvas(): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.style.cssText = 'position:absolute;left:0;top:0;width:100%;height:100%;';
  return c;
}
