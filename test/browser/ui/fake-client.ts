import { Hlc } from '../../../src/core/clock/hlc';
import { encodeTs, type Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentValue } from '../../../src/core/entity/component-types';
import { validateComponent } from '../../../src/core/entity/validate-component';
import { ConflictError, NotFoundError, ValidationError } from '../../../src/core/errors';
import { asEntityId, asUserKind, type ComponentKind, type EntityId, type NodeId } from '../../../src/core/ids';
import { DELETED, type Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { validateQuery } from '../../../src/core/store/query';
import type {
  ChangeBatch,
  CreateInput,
  EntityView,
  HeadView,
  NodeInfo,
  NodeStats,
  Query,
  StorageStatus,
  UpdateOptions,
} from '../../../src/node/node-api';
import type { UiClient } from '../../../src/ui/ui-client';

export interface FakeClientOptions {
  readonly nodeId?: string;
  readonly lattice?: string;
  readonly now?: () => number;
}

/**
 * An in-memory node for UI tests: the real core store, clock and validators (so errors are the
 * real ones), no worker, no storage, no network. Watch batches are delivered on a microtask, like
 * the node's change feed delivers them after a write returns.
 */
export class FakeClient implements UiClient {
  readonly nodeId: NodeId;
  readonly lattice: string;
  readonly store = new EntityStore();
  storage: StorageStatus = { state: 'ok', backend: 'memory', pending: 0 };
  calls: { method: string; args: unknown[] }[] = [];
  private readonly now: () => number;
  private readonly clock: Hlc;
  private readonly listeners = new Set<(batch: ChangeBatch) => void>();
  private readonly dirty = new Set<EntityId>();
  private autoId = 0;

  constructor(options: FakeClientOptions = {}) {
    this.nodeId = (options.nodeId ?? 'fakeNodeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') as NodeId;
    this.lattice = options.lattice ?? 'test-lattice';
    this.now = options.now ?? Date.now;
    this.clock = new Hlc({ node: this.nodeId, now: this.now });
  }

  async info(): Promise<NodeInfo> {
    return { nodeId: this.nodeId, lattice: this.lattice, storage: this.storage };
  }

  async create(input: CreateInput): Promise<EntityView> {
    this.calls.push({ method: 'create', args: [input] });
    const id = asEntityId(input.id ?? `e-${++this.autoId}`);
    if (this.store.view(id, this.now()) !== undefined) throw new ValidationError(`entity ${id} already exists`);
    return this.write(id, input.components, undefined);
  }

  async update(
    id: string,
    components: Readonly<Record<string, unknown>>,
    options?: UpdateOptions,
  ): Promise<EntityView> {
    this.calls.push({ method: 'update', args: [id, components, options] });
    const eid = asEntityId(id);
    if (this.store.view(eid, this.now()) === undefined) throw new NotFoundError(`entity ${eid} does not exist`);
    return this.write(eid, components, options);
  }

  async remove(id: string): Promise<void> {
    this.calls.push({ method: 'remove', args: [id] });
    const eid = asEntityId(id);
    if (this.store.view(eid, this.now()) === undefined) throw new NotFoundError(`entity ${eid} does not exist`);
    this.applyLocal(eid, new Map([[DELETED, null]]));
  }

  async get(id: string): Promise<EntityView | undefined> {
    return this.store.view(asEntityId(id), this.now());
  }

  async list(filter?: Query): Promise<EntityView[]> {
    return this.store.list(this.now(), validateQuery(filter));
  }

  async heads(id: string, kind: string): Promise<HeadView[]> {
    return this.store.heads(asEntityId(id), asUserKind(kind)).map((v) => ({
      value: v.value,
      version: encodeTs(v.ts),
      author: v.ts.node,
      time: v.ts.ms,
      seen: v.seen.map(encodeTs),
    }));
  }

  async stats(): Promise<NodeStats> {
    return {
      nodeId: this.nodeId,
      entities: this.store.entityCount,
      versions: this.store.size,
      conflicts: this.store.list(this.now(), { conflicted: true }).length,
      storage: this.storage,
      writes: { local: 0, remote: 0, duplicate: 0, obsolete: 0 },
      rejected: {},
      held: [],
    };
  }

  async acceptHeld(): Promise<number> {
    return 0;
  }

  watch(cb: (batch: ChangeBatch) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /**
   * A write from another node that had not seen ours (`seen` empty): a concurrent write, so the
   * component ends up with two heads and a conflict marker.
   */
  remoteWrite(id: string, kind: string, value: unknown, author: string, at = this.now()): void {
    const ts: Timestamp = { ms: at, c: 0, node: author as NodeId };
    const v: Version = {
      entity: asEntityId(id),
      kind: asUserKind(kind),
      value: validateComponent(kind, value),
      ts,
      seen: [],
    };
    this.store.apply(v);
    this.clock.observe(ts);
    this.mark(v.entity);
  }

  /** Waits until queued watch batches have been delivered. */
  async settle(): Promise<void> {
    await Promise.resolve();
    await Promise.resolve();
  }

  private write(id: EntityId, components: unknown, options: UpdateOptions | undefined): EntityView {
    if (typeof components !== 'object' || components === null || Array.isArray(components)) {
      throw new ValidationError('components: expected an object keyed by component kind');
    }
    const entries = Object.entries(components);
    if (entries.length === 0) throw new ValidationError('components: at least one component is required');
    const values = new Map<ComponentKind, ComponentValue | null>();
    for (const [kind, value] of entries) values.set(asUserKind(kind), validateComponent(kind, value));
    const basedOn = options?.basedOn;
    for (const kind of values.keys()) {
      const expected = typeof basedOn === 'string' ? basedOn : basedOn?.[kind];
      if (expected === undefined) continue;
      const heads = this.store.heads(id, kind);
      const current = heads[0] === undefined ? undefined : encodeTs(heads[0].ts);
      if (current !== expected || heads.length > 1) {
        throw new ConflictError(
          `${id}.${kind} has moved on: based on ${expected}, current ${current ?? 'none'}`,
          current,
        );
      }
    }
    this.applyLocal(id, values);
    return this.store.view(id, this.now())!;
  }

  private applyLocal(id: EntityId, values: ReadonlyMap<ComponentKind, ComponentValue | null>): void {
    const ts = this.clock.now();
    for (const [kind, value] of values) {
      this.store.apply({ entity: id, kind, value, ts, seen: this.store.contextFor(id, kind, this.nodeId) });
    }
    this.mark(id);
  }

  private mark(id: EntityId): void {
    const first = this.dirty.size === 0;
    this.dirty.add(id);
    if (first) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const changed: EntityView[] = [];
    const removed: EntityId[] = [];
    for (const id of this.dirty) {
      const view = this.store.view(id, this.now());
      if (view === undefined) removed.push(id);
      else changed.push(view);
    }
    this.dirty.clear();
    for (const cb of this.listeners) cb({ changed, removed });
  }
}
