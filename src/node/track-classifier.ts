import { classify, DEFAULT_CLASSIFIER, type ClassifierConfig, type Cue } from '../core/classify/classifier';
import type { Classification, Position, Threat, Velocity } from '../core/entity/component-types';
import { DISPOSITIONS, ENVIRONMENTS } from '../core/entity/component-types';
import type { EntityId, NodeId } from '../core/ids';
import type { LatLon } from '../core/sim/geo';
import type { EntityView } from '../core/store/entity-view';

/** A written classification is kept until the new confidence differs by this much: no write per tick for a fading cue. */
const CONFIDENCE_STEP = 0.1;
/**
 * A track is classified by its sensor's node (the author of its `source`), so a level change is
 * written once, by one node, and raises one approval request. When that node has not reported the
 * track's position for this long (it went away), any node classifies it.
 */
export const OWNER_SILENT_MS = 15_000;

export interface TrackClassifierDeps {
  readonly self: NodeId;
  readonly defended: LatLon;
  readonly now: () => number;
  readonly view: (id: EntityId) => EntityView | undefined;
  /** The node's local update path. */
  readonly update: (id: EntityId, components: Record<string, unknown>) => Promise<unknown>;
  readonly log: (message: string, detail?: unknown) => void;
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
  private readonly dirty = new Set<EntityId>();
  private readonly cued = new Set<EntityId>();
  /** Why this node last wrote each track's threat: the approval request's reason. */
  private readonly reasons = new Map<EntityId, string>();
  /** When this node last heard a position of each track, on its own clock. */
  private readonly heard = new Map<EntityId, number>();
  private readonly startedAt: number;

  constructor(private readonly deps: TrackClassifierDeps) {
    this.config = { ...DEFAULT_CLASSIFIER, defended: deps.defended };
    this.startedAt = deps.now();
  }

  /** Something of `id` changed; `position` when a new position of it arrived (a sensor's report). */
  changed(id: EntityId, position = false): void {
    this.dirty.add(id);
    if (position) this.heard.set(id, this.deps.now());
  }

  reasonOf(id: EntityId): string | undefined {
    return this.reasons.get(id);
  }

  run(): void {
    const ids = new Set([...this.dirty, ...this.cued]);
    this.dirty.clear();
    for (const id of ids) {
      const view = this.deps.view(id);
      if (view === undefined || !isTrack(view)) {
        this.cued.delete(id);
        this.reasons.delete(id);
        this.heard.delete(id);
        continue;
      }
      if (cueOf(view.components.cue) === undefined) this.cued.delete(id);
      else this.cued.add(id);
      if (!this.designated(view)) continue;
      const writes = this.judge(view);
      if (writes === undefined) continue;
      this.deps.update(id, writes).catch((error: unknown) => this.deps.log(`classifying ${id} failed`, error));
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
    return this.deps.now() - (this.heard.get(view.id) ?? this.startedAt) > OWNER_SILENT_MS;
  }

  private judge(view: EntityView): Record<string, unknown> | undefined {
    const c = view.components;
    const cue = cueOf(c.cue);
    const before = c.threat as Threat | undefined;
    const out = classify(
      {
        ...(cue === undefined ? {} : { cue: { ...cue, ageMs: this.deps.now() - (view.meta.cue?.time ?? 0) } }),
        position: c.position as Position,
        ...(c.velocity === undefined ? {} : { velocity: c.velocity as Velocity }),
      },
      before?.level ?? 'NONE',
      this.config,
    );
    const writes: Record<string, unknown> = {};
    if (before?.level !== out.threat) {
      writes.threat = { level: out.threat };
      this.reasons.set(view.id, out.reason);
    }
    if (differs(c.classification as Classification | undefined, out.classification)) {
      writes.classification = out.classification;
    }
    return Object.keys(writes).length === 0 ? undefined : writes;
  }
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

/** The `cue` component is opaque to the store (not a known kind yet): read only a well-formed one. */
function cueOf(x: unknown): Omit<Cue, 'ageMs'> | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const c = x as Record<string, unknown>;
  if (typeof c.label !== 'string' || typeof c.confidence !== 'number') return undefined;
  if (!(DISPOSITIONS as readonly unknown[]).includes(c.disposition)) return undefined;
  if (!(ENVIRONMENTS as readonly unknown[]).includes(c.environment)) return undefined;
  return c as unknown as Omit<Cue, 'ageMs'>;
}
