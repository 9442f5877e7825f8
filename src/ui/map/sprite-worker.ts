/**
 * The symbol layer's worker (track-sprites.ts): it holds the layer's two canvases, transferred from
 * the page as OffscreenCanvases, and draws each paint order on them (sprite-gl.ts). Without a GPU
 * the drawing is rasterised in software and read back for the compositor when the canvas commits;
 * here that wait holds this worker, where on the page it held the main thread, and with it the mesh
 * relay and the approval prompt (docs/ui.md, "Rendering"). After each order it answers `painted`
 * at its next animation frame, once the drawing has been committed, so that the page has at most
 * one order in flight and the changes made meanwhile join the next.
 */
import { SpritePainter, type PaintOrder } from './sprite-gl';
import type { SpriteMessage, SpriteReply } from './sprite-messages';

interface Scope {
  postMessage(message: SpriteReply): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<unknown>) => void): void;
  requestAnimationFrame(callback: () => void): number;
}
const scope = globalThis as unknown as Scope;
let painter: SpritePainter | null = null;

scope.addEventListener('message', (e) => {
  const message = e.data as SpriteMessage;
  switch (message?.type) {
    case 'open':
      painter = SpritePainter.open(message.symbols, message.pulses, message.pools);
      if (painter === null)
        scope.postMessage({ type: 'failed', reason: 'no WebGL with instancing on an OffscreenCanvas' });
      return;
    case 'paint':
      paint(message.order);
      return;
    default:
      scope.postMessage({ type: 'failed', reason: `unknown message ${String((message as { type?: unknown })?.type)}` });
  }
});

function paint(order: PaintOrder): void {
  if (painter === null) return;
  try {
    painter.paint(order);
  } catch (error) {
    scope.postMessage({ type: 'failed', reason: error instanceof Error ? error.message : String(error) });
    return;
  }
  scope.requestAnimationFrame(() => scope.postMessage({ type: 'painted' }));
}
