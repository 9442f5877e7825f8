import {
  classify,
  DEFAULT_CLASSIFIER,
  identityCue,
  namesIdentity,
  type ClassifierConfig,
  type Cue,
  type CueComponent,
} from '../core/classify/classifier';
import { MAX_TEXT } from '../core/entity/bounds';
import type { Classification, Position, Threat, Velocity } from '../core/entity/component-types';
import { DISPOSITIONS, ENVIRONMENTS } from '../core/entity/component-types';
import { validateComponent } from '../core/entity/validate-component';
import type { EntityId, NodeId } from '../core/ids';
import type { LatLon } from '../core/sim/geo';
import { MapColumn, type EntityColumn } from '../core/store/entity-column';
import type { EntityMarks } from '../core/store/entity-marks';
import type { EntityView } from '../core/store/entity-view';

/** A written classification is kept until the new confidence differs by this much: no write per tick for a fading cue. */
const CONFIDENCE_STEP = 0.1;
/**
 * A track is classified by its sensor's node (the author of its `source`), so a level change is
 * written once, by one node, and raises one approval request. When that node has not reported the
 * track's position for this long (it went away), any node classifies it.
 */
export const OWNER_SILENT_MS = 15_000;

/**
 * The most tracks one slice of a classifier pass judges before it yields to the worker's other
 * ready tasks (`nextSlice`): a pass over every track that moved (2,000 a second under scenario 12)
 * was one task of up to half a second at load, and a peer's frame, a storage completion or the
 * approvals cue waited behind it (docs/c2-pipeline.md, "The priority lane").
 */
export const CLASSIFY_SLICE = 200;

export interface TrackClassifierDeps {
  readonly self: NodeId;
  readonly defended: LatLon;
  readonly now: () => number;
  readonly view: (id: EntityId) => EntityView | undefined;
  /** False when `view(id)` cannot be a track, told without building it (FusionViewDeps.mayBeTrack). */
  readonly mayBeTrack?: (id: EntityId) => boolean;
  /** The node's local update path. */
  readonly update: (id: EntityId, components: Record<string, unknown>) => Promise<unknown>;
  readonly log: (message: string, detail?: unknown) => void;
  /**
   * Resolves in a later task, after the host's work ready by then (the worker: `scheduler.soon`):
   * a pass judges CLASSIFY_SLICE tracks per task. Absent, a pass runs whole in the caller's task.
   */
  readonly nextSlice?: () => Promise<void>;
  /**
   * This node stands removed from its lattice (docs/security.md, "A removed device"): its writes
   * would be refused, so the classifier judges nothing. What changes meanwhile stays marked, and is
   * judged by the first run once the node is a member again.
   */
  readonly idle?: () => boolean;
  /**
   * Where to keep when each track's position was last heard: a column of numbers for the store the
   * tracks are read from (EntityStore.column, type `f64`). Absent, a Map.
   */
  readonly heard?: EntityColumn;
  /**
   * Where to keep the tracks changed since the last pass: marks of the store the tracks are read
   * from (EntityStore.marks), ~8 bytes per track where a Set entry took ~26. Absent, a Set.
   */
  readonly changedMarks?: EntityMarks;
}

/**
 * Runs the classifier on sensor tracks (a `source` and a `position`), whoever wrote them: the ones
 * that changed since the last run, and every track with a cue, since a cue's confidence fades with
 * its age even when nothing is written. It writes `classification` and `threat` only when they
 * change (a new level; a new disposition, label or environment, or confidence moved by
 * CONFIDENCE_STEP), so a steady track costs no writes. Hand-made entities without `source` keep
 * the operator's threat. Only the track's designated classifier writes (see OWNER_SILENT_MS).
 */
export class TrackClassifier {
  private readonly config: ClassifierConfig;
  private readonly dirty: EntityMarks;
  private readonly cued = new Set<EntityId>();
  /** Why this node's classifier last wrote each track's threat, and which threat write that was. */
  private readonly reasons = new Map<EntityId, Reason>();
  /**
   * When this node last heard a position of each track, on its own clock, as ms since `startedAt`
   * (0: never): in the store's column by entity number (deps.heard), 8 bytes per entity where a Map
   * entry took ~36 (docs/benchmarks.md, scenario 10); a track the store forgets reads 0 again.
   */
  private readonly heard: EntityColumn;
  /** Each track's last cue that named an identity, and its write time (identityCue). */
  private readonly identities = new Map<EntityId, { readonly cue: CueComponent; readonly time: number }>();
  private readonly startedAt: number;
  /** A sliced pass is under way: run() leaves what changed meanwhile to the next pass. */
  private passing = false;
  private stopped = false;

