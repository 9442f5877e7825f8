import {
  THREAT_LEVELS,
  type Classification,
  type Position,
  type Source,
  type Threat,
  type Velocity,
} from '../core/entity/component-types';
import type { ComponentValue } from '../core/entity/component-types';
import { FusionEngine } from '../core/fusion/engine';
import { effectiveTask } from '../core/task/gate';
import { compareRequestIds, type ApprovalRecord, type RequestId, type TaskRecord } from '../core/task/records';
import type { FusedTrack, SourceTrack } from '../core/fusion/types';
import type { ComponentKind, EntityId } from '../core/ids';
import type { EntityMarks } from '../core/store/entity-marks';
import type { ComponentMeta, EntityView } from '../core/store/entity-view';
import { matches, type Query } from '../core/store/query';
import type { FusionSettings, FusionStatsView } from './c2-api';
import type { ChangeBatch } from './node-api';
import { isTrack } from './track-classifier';
import { nextBulkTask, type Scheduler } from './scheduler';

/**
 * A change schedules a scan this long later, so a burst (a sensor's batch, a peer's push, an
 * import) is one scan; never sooner than twice the last scan's duration after a change, so
 * fusion takes at most about a third of the worker however fast tracks change.
 */
export const FUSION_COALESCE_MS = 100;

/** The kinds this view reads of a track (isTrack, sourceTrack): FusionViewDeps.trackView reads these alone. */
export const TRACK_KINDS: readonly ComponentKind[] = ['source', 'position', 'velocity'].map((k) => k as ComponentKind);

/**
 * How far ahead of the wall clock fusion's clock may follow the node's hybrid clock: twice the
 * honest writer skew fusion is tested with (5 s), far below the 60 s skew limit a peer's stamp can
 * drag the hybrid clock by (docs/fusion.md, "Time basis").
 */
export const FUSION_CLOCK_LEAD_MS = 10_000;

export interface FusionViewDeps {
  /** The wall clock, epoch ms: times the scans and schedules them. */
  readonly now: () => number;
  /**
   * The node's hybrid logical clock, its physical part (epoch ms): the largest of the wall clock
   * and every stamp the node has issued or merged. Fusion's `now` is the larger of it (capped at
   * FUSION_CLOCK_LEAD_MS ahead) and the wall clock (docs/fusion.md, "Time basis"), so a version this node holds is never ahead of
   * fusion's clock however far ahead its writer's clock runs within the skew limit; a host
   * without one (tests) uses the wall clock, and a report stamped ahead of it is left out until
   * the clock comes within the engine's lead of it (engine.ts).
   */
  readonly hlcMs?: () => number;
  readonly view: (id: EntityId) => EntityView | undefined;
  /**
   * Whether `view(id)` is a view, without building it (EntityStore.visible): a scan asks it of
   * every fused track and its sources, and building those views was most of the scan's time under
   * scenario 12 (docs/benchmarks.md). Absent: `view(id) !== undefined`.
   */
  readonly has?: (id: EntityId) => boolean;
  /**
   * False when `view(id)` cannot be a track (isTrack: it holds no `source` or no `position`
   * register), told without building the view: every change of every entity is observed, and the
   * view built per received version was ~4 µs of a receiving worker's time in a bulk sync of
   * entities that are not tracks (docs/benchmarks.md, scenario 7). Absent: the view decides.
   */
  readonly mayBeTrack?: (id: EntityId) => boolean;
  /**
   * What `view(id)` shows of TRACK_KINDS alone (EntityStore's viewOfKinds): all this view reads of
   * a changed entity, so no full view is built per read (reading changed entities was ~17 µs a
   * received write, docs/benchmarks.md, scenario 1). Absent: `view`.
   */
  readonly trackView?: (id: EntityId) => EntityView | undefined;
  /** The view of every shown entity that may be a track (mayBeTrack), in the store's order. */
  readonly all: () => Iterable<EntityView>;
  readonly log: (message: string, detail?: unknown) => void;
  /** Runs the scan a change asks for; without one (a host that only ticks) it waits for the next tick. */
  readonly scheduler?: Scheduler;
  /**
   * Where to keep the entities changed and not yet read (observe): marks of the store the views
   * are read from (EntityStore.marks), ~8 bytes per entity where a Set entry took ~26. Absent, a Set.
   */
  readonly pendingMarks?: EntityMarks;
}

