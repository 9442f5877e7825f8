import { ValidationError } from '../core/errors';
import type { JsonValue, Source } from '../core/entity/component-types';
import type { ComponentKind, EntityId } from '../core/ids';
import type { LatLon } from '../core/sim/geo';
import type { SensorReport } from '../core/sim/sensors';
import { viewOfKinds, type EntityView } from '../core/store/entity-view';
import type { EntityStore } from '../core/store/entity-store';
import type { Query } from '../core/store/query';
import type { FusionSettings, FusionStatsView, SimulateOptions, TruthView, SimulationView } from './c2-api';
import { checkFusionSettings, checkSimulate } from './c2-args';
import { checkApprovalDeadline, checkDecide, type DecisionArg } from './approval-args';
import { ApprovalLoop, GATE_KINDS, gateCandidates } from './approval-loop';
import type { ApprovalView, TaskView } from './approval-views';
import { isRosterEntity } from '../core/roster/roster-entity';
import { FusionView, TRACK_KINDS } from './fusion-view';
import type { ChangeBatch, CreateInput, WatchOptions, WriteItem } from './node-api';
import type { NodeParts } from './node-parts';
import { headsOf, type HeadSnapshot } from './prepare-write';
import { nextBulkTask, nextTask, type Scheduler } from './scheduler';
import { SimulationRunner } from './simulation-runner';
import { TrackClassifier } from './track-classifier';

/** The storage meta key of the fusion setting. */
export const FUSION_META = 'fusion';
/** The storage meta key of the approval deadline setting (ms). */
export const APPROVAL_DEADLINE_META = 'approvalDeadline';
/** The kinds the approval gate reads. */
const GATE_KIND_SET: ReadonlySet<string> = new Set(GATE_KINDS);
/** GATE_KINDS as the store names kinds (the gate's view: ApprovalLoopDeps.gateView). */
const GATE_COMPONENT_KINDS: readonly ComponentKind[] = GATE_KINDS.map((k) => k as ComponentKind);

/**
 * What `store.view(id, now)` shows of the gate's kinds alone (ApprovalLoopDeps.gateView): its
 * threat, approval and task components and meta, undefined exactly when that view is undefined.
 */
export function gateViewOf(store: EntityStore, id: EntityId, now: number): EntityView | undefined {
  // A gate kind shown makes the whole view a view too (viewOfKinds is viewOf restricted to kinds),
  // so visible(), which looks at every register, is asked only when none is shown.
  const part = store.viewKinds(id, now, GATE_COMPONENT_KINDS);
  if (part !== undefined) return part;
  // Visible by its other kinds alone: a view without gate registers, as the whole view shows them.
  return store.visible(id, now) ? { id, components: {}, meta: {}, conflicts: [], updatedAt: 0 } : undefined;
}

/** The defended point the simulator's inbound targets home on and the classifier measures from. */
export const DEFENDED_POINT: LatLon = { lat: 51.4775, lon: -0.4614 };

/** The node's own write path, as the pipeline uses it (validated, stamped, persisted, replicated). */
export interface LocalWritePath {
  create(input: CreateInput): Promise<unknown>;
  update(id: string, components: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** A write refused (ConflictError) when one of the registers it was computed from has moved since. */
  updateBasedOn(id: EntityId, components: Readonly<Record<string, unknown>>, basedOn: HeadSnapshot): Promise<unknown>;
  /** writeMany without the views it returns: the simulator reads none of them. */
  writeAll(items: readonly WriteItem[]): Promise<unknown>;
}

/**
 * The most simulated reports written in one local write: a tick's reports (up to every track, 2,000
 * under scenario 12) go in writes of this size, each started in a task of its own, so checking,
 * stamping and merging the flood never holds the worker for long, and a HIGH threat or a decision
 * waits for at most one part (docs/c2-pipeline.md, "The priority lane").
 */
export const SIM_WRITE_REPORTS = 250;

/**
 * The C2 pipeline inside one node: the simulation runner writing sensor tracks, the classifier
 * writing classification and threat, the approval gate (approval-loop.ts), and fusion as a derived
 * view over list/get/watch. All four
 * follow the store through the node's version listeners, so they treat a peer's or an import's
 * tracks exactly like this node's own.
 */
export class C2Pipeline {
  private readonly runner: SimulationRunner | undefined;
  private readonly classifier: TrackClassifier;
  private readonly gate: ApprovalLoop;
  /** Counts approval and task register changes: a watcher's batch says `approvals` when it moved. */
  private approvalsRevision = 0;
  readonly fusion: FusionView;