  constructor(private readonly deps: TrackClassifierDeps) {
    this.config = { ...DEFAULT_CLASSIFIER, defended: deps.defended };
    this.startedAt = deps.now();
    this.heard = deps.heard ?? new MapColumn();
    this.dirty = deps.changedMarks ?? new Set();
  }

  /** Something of `id` changed; `position` when a new position of it arrived (a sensor's report). */
  changed(id: EntityId, position = false): void {
    this.dirty.add(id);
    if (position) this.heard.set(id, this.deps.now() - this.startedAt);
  }

  /**
   * Why the classifier wrote `id`'s threat `version` (an encoded timestamp), if that write is the
   * classifier's: the approval request's reason. A threat this node wrote otherwise (an operator's
   * hand, a takeover of an orphaned threat) has none, whatever the classifier wrote before it.
   */
  reasonOf(id: EntityId, version: string): string | undefined {
    const r = this.reasons.get(id);
    if (r === undefined) return undefined;
    // Stamped after a wait for the clock lease: its version was not known when it was written. It
    // is the first threat write of this node after the one it replaced (writes stamp in order).
    if (r.version === undefined && version !== r.replaced) r.version = version;
    return r.version === version ? r.text : undefined;
  }

  /**
   * Judges the tracks that changed and the cued ones: CLASSIFY_SLICE of them per task when the
   * host gives `nextSlice`, the first slice at once. While a pass is under way a new run() starts
   * none: what changes meanwhile stays marked for the next one.
   */
  run(): void {
    if (this.passing || this.stopped || this.deps.idle?.() === true) return;
    const ids = [...new Set([...this.dirty, ...this.cued])];
    this.dirty.clear();
    const next = this.deps.nextSlice;
    if (next === undefined || ids.length <= CLASSIFY_SLICE) {
      for (const id of ids) this.one(id);
      return;
    }
    this.passing = true;
    void this.pass(ids, next).finally(() => {
      this.passing = false;
    });
  }

  /** No further slice runs (the node stops). */
  stop(): void {
    this.stopped = true;
  }

  private async pass(ids: readonly EntityId[], next: () => Promise<void>): Promise<void> {
    for (let at = 0; at < ids.length; at += CLASSIFY_SLICE) {
      if (at > 0) {
        try {
          await next();
        } catch (error) {
          this.deps.log('classifier: no later task for the next slice', error);
        }
      }
      if (this.stopped) return;
      if (this.deps.idle?.() === true) {
        // Removed between two slices: the rest waits for the first run once admitted again.
        for (const id of ids.slice(at)) this.dirty.add(id);
        return;
      }
      // Read when judged, not when the pass started: a slice sees the track as it is now.
      for (const id of ids.slice(at, at + CLASSIFY_SLICE)) this.one(id);
    }
  }

  private one(id: EntityId): void {
    const view = this.deps.mayBeTrack?.(id) === false ? undefined : this.deps.view(id);
    if (view === undefined || !isTrack(view)) {
      this.cued.delete(id);
      this.reasons.delete(id);
      this.heard.set(id, 0);
      this.identities.delete(id);
      return;
    }
    // A cue fades with its age, so a cued track is judged on every pass, until its cue (and so any
    // identity remembered from an earlier one) has faded to nothing: this pass is its last.
    const age = this.deps.now() - (view.meta.cue?.time ?? 0);
    if (cueOf(view.components.cue) === undefined || age >= this.config.cueTimeoutMs) this.cued.delete(id);
    else this.cued.add(id);
    if (!this.designated(view)) return;
    const writes = this.judge(view);
    if (writes === undefined) return;
    const reason = writes.threat === undefined ? undefined : this.reasons.get(id);
    this.deps.update(id, writes).catch((error: unknown) => {
      // A write refused before it was stamped has no version: its reason must not go to a later one.
      if (reason !== undefined && reason.version === undefined && this.reasons.get(id) === reason) {
        this.reasons.delete(id);
      }
      this.deps.log(`classifying ${id} failed`, error);
    });
    if (reason !== undefined) {
      // A write under a current clock lease is stamped and applied before update() first awaits.
      const version = this.deps.view(id)?.meta.threat?.version;
      if (version !== reason.replaced) reason.version = version;
    }
  }