/**
 * Fusion as a derived view, computed on every node and never stored or replicated
 * (docs/fusion.md): the engine is fed from the store's change feed (any entity with `source` and
 * `position`, whoever wrote it) and scanned on the host's tick. While enabled, each fused track is
 * an entity view of its own (`fusion`, `position`, and its sources' most severe threat, most
 * confident classification and a velocity), and its sources are hidden from list() and watch()
 * (get() still returns them by id); when the pair splits, a source goes, or fusion is turned off,
 * the fused view goes and the sources show again.
 */
export class FusionView {
  private engine: FusionEngine | undefined;
  private settings: FusionSettings = { enabled: true };
  private shown = new Map<EntityId, FusedTrack>();
  /** Source id → the fused id it is hidden under. */
  private readonly hidden = new Map<EntityId, EntityId>();
  private readonly listeners = new Set<(batch: ChangeBatch) => void>();
  private lastScanMs = 0;
  private lastScanEnd = -Infinity;
  /** Tracks changed since the last scan began. */
  private dirty = false;
  /** Cancels the scan a change scheduled; undefined when none is. */
  private scheduled: (() => void) | undefined;
  private scanning = false;
  /** A change arrived during a scan: one more follows it. */
  private again = false;
  /**
   * Entities changed and not yet read into the engine (observe): read once each when something
   * needs the picture (a scan, a read, a watcher's batch), not once per merge that changed them.
   */
  private readonly pending: EntityMarks;
  constructor(private readonly deps: FusionViewDeps) {
    this.pending = deps.pendingMarks ?? new Set();
  }

  get current(): FusionSettings {
    return this.settings;
  }

  /** Applies settings (on load and from setFusion): a new gate starts a fresh engine from the store. */
  configure(settings: FusionSettings): void {
    const before = this.settings;
    this.settings = settings;
    if (!settings.enabled) {
      this.engine = undefined;
      this.pending.clear();
      this.cancel();
      this.replace(new Map());
      return;
    }
    if (this.engine !== undefined && before.gateMeters === settings.gateMeters) return;
    const g = settings.gateMeters;
    this.engine = new FusionEngine(g === undefined ? {} : { gateMeters: g, splitMeters: 2 * g });
    // The fresh engine reads every entity now: what changed before is in it.
    this.pending.clear();
    this.replace(new Map());
    for (const v of this.deps.all()) if (isTrack(v)) this.engine.upsert(this.sourceTrack(v));
    this.request();
  }

  /**
   * An entity changed or left the store. Read later, once however often it changes meanwhile: a
   * peer's frame of 1,000 versions is merged in parts (ingest-parts.ts), and the views of the
   * entities each part touched were built per part, a quarter of a receiving node's time per write
   * (docs/benchmarks.md, scenario 1). What is pending is read before anything shows the picture
   * (get, list, a watcher's batch, stats), before a scan, and at the latest when the scan the
   * change asks for is due (FUSION_COALESCE_MS), so every reader sees what an immediate read would
   * show: each entity read at its state now, which is what its last change left. An entity the host
   * can tell is no track (mayBeTrack) costs no view and is taken at once.
   */
  observe(id: EntityId): void {
    if (this.engine === undefined) return;
    if (this.deps.mayBeTrack?.(id) === false) {
      this.pending.delete(id);
      return this.update(id, undefined, () => this.has(id));
    }
    this.pending.add(id);
    if (this.pending.size === 1) this.schedule();
  }

  /** Reads the pending entities into the engine (see observe). */
  private drain(): void {
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending.clear();
    for (const id of ids) this.read(id);
  }

  private read(id: EntityId): void {
    if (this.engine === undefined) return;
    if (this.deps.mayBeTrack?.(id) === false) return this.update(id, undefined, () => this.has(id));
    const { trackView } = this.deps;
    if (trackView !== undefined) return this.update(id, trackView(id), () => this.has(id));
    const view = this.deps.view(id);
    this.update(id, view, () => view !== undefined);
  }

  /** `view`: the entity's view if it may be a track (undefined: none, or not a track); `visible`: whether it has one. */
  private update(id: EntityId, view: EntityView | undefined, visible: () => boolean): void {
    const engine = this.engine;
    if (engine === undefined) return;
    if (this.shown.has(id) && visible()) {
      // A stored entity took a shown fused view's id (a peer can compute fusedId): the view yields.
      const next = new Map(this.shown);
      next.delete(id);
      this.replace(next);
    }
    if (view !== undefined && isTrack(view)) {
      // A change fusion does not read (a classification, a threat, a label) asks for no scan.
      if (engine.upsert(this.sourceTrack(view))) this.request();
      return;
    }
    // An entity the engine never held (not a track, then or now) asks for no scan either.
    if (engine.remove(id)) this.request();
    // Cascade at once, not at the next scan: a fused view never outlives one of its sources.
    const fused = this.hidden.get(id);
    if (fused === undefined) return;
    const next = new Map(this.shown);
    next.delete(fused);
    this.replace(next);
  }

