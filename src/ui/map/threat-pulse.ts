import type Feature from 'ol/Feature';
import type Point from 'ol/geom/Point';
import type VectorLayer from 'ol/layer/Vector';
import type OlMap from 'ol/Map';
import type RenderEvent from 'ol/render/Event';
import { containsCoordinate } from 'ol/extent';
import { getVectorContext } from 'ol/render';
import CircleStyle from 'ol/style/Circle';
import Stroke from 'ol/style/Stroke';
import Style from 'ol/style/Style';
import { GROWTH_PX, RING_RADIUS } from './symbol-sizes';
import { TRACK } from './track-props';

/** One pulse: a ring that grows from the symbol's ring outwards and fades, every PERIOD_MS. */
export const PERIOD_MS = 1400;
export { GROWTH_PX };
/**
 * The pulse asks for a frame at most this often, not every animation frame: each map frame redraws
 * every layer (and on a software-composited WebGL context reads the frame back, docs/ui.md), so a
 * frame loop at the display's rate starved the page's main thread once hundreds of tracks were
 * HIGH (scenario 12: window.lattice calls timed out). Ten steps a period still read as a pulse.
 */
export const FRAME_MS = 140;
/** At most this many pulses a frame; every other HIGH track keeps its static red ring. */
export const MAX_PULSES = 64;
/** The pulse's steps in a period: each step's ring is made once (a new circle style renders a new image). */
export const STEPS = Math.round(PERIOD_MS / FRAME_MS);

/**
 * The pulsing ring around HIGH threats for the 2D canvas fallback (the GPU layer draws the same
 * pulse in its shader, track-sprites.ts), drawn after the track layer on its canvas (no DOM, no
 * extra features). It asks the map for the next frame only while a HIGH track is in view, and not
 * at all when the operator asked for reduced motion (the static red ring remains).
 */
export class ThreatPulse {
  private readonly reduced = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  private next: ReturnType<typeof setTimeout> | undefined;
  private readonly steps: Style[] = [];

  constructor(
    private readonly map: OlMap,
    layer: VectorLayer,
    /** The HIGH threats, kept by TrackFeatures: scanning every track each frame would cost more. */
    private readonly highs: ReadonlySet<Feature<Point>>,
  ) {
    layer.on('postrender', (e) => this.draw(e));
  }

  private draw(event: RenderEvent): void {
    if (this.reduced || !this.map.getTargetElement()?.isConnected) return;
    const extent = event.frameState?.extent;
    if (extent === undefined || extent === null) return;
    const high: Feature<Point>[] = [];
    for (const f of this.highs) {
      if (high.length === MAX_PULSES) break;
      if (f.get(TRACK.stale) !== true && containsCoordinate(extent, f.getGeometry()!.getCoordinates())) high.push(f);
    }
    if (high.length === 0) return;
    const step = Math.floor(((Date.now() % PERIOD_MS) / PERIOD_MS) * STEPS);
    const style = (this.steps[step] ??= pulseStyle(step / STEPS));
    const context = getVectorContext(event);
    context.setStyle(style);
    for (const f of high) context.drawGeometry(f.getGeometry()!);
    // One pending request for the next step; a frame drawn sooner for another reason draws it early.
    this.next ??= setTimeout(() => {
      this.next = undefined;
      this.map.render();
    }, FRAME_MS);
  }
}

function pulseStyle(phase: number): Style {
  return new Style({
    image: new CircleStyle({
      radius: RING_RADIUS + GROWTH_PX * phase,
      stroke: new Stroke({ color: `rgba(239, 68, 68, ${1 - phase})`, width: 4 }),
    }),
  });
}