  /**
   * This node is the track's classifier: its sensor's node, or anyone once that node fell silent.
   * Silence is measured on this node's clock, from when it last heard a position of the track (or
   * from its own start): the position's timestamp is the author's clock, and a peer whose clock runs
   * 15 s behind would otherwise look silent while it reports every second, and be classified over.
   */
  private designated(view: EntityView): boolean {
    if (view.meta.source?.author === this.deps.self) return true;
    return this.deps.now() - this.startedAt - this.heard.get(view.id) > OWNER_SILENT_MS;
  }

  private judge(view: EntityView): Record<string, unknown> | undefined {
    const c = view.components;
    const cue = this.cueToJudge(view);
    const before = c.threat as Threat | undefined;
    const out = classify(
      {
        ...(cue === undefined ? {} : { cue }),
        position: c.position as Position,
        ...(c.velocity === undefined ? {} : { velocity: c.velocity as Velocity }),
      },
      before?.level ?? 'NONE',
      this.config,
    );
    const writes: Record<string, unknown> = {};
    if (before?.level !== out.threat) {
      writes.threat = { level: out.threat };
      this.reasons.set(view.id, { text: out.reason, replaced: view.meta.threat?.version, version: undefined });
    }
    if (differs(c.classification as Classification | undefined, out.classification)) {
      // Threat and classification go out as one write: a classification the store refuses (a label
      // from an opaque cue it cannot carry) would hold back the threat, and with it the request,
      // on every tick. Checked here, it is left out and the threat goes alone.
      try {
        validateComponent('classification', out.classification);
        writes.classification = out.classification;
      } catch (error) {
        this.deps.log(`classifying ${view.id}: the classification is left out`, error);
      }
    }
    return Object.keys(writes).length === 0 ? undefined : writes;
  }

  /** The track's latest cue, or the identity it last named while the latest says "cannot tell" (identityCue). */
  private cueToJudge(view: EntityView): Cue | undefined {
    const latest = cueOf(view.components.cue);
    if (latest === undefined) return undefined;
    const now = this.deps.now();
    const time = view.meta.cue?.time ?? 0;
    if (namesIdentity(latest.disposition)) {
      this.identities.set(view.id, { cue: latest, time });
      return { ...latest, ageMs: now - time };
    }
    const remembered = this.identities.get(view.id);
    const cue = { ...latest, ageMs: now - time };
    if (remembered === undefined) return cue;
    return identityCue(cue, { ...remembered.cue, ageMs: now - remembered.time }, this.config.cueTimeoutMs);
  }
}

/** The classifier's reason for a threat write: `version` once known, else the first after `replaced`. */
interface Reason {
  readonly text: string;
  readonly replaced: string | undefined;
  version: string | undefined;
}

export function isTrack(view: EntityView): boolean {
  return view.components.source !== undefined && view.components.position !== undefined;
}

function differs(a: Classification | undefined, b: Classification): boolean {
  return (
    a === undefined ||
    a.label !== b.label ||
    a.disposition !== b.disposition ||
    a.environment !== b.environment ||
    Math.abs(a.confidence - b.confidence) >= CONFIDENCE_STEP
  );
}

/**
 * The `cue` component is opaque to the store (not a known kind yet): read only a well-formed one,
 * its label cut to what a classification's label may hold (MAX_TEXT), between code points.
 */
function cueOf(x: unknown): CueComponent | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const c = x as Record<string, unknown>;
  if (typeof c.label !== 'string' || typeof c.confidence !== 'number') return undefined;
  if (!(DISPOSITIONS as readonly unknown[]).includes(c.disposition)) return undefined;
  if (!(ENVIRONMENTS as readonly unknown[]).includes(c.environment)) return undefined;
  const cue = c as unknown as CueComponent;
  return cue.label.length <= MAX_TEXT ? cue : { ...cue, label: cutText(cue.label, MAX_TEXT) };
}

/** `s` cut to at most `max` UTF-16 units, never between the two halves of a surrogate pair. */
function cutText(s: string, max: number): string {
  const last = s.charCodeAt(max - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