  /**
   * The host's periodic tick: scans when tracks changed and no scheduler runs the scan they asked
   * for, or when the engine says a scan with no new report is due (a pair's dwell ends: a picture
   * written once fuses then). An idle picture is not scanned. True if it scanned.
   */
  tick(): boolean {
    if (this.engine === undefined) return false;
    this.drain();
    const now = this.deps.now();
    // A due scan keeps the gap a change's scan keeps (twice the last scan's duration), so pairs
    // whose dwells end one after another cannot keep the worker scanning back to back.
    const due = this.fusionNow() >= this.engine.nextDue() && now - this.lastScanEnd >= 2 * this.lastScanMs;
    if (!due && !(this.dirty && this.deps.scheduler === undefined)) return false;
    this.scan();
    return true;
  }

  /**
   * A change asks for a scan: one is scheduled FUSION_COALESCE_MS later (or twice the last
   * scan's duration) unless one is already; a change during a scan schedules one more after it.
   * So changes are fused as they come, at most one scan is in flight, and a burst is one scan.
   */
  private request(): void {
    if (this.engine === undefined) return;
    this.dirty = true;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.schedule();
  }

  /**
   * Runs the scan FUSION_COALESCE_MS on (or twice the last scan's duration) unless one is
   * scheduled; it first reads the pending entities (observe), and scans only if they or an earlier
   * change asked for it (dirty).
   */
  private schedule(): void {
    if (this.scanning) return;
    const scheduler = this.deps.scheduler;
    if (scheduler === undefined || this.scheduled !== undefined) return;
    this.scheduled = scheduler.after(Math.max(FUSION_COALESCE_MS, 2 * this.lastScanMs), () => {
      // Read what is pending (it may ask for a scan, or be no track change at all) while this
      // timer still counts as scheduled, so a change it reads schedules no second one.
      this.drain();
      this.scheduled = undefined;
      if (!this.dirty) return;
      if (scheduler.background === undefined) return this.scan();
      // Then in a task of low priority (nextBulkTask): a peer's frame, a storage completion or a
      // gate step ready by then runs first instead of waiting behind the scan and the fused views
      // it hands to the watchers (docs/c2-pipeline.md, "The priority lane").
      let live = true;
      this.scheduled = () => {
        live = false;
      };
      void nextBulkTask(scheduler).then(() => {
        if (!live) return;
        this.scheduled = undefined;
        this.scan();
      });
    });
  }

  private cancel(): void {
    this.scheduled?.();
    this.scheduled = undefined;
    this.dirty = false;
    this.again = false;
  }

  private scan(): void {
    if (this.engine === undefined || this.scanning) return;
    this.drain();
    const engine = this.engine;
    if (engine === undefined) return;
    this.scheduled?.();
    this.scheduled = undefined;
    this.dirty = false;
    this.scanning = true;
    try {
      const now = this.deps.now();
      const changes = engine.scan(this.fusionNow());
      this.lastScanEnd = this.deps.now();
      this.lastScanMs = this.lastScanEnd - now;
      if (changes.length > 0) {
        const next = new Map<EntityId, FusedTrack>();
        // A fused track whose source left between scans stays gone (observe cascaded it). Nor is one
        // shown under the id of an entity of the store: fused ids are a public function of the source
        // ids, so a peer can write an entity under one, and showing both would list two things under
        // one id and hide the entity behind the view on get(). Its sources then show unfused.
        for (const t of engine.fused())
          if (!this.has(t.id) && t.fusion.sources.every((s) => this.has(s))) next.set(t.id, t);
        this.replace(next);
      }
    } finally {
      this.scanning = false;
    }
    if (this.again) {
      this.again = false;
      this.request();
    }
    // Changes observed during the scan (a watcher that wrote) are read at the next one.
    if (this.pending.size > 0) this.schedule();
  }