  constructor(
    private readonly parts: NodeParts,
    private readonly writes: LocalWritePath,
    scheduler: Scheduler | undefined,
  ) {
    const { store, now, log, nodeId } = parts;
    // Standing removed, the node's own writes are refused (docs/security.md, "A removed device"):
    // the classifier and the gate write nothing until it is a member again (resume()). Nor do they
    // while the store holds restored versions whose proofs are not checked yet (docs/security.md,
    // "Stored proofs on load"): a write of ours derived from a damaged record would be signed and
    // served; LatticeNode.checkRestored resumes them.
    const idle = (): boolean => parts.standing.removed !== undefined || store.unchecked;
    const view = (id: EntityId): EntityView | undefined => store.view(id, now());
    // A track holds a `source` and a `position` register (isTrack); an entity without one is told
    // apart without building its view (every changed entity is observed by both).
    const mayBeTrack = (id: EntityId): boolean => {
      const s = store.state(id);
      return s !== undefined && s.holds('source' as ComponentKind) && s.holds('position' as ComponentKind);
    };
    this.runner =
      scheduler === undefined
        ? undefined
        : new SimulationRunner({
            self: nodeId,
            now,
            scheduler,
            defended: DEFENDED_POINT,
            write: (r) => this.write(r, scheduler),
            log,
          });
    this.classifier = new TrackClassifier({
      self: nodeId,
      defended: DEFENDED_POINT,
      now,
      view,
      mayBeTrack,
      update: (id, components) => {
        const written = writes.update(id, components);
        // A threat raised to HIGH: the gate raises its request in this turn, so the two are signed
        // and committed together (ApprovalLoop.wrote). A lower threat (a de-escalation: its cancel
        // waits for the bulk commit) is left to the version listeners.
        if ((components.threat as { level?: unknown } | undefined)?.level === 'HIGH') this.gate.wrote(id);
        return written;
      },
      log,
      idle,
      heard: store.column('f64'),
      changedMarks: store.marks(),
      ...(scheduler === undefined ? {} : { nextSlice: () => nextTask(scheduler) }),
    });
    this.fusion = new FusionView({
      now,
      hlcMs: () => parts.clock.last.ms,
      view,
      mayBeTrack,
      trackView: (id) => {
        const s = store.state(id);
        return s === undefined ? undefined : viewOfKinds(s, now(), TRACK_KINDS, store.unchecked);
      },
      has: (id) => store.visible(id, now()),
      // Only the entities that may be tracks are viewed: on load the fresh engine reads them all,
      // and building every entity's view to find its tracks was a fifth of a cold start at 100k
      // components none of which was a track (docs/benchmarks.md, scenario 5).
      all: function* () {
        const at = now();
        for (const id of store.ids()) {
          if (!mayBeTrack(id)) continue;
          const v = store.view(id, at);
          if (v !== undefined) yield v;
        }
      },
      log,
      pendingMarks: store.marks(),
      ...(scheduler === undefined ? {} : { scheduler }),
    });
    this.gate = new ApprovalLoop({
      self: nodeId,
      now,
      scheduler,
      view,
      gateView: (id) => gateViewOf(store, id, now()),
      candidates: () => gateCandidates(store),
      update: (id, components, basedOn) => writes.updateBasedOn(id, components, basedOn),
      heads: (id, kind) => headsOf(store, id, kind as ComponentKind),
      reasonOf: (id, version) => this.classifier.reasonOf(id, version),
      skewLimitMs: () => parts.clock.maxSkewMs,
      log,
      idle,
    });
    parts.listeners.add((versions, _origin, removed) => {
      const ids = new Set<EntityId>();
      const revision = this.approvalsRevision;
      for (const v of versions) if (v.kind === 'position') this.classifier.changed(v.entity, true);
      for (const list of [versions, removed]) {
        for (const v of list) {
          ids.add(v.entity);
          if (!GATE_KIND_SET.has(v.kind)) continue;
          this.gate.changed(v.entity, v.kind);
          if (v.kind === 'threat') continue;
          this.approvalsRevision += 1;
          // A batch must follow the change (a local write's batch may have left before it was durable).
          parts.feed.mark(v.entity);
        }
      }
      for (const id of ids) {
        this.classifier.changed(id);
        this.fusion.observe(id);
      }
      // The prompt's cue leaves without waiting for the feed's next flush.
      if (this.approvalsRevision !== revision) parts.feed.cue();
    });
  }

  /** Restores the persisted fusion setting (after the store is loaded). */
  load(saved: JsonValue | undefined): void {
    let settings: FusionSettings = { enabled: true };
    try {
      if (saved !== undefined) settings = checkFusionSettings(saved);
    } catch (error) {
      this.parts.log('ignoring a malformed saved fusion setting', error);
    }
    this.fusion.configure(settings);
  }

  /**
   * Restores the persisted approval deadline and resumes every entity's gate from its registers
   * (after the store is loaded and writes can be stamped).
   */
  loadGate(saved: JsonValue | undefined): void {
    try {
      if (saved !== undefined) this.gate.configure(checkApprovalDeadline(saved));
    } catch (error) {
      this.parts.log('ignoring a malformed saved approval deadline', error);
    }
    this.gate.restart();
  }

  /**
   * The node is a member again after standing removed: the gate settles what it owed meanwhile and
   * the classifier judges what changed, now rather than at the next tick.
   */
  resume(): void {
    this.gate.resume();
    this.classifier.run();
  }

