/**
 * Scenario 6, the in-page part: <lattice-map> alone, fed a picture of N moving tracks the way the
 * shell feeds it (the page's Picture, src/ui/picture.ts: each change batch sets the changed tracks'
 * new view objects and hands the map the picture's new frame, which carries the changed ids).
 * Bundled by bench/s6-map-frame.ts and driven through `window.s6`. Tracks are generated before the
 * clock starts; the page measures per frame and returns raw samples.
 */
import '../../src/ui/map/lattice-map';
import type { EntityView } from '../../src/node/node-api';
import type { LatticeMap } from '../../src/ui/map/lattice-map';
import { Picture } from '../../src/ui/picture';
import { prng } from '../lib/prng';

const DISPOSITIONS = ['HOSTILE', 'SUSPICIOUS', 'UNKNOWN', 'NEUTRAL', 'FRIENDLY'] as const;
const ENVIRONMENTS = ['AIR', 'SURFACE', 'LAND'] as const;
const THREATS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;

interface Mover {
  lat: number;
  lon: number;
  readonly east: number;
  readonly north: number;
  view: EntityView;
}

function viewOf(i: number, m: Omit<Mover, 'view'>, at: number, rnd: () => number): EntityView {
  const meta = { version: 'v', author: 'bench', time: at, conflict: false, heads: 1 };
  return {
    id: `trk-${i.toString()}`,
    components: {
      classification: {
        label: `T${i.toString()}`,
        disposition: DISPOSITIONS[i % DISPOSITIONS.length]!,
        environment: ENVIRONMENTS[i % ENVIRONMENTS.length]!,
        confidence: 0.9,
      },
      position: { lat: m.lat, lon: m.lon, accuracy: 20 + rnd() * 200 },
      velocity: { east: m.east, north: m.north },
      threat: { level: THREATS[i % 50 === 0 ? 3 : i % THREATS.length === 3 ? 2 : i % 3]! },
    },
    meta: { position: meta, velocity: meta, classification: meta, threat: meta },
    conflicts: [],
    updatedAt: at,
  } as unknown as EntityView;
}

export interface FrameSample {
  readonly frames: number;
  readonly seconds: number;
  /**
   * Per frame: the map's update, ms: taking the new picture (its Lit update), then applying it and
   * drawing the symbols, which the map does once at the next animation frame (its `updateTime`,
   * read as a difference at the start of each of this page's frames); the n-th taking and the n-th
   * applying are added.
   */
  readonly updateMs: number[];
  /**
   * Per frame: OpenLayers rendering the whole map, ms (0 in a frame without one: moving tracks
   * redraw the symbol layer alone, counted in the update).
   */
  readonly renderMs: number[];
  /** Per frame: this page making the moved tracks' new views and putting them in the picture (the shell's part), ms. */
  readonly feedMs: number[];
  /** Times the map's GPU layer drew the symbols during the run (the map spaces redraws when the GPU is slow). */
  readonly symbolDraws: number;
}

let prepared: { map: LatticeMap; movers: Mover[]; rnd: () => number; picture: Picture } | undefined;

/** Mounts a fresh map holding `n` tracks and lets its first render settle (not measured). */
async function prepare(n: number): Promise<void> {
  document.querySelector('lattice-map')?.remove();
  const map = document.createElement('lattice-map') as LatticeMap;
  map.style.cssText = 'position:fixed;inset:0;';
  document.body.append(map);
  await map.updateComplete;
  const rnd = prng(6);
  const now = Date.now();
  const movers: Mover[] = [];
  for (let i = 0; i < n; i++) {
    const speed = 5 + rnd() * 250;
    const dir = rnd() * 2 * Math.PI;
    const m = {
      lat: 59 + rnd() * 1.5,
      lon: 17 + rnd() * 3,
      east: speed * Math.sin(dir),
      north: speed * Math.cos(dir),
    };
    movers.push({ ...m, view: viewOf(i, m, now, rnd) });
  }
  const picture = new Picture();
  picture.replace(movers.map((m) => m.view));
  map.picture = picture.frame();
  await map.updateComplete;
  map.olMap!.renderSync();
  // Settle the first render (symbol atlas, layer replays) before measuring.
  await new Promise((r) => setTimeout(r, 500));
  prepared = { map, movers, rnd, picture };
}

/**
 * Moves the prepared tracks for `seconds` and samples each frame. Each frame moves the tracks that
 * reported since the last one, every track once a second; or, with `perFrame`, that many tracks
 * a frame whatever the frame rate (a 60 Hz frame's share, when the software GPU draws slower).
 */
async function measure(seconds: number, perFrame?: number): Promise<FrameSample> {
  if (prepared === undefined) throw new Error('prepare first');
  const { map, movers, rnd, picture } = prepared;
  const n = movers.length;

  const renderMs: number[] = [];
  const feedMs: number[] = [];
  let renderStart = 0;
  const ol = map.olMap!;
  const onPre = (): void => {
    renderStart = performance.now();
  };
  const taken: number[] = [];
  const applied: number[] = [];
  let appliedBefore = map.updateTime.ms;
  let rendered = 0;
  const onPost = (): void => {
    if (renderStart > 0) rendered += performance.now() - renderStart;
  };
  ol.on('precompose', onPre);
  ol.on('postcompose', onPost);
  let frames = 0;
  let cursor = 0;
  const drawsBefore = map.symbolDraws;
  let last = performance.now();
  const start = last;
  const end = last + seconds * 1000;
  await new Promise<void>((done) => {
    const frame = (t: number): void => {
      if (t >= end) {
        last = t;
        done();
        return;
      }
      frames++;
      // What ran since this page's last frame: the map applying the last picture, and any map render.
      const appliedNow = map.updateTime.ms;
      if (frames > 1) {
        applied.push(appliedNow - appliedBefore);
        renderMs.push(rendered);
      }
      appliedBefore = appliedNow;
      rendered = 0;
      const dt = (t - last) / 1000;
      last = t;
      // Every track reports once a second: this frame's share of them moves.
      const share = perFrame ?? Math.max(1, Math.round(n * dt));
      const fed = performance.now();
      const stamp = Date.now();
      for (let k = 0; k < share; k++) {
        const i = cursor;
        const m = movers[i]!;
        cursor = (cursor + 1) % n;
        m.lat += (m.north / 111_320) * 1;
        m.lon += (m.east / (111_320 * Math.cos((m.lat * Math.PI) / 180))) * 1;
        m.view = viewOf(i, m, stamp, rnd);
        picture.set(m.view);
      }
      feedMs.push(performance.now() - fed);
      // Timed from here: the new picture reaching the map, as a change batch reaches it from the shell.
      const t0 = performance.now();
      map.picture = picture.frame();
      void map.updateComplete.then(() => taken.push(performance.now() - t0));
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  ol.un('precompose', onPre);
  ol.un('postcompose', onPost);
  const updateMs = applied.map((ms, i) => ms + (taken[i] ?? 0));
  return {
    frames,
    seconds: (last - start) / 1000,
    updateMs,
    renderMs,
    feedMs,
    symbolDraws: map.symbolDraws - drawsBefore,
  };
}

declare global {
  interface Window {
    s6?: { prepare: typeof prepare; measure: typeof measure };
  }
}
window.s6 = { prepare, measure };