  /**
   * Fusion's clock: the wall clock, or the node's hybrid clock when it is ahead
   * (FusionViewDeps.hlcMs), by at most FUSION_CLOCK_LEAD_MS: any version within the skew limit
   * drags the hybrid clock, so one peer's note stamped 59 s ahead aged every fused track on the
   * node by 59 s (its confidence 0.99 → 0.60) and froze the dwell; now it can age them by 10 s.
   */
  private fusionNow(): number {
    const wall = this.deps.now();
    const hlc = this.deps.hlcMs?.();
    return hlc !== undefined && hlc > wall ? Math.min(hlc, wall + FUSION_CLOCK_LEAD_MS) : wall;
  }

  private has(id: EntityId): boolean {
    return this.deps.has === undefined ? this.deps.view(id) !== undefined : this.deps.has(id);
  }

  /** The node stops: no scheduled scan runs after it. */
  stop(): void {
    this.cancel();
  }

  stats(): FusionStatsView {
    this.drain();
    let sources = 0;
    for (const t of this.shown.values()) sources += t.fusion.sources.length;
    const e = this.engine?.stats();
    return {
      fused: this.shown.size,
      sources,
      lastScanMs: this.lastScanMs,
      gateLimited: e === undefined ? 0 : e.gateRefused + e.gateCrowded,
      ahead: e?.ahead ?? 0,
    };
  }

  get(id: EntityId, raw: EntityView | undefined): EntityView | undefined {
    this.drain();
    const t = this.shown.get(id);
    return t === undefined ? raw : this.fusedView(t);
  }

  list(q: Query, raw: (q: Query) => EntityView[]): EntityView[] {
    this.drain();
    if (this.shown.size === 0) return raw(q);
    const { limit, ...rest } = q;
    const out = raw(rest).filter((v) => !this.hidden.has(v.id));
    for (const t of this.shown.values()) {
      const v = this.fusedView(t);
      if (v !== undefined && matches(v, rest)) out.push(v);
    }
    return limit === undefined ? out : out.slice(0, limit);
  }

  /** The store's batches with hidden sources replaced by their fused views, plus this view's own changes. */
  watch(listener: (batch: ChangeBatch) => void, store: (l: (batch: ChangeBatch) => void) => () => void): () => void {
    const off = store((batch) => listener(this.filter(batch)));
    this.listeners.add(listener);
    return () => {
      off();
      this.listeners.delete(listener);
    };
  }

  private filter(batch: ChangeBatch): ChangeBatch {
    this.drain();
    if (this.hidden.size === 0) return batch;
    const changed = new Map<EntityId, EntityView>();
    for (const v of batch.changed) {
      const fused = this.hidden.get(v.id);
      const t = fused === undefined ? undefined : this.shown.get(fused);
      const shown = t === undefined ? v : this.fusedView(t);
      if (shown !== undefined) changed.set(shown.id, shown);
    }
    return { ...batch, changed: [...changed.values()], removed: batch.removed };
  }

  /** Swaps the shown fused tracks and tells watchers what appeared, moved and went. */
  private replace(next: Map<EntityId, FusedTrack>): void {
    const before = this.shown;
    const wasHidden = new Set(this.hidden.keys());
    this.shown = next;
    this.hidden.clear();
    for (const t of next.values()) for (const s of t.fusion.sources) this.hidden.set(s, t.id);
    const changed: EntityView[] = [];
    const removed: EntityId[] = [];
    for (const [id, t] of before) {
      if (next.has(id)) continue;
      removed.push(id);
      for (const s of t.fusion.sources) {
        const v = this.hidden.has(s) ? undefined : this.deps.view(s);
        if (v !== undefined) changed.push(v);
      }
    }
    for (const [id, t] of next) {
      if (before.get(id) === t) continue;
      const v = this.fusedView(t);
      if (v !== undefined) changed.push(v);
      removed.push(...t.fusion.sources.filter((s) => !wasHidden.has(s)));
    }
    if (changed.length === 0 && removed.length === 0) return;
    const batch: ChangeBatch = { changed, removed };
    for (const l of this.listeners) {
      // One failing watcher must not stop the others, nor the scan or the write that got us here.
      try {
        l(batch);
      } catch (error) {
        this.deps.log('fusion watcher failed', error);
      }
    }
  }

