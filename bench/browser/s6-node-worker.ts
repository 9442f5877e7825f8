/// <reference lib="webworker" />
/**
 * Scenario 6's node worker: the production worker API (src/node/create-worker-api.ts: comlink, one
 * WatchRelay per watcher, the compact feed's encoder, its buffer transferred) over a stand-in node
 * whose change feed is the node's own ChangeFeed on the worker's 16 ms timer, fed by N tracks that
 * each report once a second. Only the store is left out: the views it would make are made here the
 * way `viewOf` makes them (new component, meta and view objects per report; the values a report does
 * not touch, classification, threat, source, kept by reference as the store keeps them), so the
 * page receives what the app's page receives. Bundled by bench/s6-map-frame.ts.
 */
import * as Comlink from 'comlink';
import { encodeTs } from '../../src/core/clock/timestamp';
import type { EntityId, NodeId } from '../../src/core/ids';
import type { ComponentMeta, EntityView } from '../../src/core/store/entity-view';
import { ChangeFeed } from '../../src/node/change-feed';
import { createWorkerApi, type RunningNode } from '../../src/node/create-worker-api';
import type { ChangeBatch, NodeInfo, WatchOptions } from '../../src/node/node-api';
import { prng } from '../lib/prng';

/** As workers/node-worker.ts: change batches leave at most every 16 ms. */
const CHANGE_BATCH_MS = 16;
/** How often the tracks due to report do so (a sensor's burst; the feed batches them). */
const REPORT_MS = 4;
/** One report in this many also changes the track's threat (a classifier write): its view goes whole. */
const THREAT_CHANGE_EVERY = 100;

const DISPOSITIONS = ['HOSTILE', 'SUSPICIOUS', 'UNKNOWN', 'NEUTRAL', 'FRIENDLY'] as const;
const ENVIRONMENTS = ['AIR', 'SURFACE', 'LAND'] as const;
const THREATS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
const SENSOR = 'benchSensorAAAAAAAAAAAAAAAAAAAAA' as NodeId;
const OPERATOR = 'benchOperatorBBBBBBBBBBBBBBBBBBB' as NodeId;

interface Track {
  readonly id: EntityId;
  lat: number;
  lon: number;
  readonly east: number;
  readonly north: number;
  readonly accuracy: number;
  classification: unknown;
  threat: unknown;
  readonly source: unknown;
  /** Meta of the components no report touches (their versions stand). */
  readonly still: Readonly<Record<string, ComponentMeta>>;
  view: EntityView;
}

const meta = (ms: number, c: number, node: NodeId): ComponentMeta => ({
  version: encodeTs({ ms, c, node }),
  author: node,
  time: ms,
  conflict: false,
  heads: 1,
});

let tracks: Track[] = [];
const byId = new Map<string, Track>();
let counter = 0;
const rnd = prng(6);
const feed = new ChangeFeed(
  (fn) => setTimeout(fn, CHANGE_BATCH_MS),
  (id) => byId.get(id)?.view,
  (error) => console.error('[s6 worker] watcher failed', error),
);
const stats = { reports: 0, wholeByThreat: 0 };

function viewOf(t: Track, at: number): EntityView {
  const c = counter++ & 0xffff;
  const m = meta(at, c, SENSOR);
  return {
    id: t.id,
    components: {
      position: { lat: t.lat, lon: t.lon, accuracy: t.accuracy },
      velocity: { east: t.east, north: t.north },
      classification: t.classification,
      threat: t.threat,
      source: t.source,
    },
    meta: { ...t.still, position: m, velocity: meta(at, c, SENSOR) },
    conflicts: [],
    updatedAt: at,
  } as EntityView;
}

