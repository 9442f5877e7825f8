import { ValidationError } from '../core/errors';
import type { JsonValue } from '../core/entity/component-types';
import type { EntityId } from '../core/ids';
import type { LatLon } from '../core/sim/geo';
import type { SensorReport } from '../core/sim/sensors';
import type { EntityView } from '../core/store/entity-view';
import type { Query } from '../core/store/query';
import type { FusionSettings, FusionStatsView, SimulateOptions, TruthView } from './c2-api';
import { checkFusionSettings, checkSimulate } from './c2-args';
import { FusionView } from './fusion-view';
import type { ChangeBatch, CreateInput, WriteItem } from './node-api';
import type { NodeParts } from './node-parts';
import type { Scheduler } from './scheduler';
import { SimulationRunner } from './simulation-runner';
import { TrackClassifier } from './track-classifier';

/** The storage meta key of the fusion setting. */
export const FUSION_META = 'fusion';

/** The defended point the simulator's inbound targets home on and the classifier measures from. */
export const DEFENDED_POINT: LatLon = { lat: 51.4775, lon: -0.4614 };

/** The node's own write path, as the pipeline uses it (validated, stamped, persisted, replicated). */
export interface LocalWritePath {
  create(input: CreateInput): Promise<unknown>;
  update(id: string, components: Readonly<Record<string, unknown>>): Promise<unknown>;
  writeMany(items: readonly WriteItem[]): Promise<unknown>;
}

/**
 * The C2 pipeline inside one node: the simulation runner writing sensor tracks, the classifier
 * writing classification and threat, and fusion as a derived view over list/get/watch. All three
 * follow the store through the node's version listeners, so they treat a peer's or an import's
 * tracks exactly like this node's own.
 */
export class C2Pipeline {
  private readonly runner: SimulationRunner | undefined;
  private readonly classifier: TrackClassifier;
  readonly fusion: FusionView;

  constructor(
    private readonly parts: NodeParts,
    private readonly writes: LocalWritePath,
    scheduler: Scheduler | undefined,
  ) {
    const { store, now, log, nodeId } = parts;
    const view = (id: EntityId): EntityView | undefined => store.view(id, now());
    this.runner =
      scheduler === undefined
        ? undefined
        : new SimulationRunner({ now, scheduler, defended: DEFENDED_POINT, write: (r) => this.write(r), log });
    this.classifier = new TrackClassifier({
      defended: DEFENDED_POINT,
      now,
      view,
      update: (id, components) => writes.update(id, components),
      log,
    });
    this.fusion = new FusionView({ nodeId, now, view, all: () => store.list(now()), log });
    parts.listeners.add((versions, _origin, removed) => {
      const ids = new Set<EntityId>();
      for (const v of versions) ids.add(v.entity);
      for (const v of removed) ids.add(v.entity);
      for (const id of ids) {
        this.classifier.changed(id);
        this.fusion.observe(id);
      }
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

  /** The host's periodic tick: classify what changed, scan fusion when due. */
  tick(): void {
    this.classifier.run();
    this.fusion.tick();
  }

  async simulate(options: SimulateOptions): Promise<void> {
    const checked = checkSimulate(options);
    if (this.runner === undefined) throw new ValidationError('simulate: this node has no scheduler to run it on');
    this.runner.start(checked);
  }

  async stopSimulation(): Promise<void> {
    this.runner?.stop();
  }

  async simulationTruth(): Promise<TruthView[]> {
    return this.runner?.truth() ?? [];
  }

  async setFusion(settings: FusionSettings): Promise<void> {
    const checked = checkFusionSettings(settings);
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
    return this.fusion.list(q, (query) => this.parts.store.list(this.parts.now(), query));
  }

  watch(listener: (batch: ChangeBatch) => void): () => void {
    return this.fusion.watch(listener, (l) => this.parts.feed.subscribe(l));
  }

  stop(): void {
    this.runner?.stop();
  }

  /** One tick's reports: every track created or updated in one batch write (one timestamp, one commit). */
  private async write(reports: readonly SensorReport[]): Promise<void> {
    try {
      await this.writes.writeMany(reports.map((r) => ({ id: r.entity, components: { ...r.components } })));
    } catch (error) {
      this.parts.log(`${reports.length} simulated reports were refused`, error);
    }
  }
}