  /**
   * What the engine needs of a track: its sensor, its position and when it was valid, and its
   * velocity when it has one (so that reports of different instants are compared at one time,
   * docs/fusion.md, time alignment). When it was valid is its position version's own stamp
   * (docs/fusion.md, "Time basis"): replicated with the version, so every node holding that
   * version gives the engine the same time, whenever and however the version reached it and
   * whenever this view reads it. A stamp more than MAX_STAMP_LEAD_MS ahead of this node's clock is
   * not bounded here: the engine leaves the report out of its scans until the clock comes within
   * the lead of it (engine.ts, scan). Its declared sensor type decides how it is fused with others
   * (independent across types).
   */
  private sourceTrack(v: EntityView): SourceTrack {
    const velocity = v.components.velocity as Velocity | undefined;
    const moving = velocity !== undefined && Number.isFinite(velocity.east) && Number.isFinite(velocity.north);
    const source = v.components.source as Source;
    return {
      id: v.id,
      sensorId: source.sensorId,
      sensorType: source.sensorType,
      // The sensor is its id under the author of the source version (docs/fusion.md, Association).
      author: v.meta.source!.author,
      position: v.components.position as Position,
      time: v.meta.position!.time,
      ...(moving ? { velocity: { east: velocity.east, north: velocity.north } } : {}),
    };
  }

  private fusedView(t: FusedTrack): EntityView | undefined {
    const sources: EntityView[] = [];
    for (const id of t.fusion.sources) {
      const v = this.deps.view(id);
      if (v === undefined) return undefined;
      sources.push(v);
    }
    const own = derivedMeta(sources);
    const components: Record<string, ComponentValue> = { fusion: t.fusion, position: t.fusion.position };
    const meta: Record<string, ComponentMeta> = { fusion: own, position: own };
    const carry = (kind: string, pick: (a: EntityView, b: EntityView) => EntityView): void => {
      const having = sources.filter((s) => s.components[kind] !== undefined);
      if (having.length === 0) return;
      const best = having.reduce(pick);
      components[kind] = best.components[kind]!;
      meta[kind] = best.meta[kind]!;
    };
    const level = (v: EntityView): number => THREAT_LEVELS.indexOf((v.components.threat as Threat).level);
    const conf = (v: EntityView): number => (v.components.classification as Classification).confidence;
    carry('threat', (a, b) => (level(b) > level(a) ? b : a));
    carry('classification', (a, b) => (conf(b) > conf(a) ? b : a));
    carry('velocity', (a) => a);
    // The approval and its task travel together from one source (a task stands only beside the
    // approval of its request): a source hidden under this view must not hide a request waiting
    // for the operator, nor the intercept task it runs.
    const asking = sources.filter((s) => s.components.approval !== undefined);
    if (asking.length > 0) {
      const best = asking.reduce((a, b) => (showsBefore(b, a) ? b : a));
      for (const kind of ['approval', 'task']) {
        if (best.components[kind] === undefined) continue;
        components[kind] = best.components[kind]!;
        meta[kind] = best.meta[kind]!;
      }
    }
    return {
      id: t.id,
      components,
      meta,
      // Fusion's own components never conflict (nothing is written); a carried one shows its source's flag.
      conflicts: Object.keys(meta).filter((kind) => meta[kind]!.conflict),
      updatedAt: Math.max(t.time, ...sources.map((s) => s.updatedAt)),
    };
  }
}

/**
 * The meta of a fused view's own components (`fusion`, `position`): nothing was written, so it
 * claims no write of this node. It follows the newest source position (its version, author and
 * time: the fused track holds at that time), says it was derived by fusion from the authors of
 * the sources' positions, and is unverified when any of those is (docs/fusion.md, "Wiring it in").
 */
function derivedMeta(sources: readonly EntityView[]): ComponentMeta {
  const positions = sources.map((s) => s.meta.position!);
  const newest = positions.reduce((a, b) => (b.time > a.time || (b.time === a.time && b.version > a.version) ? b : a));
  const authors = [...new Set(positions.map((m) => m.author))].sort();
  return {
    version: newest.version,
    author: newest.author,
    time: newest.time,
    conflict: false,
    heads: 1,
    ...(positions.some((m) => m.unverified) ? { unverified: true as const } : {}),
    derived: { by: 'fusion', authors },
  };
}

/**
 * Which source's approval a fused view shows: a pending request first (the operator must see it),
 * then one whose intercept task stands, then the newest request (request ids order in time).
 */
function showsBefore(a: EntityView, b: EntityView): boolean {
  const rank = (v: EntityView): number => {
    const approval = v.components.approval as ApprovalRecord;
    if (approval.state === 'pending') return 2;
    return effectiveTask({ approval, task: v.components.task as TaskRecord | undefined }) === undefined ? 0 : 1;
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra > rb;
  return compareRequestIds(requestOf(a), requestOf(b)) > 0;
}

function requestOf(v: EntityView): RequestId {
  return (v.components.approval as ApprovalRecord).requestId;
}