/** N tracks over the Baltic, the same workload as the map alone had before (seed 6). */
function prepare(n: number): void {
  const now = Date.now();
  tracks = [];
  byId.clear();
  for (let i = 0; i < n; i++) {
    const speed = 5 + rnd() * 250;
    const dir = rnd() * 2 * Math.PI;
    const id = `trk-${i.toString()}` as EntityId;
    const t: Track = {
      id,
      lat: 59 + rnd() * 1.5,
      lon: 17 + rnd() * 3,
      east: speed * Math.sin(dir),
      north: speed * Math.cos(dir),
      accuracy: Math.round(20 + rnd() * 200),
      classification: {
        label: `T${i.toString()}`,
        disposition: DISPOSITIONS[i % DISPOSITIONS.length]!,
        environment: ENVIRONMENTS[i % ENVIRONMENTS.length]!,
        confidence: 0.9,
      },
      threat: { level: THREATS[i % 50 === 0 ? 3 : i % 3]! },
      source: { sensorId: 'eo-1', sensorType: 'eo' },
      still: { classification: meta(now, 0, OPERATOR), threat: meta(now, 0, OPERATOR), source: meta(now, 0, SENSOR) },
      view: undefined as unknown as EntityView,
    };
    t.view = viewOf(t, now);
    tracks.push(t);
    byId.set(id, t);
  }
}

let moving: ReturnType<typeof setInterval> | undefined;

/** Every track reports once a second: each tick, the ones due since the last (round robin). */
function move(): void {
  stop();
  let cursor = 0;
  let owed = 0;
  let last = performance.now();
  stats.reports = 0;
  stats.wholeByThreat = 0;
  moving = setInterval(() => {
    const t0 = performance.now();
    owed += (tracks.length * (t0 - last)) / 1000;
    last = t0;
    const now = Date.now();
    for (; owed >= 1; owed--) {
      const t = tracks[cursor]!;
      cursor = (cursor + 1) % tracks.length;
      t.lat += t.north / 111_320;
      t.lon += t.east / (111_320 * Math.cos((t.lat * Math.PI) / 180));
      if (++stats.reports % THREAT_CHANGE_EVERY === 0) {
        const level = (t.threat as { level: string }).level === 'HIGH' ? 'MEDIUM' : 'HIGH';
        t.threat = { level };
        (t.still as Record<string, ComponentMeta>).threat = meta(now, 0, OPERATOR);
        stats.wholeByThreat++;
      }
      t.view = viewOf(t, now);
      feed.mark(t.id);
    }
  }, REPORT_MS);
}

function stop(): void {
  if (moving !== undefined) clearInterval(moving);
  moving = undefined;
}

const lists = { approvals: [], tasks: [] };
/** The node's part the worker API reads: its calls the page makes, and its change feed. */
const node = {
  nodeId: SENSOR,
  async info(): Promise<NodeInfo> {
    return { nodeId: SENSOR, lattice: 's6', storage: { state: 'ok', backend: 'memory', pending: 0 } };
  },
  async list(): Promise<EntityView[]> {
    return tracks.map((t) => t.view);
  },
  picture(): EntityView[] {
    return tracks.map((t) => t.view);
  },
  async approvals() {
    return lists.approvals;
  },
  async tasks() {
    return lists.tasks;
  },
  watch(listener: (batch: ChangeBatch) => void, options?: WatchOptions): () => void {
    // The prompt watches the approvals cue alone, which these tracks never raise.
    if (options?.approvalsOnly === true) return () => undefined;
    return feed.subscribe(listener);
  },
};

const api = createWorkerApi({
  open: async () => ({ node }) as unknown as RunningNode,
  attachPort: () => {
    throw new Error('no links in this benchmark');
  },
  shapeLinks: () => {
    throw new Error('no links in this benchmark');
  },
  proxy: (value) => Comlink.proxy(value),
  transfer: (value, buffers) => Comlink.transfer(value, buffers),
  log: (message, detail) => console.warn(`[s6 worker] ${message}`, detail ?? ''),
});

/** What the benchmark page calls besides the worker API. */
export interface S6Control {
  prepare(n: number): void;
  move(): void;
  stop(): { reports: number; wholeByThreat: number };
}

Comlink.expose({
  ...api,
  prepare,
  move,
  stop: () => {
    stop();
    return { ...stats };
  },
} satisfies S6Control & typeof api);