  /** The host's periodic tick: classify what changed, age fusion's tracks when due, fire due deadlines. */
  tick(): void {
    this.classifier.run();
    this.fusion.tick();
    this.gate.tick();
  }

  async approvals(): Promise<ApprovalView[]> {
    return this.gate.approvals();
  }

  async decide(entityId: string, decision: DecisionArg, requestId?: string): Promise<ApprovalView> {
    // The operator is this node's user; the security issue will give operators their own signed ids.
    return this.gate.decide(checkDecide(entityId, decision, requestId), this.parts.nodeId);
  }

  async tasks(): Promise<TaskView[]> {
    return this.gate.tasks();
  }

  /** The approval deadline in force (the persisted setting once loaded), ms. */
  get approvalDeadlineMs(): number {
    return this.gate.deadline;
  }

  async setApprovalDeadline(ms: number): Promise<void> {
    const checked = checkApprovalDeadline(ms);
    this.gate.configure(checked);
    await this.parts.writer.enqueue([], [], { [APPROVAL_DEADLINE_META]: checked });
  }

  async simulate(options: SimulateOptions): Promise<void> {
    const checked = checkSimulate(options);
    if (this.runner === undefined) throw new ValidationError('simulate: this node has no scheduler to run it on');
    this.runner.start(checked);
  }

  async stopSimulation(): Promise<void> {
    this.runner?.stop();
  }

  /** What the simulation runs now; undefined on a node without a scheduler to run one. */
  get simulation(): SimulationView | undefined {
    return this.runner?.view();
  }

  async simulationTruth(): Promise<TruthView[]> {
    return this.runner?.truth() ?? [];
  }

  async setFusion(settings: FusionSettings): Promise<void> {
    let checked = checkFusionSettings(settings);
    // A gate left out keeps the one in force: the settings panel's on/off toggle sends only `enabled`.
    const gate = this.fusion.current.gateMeters;
    if (checked.gateMeters === undefined && gate !== undefined) checked = { ...checked, gateMeters: gate };
    this.fusion.configure(checked);
    const meta: JsonValue = { ...checked };
    await this.parts.writer.enqueue([], [], { [FUSION_META]: meta });
  }

  async fusionStats(): Promise<FusionStatsView> {
    return this.fusion.stats();
  }

  get(id: EntityId): EntityView | undefined {
    return this.fusion.get(id, this.parts.store.view(id, this.parts.now()));
  }

  list(q: Query): EntityView[] {
    // The roster's entities are bookkeeping, not the picture (members() shows them).
    return this.fusion.list(q, (query) =>
      this.parts.store.list(this.parts.now(), query).filter((v) => !isRosterEntity(v.id)),
    );
  }

  watch(listener: (batch: ChangeBatch) => void, options?: WatchOptions): () => void {
    let seen = this.approvalsRevision;
    // Validated here, at the node's edge: anything but `true` is a full watcher.
    if (options?.approvalsOnly === true) {
      return this.parts.feed.subscribeCue(() => {
        if (seen === this.approvalsRevision) return;
        seen = this.approvalsRevision;
        listener({ changed: [], removed: [], approvals: true });
      });
    }
    return this.fusion.watch(listener, (l) =>
      this.parts.feed.subscribe((batch) => {
        if (seen === this.approvalsRevision) return l(batch);
        seen = this.approvalsRevision;
        l({ ...batch, approvals: true });
      }),
    );
  }

  stop(): void {
    this.runner?.stop();
    this.classifier.stop();
    this.gate.stop();
    this.fusion.stop();
  }

  /**
   * One tick's reports: every track created or updated, in writes of at most SIM_WRITE_REPORTS
   * reports, the first at once and each next one in a later task of low priority (nextBulkTask);
   * resolves once all are durable. A
   * report's `source` is left out when the track already carries this very source by this node:
   * rewriting it every second made a third of the simulator's versions (and as many removals of the
   * one it superseded) for nothing: every reader of `source` reads its value and author, which stay
   * the same.
   */
  private async write(reports: readonly SensorReport[], scheduler: Scheduler): Promise<void> {
    const writes: Promise<void>[] = [];
    for (let at = 0; at < reports.length; at += SIM_WRITE_REPORTS) {
      if (at > 0) await nextBulkTask(scheduler);
      writes.push(this.writePart(reports.slice(at, at + SIM_WRITE_REPORTS)));
    }
    await Promise.all(writes);
  }

  private async writePart(reports: readonly SensorReport[]): Promise<void> {
    const { store, now, nodeId } = this.parts;
    const items = reports.map((r) => {
      const { source, ...rest } = r.components;
      const held = store.view(r.entity, now());
      const had = held?.components.source as Source | undefined;
      const same =
        had !== undefined &&
        held?.meta.source?.author === nodeId &&
        had.sensorId === source.sensorId &&
        had.sensorType === source.sensorType &&
        Object.keys(had).length === 2;
      return { id: r.entity, components: same ? { ...rest } : { ...rest, source } };
    });
    try {
      await this.writes.writeAll(items);
    } catch (error) {
      this.parts.log(`${reports.length} simulated reports were refused`, error);
    }
  }
}
