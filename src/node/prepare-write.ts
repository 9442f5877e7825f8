import type { Hlc } from '../core/clock/hlc';
import { encodeTs, type Timestamp } from '../core/clock/timestamp';
import { EXPIRY, expiryRefusal } from '../core/store/expiry-floor';
import type { ComponentValue, Expiry, Task } from '../core/entity/component-types';
import {
  cappedKindsOf,
  isCappedKind,
  MAX_UNKNOWN_KINDS_PER_AUTHOR,
  MAX_UNKNOWN_KINDS_PER_ENTITY,
} from '../core/entity/kind-cap';
import { validateComponent } from '../core/entity/validate-component';
import { quantizeValue } from '../core/wire/quantize';
import { ConflictError, ValidationError } from '../core/errors';
import { asUserKind, type ComponentKind, type EntityId, type NodeId } from '../core/ids';
import type { Version } from '../core/merge/version';
import type { EntityStore } from '../core/store/entity-store';
import { INTERCEPT_TASK } from '../core/task/records';
import { FUSED_ID_PREFIX, isFusedId } from '../core/fusion/fused-id';
import { isRosterEntity, ROSTER_OP_KIND } from '../core/roster/roster-entity';
import type { UpdateOptions } from './node-api';

/** Most components one write may carry. */
export const MAX_COMPONENTS_PER_WRITE = 32;

/** Who writes: the user (the handle, the UI, an import), the approval gate, or the node's roster code. */
export type Writer = 'user' | 'gate' | 'roster';

/**
 * Checks a whole local write before anything changes: every kind and value is valid, every
 * based-on version is still current, and a user writes none of the approval gate's registers.
 * Returns the validated values; throws otherwise.
 */
export function checkWrite(
  store: EntityStore,
  id: EntityId,
  components: unknown,
  options: UpdateOptions | undefined,
  writer: Writer = 'user',
): Map<ComponentKind, ComponentValue> {
  if (typeof components !== 'object' || components === null || Array.isArray(components)) {
    throw new ValidationError('components: expected an object keyed by component kind');
  }
  const entries = Object.entries(components);
  if (entries.length === 0) throw new ValidationError('components: at least one component is required');
  if (entries.length > MAX_COMPONENTS_PER_WRITE) {
    throw new ValidationError(`components: at most ${MAX_COMPONENTS_PER_WRITE} per write`);
  }
  const values = new Map<ComponentKind, ComponentValue>();
  // Values are stored as the wire carries them (e.g. 1e-7° positions), so the writer and every
  // peer hold exactly the same value for the same version.
  for (const [kind, value] of entries)
    values.set(asUserKind(kind), quantizeValue(kind, validateComponent(kind, value)));
  refuseRosterMisuse(id, values, writer);
  if (isFusedId(id)) {
    throw new ValidationError(
      `${id}: ids starting with ${FUSED_ID_PREFIX} are fusion's derived tracks; write on a source track instead`,
    );
  }
  if (writer === 'user') refuseGateOwned(store, id, values);
  const basedOn = options?.basedOn;
  if (basedOn !== undefined) {
    for (const kind of values.keys()) {
      const expected = typeof basedOn === 'string' ? basedOn : basedOn[kind];
      if (expected === undefined) continue;
      if (typeof expected !== 'string') throw new ValidationError(`basedOn.${kind}: expected a version string`);
      const heads = store.heads(id, kind);
      const current = heads[0] === undefined ? undefined : encodeTs(heads[0].ts);
      if (current !== expected || heads.length > 1) {
        throw new ConflictError(
          `${id}.${kind} has moved on: based on ${expected}, current ${current ?? 'none'}` +
            (heads.length > 1 ? ` (${heads.length} conflicting heads)` : ''),
          current,
        );
      }
    }
  }
  return values;
}

/**
 * Roster ops are written by the roster code alone, once each, on their own entities
 * (src/core/roster/roster-entity.ts): a user write there would forge nothing (the op's author must
 * be the signed author) but could only confuse, so it is refused; the roster code writes nothing else.
 */
/**
 * The kinds cap peers apply (core/entity/kind-cap.ts, docs/security.md): at most
 * MAX_UNKNOWN_KINDS_PER_ENTITY unknown kinds on an entity, at most MAX_UNKNOWN_KINDS_PER_AUTHOR of
 * them ours; the known kinds and the tombstone are never capped.
 */
function refuseTooManyKinds(
  store: EntityStore,
  id: EntityId,
  values: ReadonlyMap<ComponentKind, unknown>,
  self: NodeId,
): void {
  const s = store.state(id);
  const fresh = [...values.keys()].filter((k) => isCappedKind(k) && s?.holds(k) !== true).length;
  if (fresh === 0) return;
  const held = s === undefined ? { total: 0, byAuthor: new Map<NodeId, number>() } : cappedKindsOf(s);
  if (held.total + fresh > MAX_UNKNOWN_KINDS_PER_ENTITY) {
    throw new ValidationError(`${id}: an entity holds at most ${MAX_UNKNOWN_KINDS_PER_ENTITY} unknown component kinds`);
  }
  if ((held.byAuthor.get(self) ?? 0) + fresh > MAX_UNKNOWN_KINDS_PER_AUTHOR) {
    throw new ValidationError(
      `${id}: one node writes at most ${MAX_UNKNOWN_KINDS_PER_AUTHOR} unknown component kinds on an entity`,
    );
  }
}

function refuseRosterMisuse(id: EntityId, values: ReadonlyMap<ComponentKind, ComponentValue>, writer: Writer): void {
  const rosterId = isRosterEntity(id);
  const rosterKind = values.has(ROSTER_OP_KIND);
  if (writer === 'roster') {
    if (!rosterId || !rosterKind || values.size !== 1)
      throw new ValidationError('roster: one rosterOp on a roster entity');
    return;
  }
  if (rosterId)
    throw new ValidationError(`${id}: roster entities are written only by the roster (invite, removeMember)`);
  if (rosterKind) throw new ValidationError(`${ROSTER_OP_KIND}: written only by the roster (invite, removeMember)`);
}

/**
 * `approval` and intercept tasks are the approval gate's alone (docs/c2-pipeline.md): it writes an
 * approval only for an operator's decide() on the current pending request before its deadline, and
 * a task only on an approval that stands. A user's write would skip all of that: an `approved`
 * written over a time-out or a deny is its causal successor (not a concurrent head the safety
 * order outranks), and the actor would assign on it. A user's task written over an intercept
 * would hide it from the gate, which would then assign the approved request a second time.
 * (Peers' writes are the security issue's: signed decisions.)
 */
function refuseGateOwned(store: EntityStore, id: EntityId, values: ReadonlyMap<ComponentKind, ComponentValue>): void {
  if (values.has('approval' as ComponentKind)) {
    throw new ValidationError('approval: written only by the approval gate; answer a request with decide()');
  }
  const task = values.get('task' as ComponentKind) as Task | undefined;
  if (task === undefined) return;
  if (task.task === INTERCEPT_TASK) {
    throw new ValidationError('task: an intercept task is written only by the approval gate, on an approved request');
  }
  if (store.heads(id, 'task' as ComponentKind).some((h) => (h.value as Task | null)?.task === INTERCEPT_TASK)) {
    throw new ValidationError(`task: ${id} holds an intercept task, which only the approval gate writes over`);
  }
}

/**
 * What the node accepts it must be able to send and merge alike everywhere, so a write is refused
 * at the door when:
 * - it would add an unknown kind past the kinds caps peers apply;
 * - an expiry's deadline is not after the time the write will carry (`stampMs`, see stampAtLeast):
 *   every peer refuses such an expiry (core/store/expiry-floor.ts, expiryRefusal: it would fire at
 *   once and split floors, docs/architecture.md, "Expiry"). The stamp comes from the HLC, which can
 *   run ahead of the wall clock (a clock lease after a crash, an accepted skewed peer), so the wall
 *   clock alone is not the bound. The stamped versions are checked again with the same rule as
 *   peers (LocalWrites), for the rare stamp a millisecond past this one (a counter overflow).
 *
 * A component's causal context needs no check here: EntityStore.contextFor gives at most
 * MAX_CONTEXT_ENTRIES entries (64, trimmed with a rest marker: Knowledge.contextFor), what every
 * peer takes (hasHonestContext) and far below what the wire carries (DEFAULT_LIMITS.maxSeen, 1,024).
 * The check against the wire's cap that stood here could never fail since contexts were bounded.
 */
export function checkSendable(
  store: EntityStore,
  id: EntityId,
  values: ReadonlyMap<ComponentKind, ComponentValue | null>,
  self: NodeId,
  stampMs: number,
): void {
  refuseTooManyKinds(store, id, values, self);
  for (const [kind, value] of values) {
    if (kind === 'expiry' && (value as Expiry).at <= stampMs) {
      throw new ValidationError(
        `expiry.at: ${(value as Expiry).at} is not after now (${stampMs}, the time of this write)`,
      );
    }
  }
}

/**
 * The least ms the next local stamp carries: the wall clock, or the HLC's last time when it runs
 * ahead of it (Hlc.now never goes below either).
 */
export function stampAtLeast(clock: Pick<Hlc, 'last'>, wall: number): number {
  return Math.max(Math.floor(wall), clock.last.ms);
}

/**
 * A stamped local version peers would refuse for what it is (core/store/expiry-floor.ts), as a
 * ValidationError naming it; undefined when every peer takes it.
 */
export function stampedRefusal(v: Version, wall: number): ValidationError | undefined {
  const why = expiryRefusal(v);
  if (why === undefined) return undefined;
  const ahead = v.ts.ms > wall ? `; the node's clock is ${v.ts.ms - Math.floor(wall)} ms ahead of the wall clock` : '';
  return new ValidationError(`${v.entity}: ${why}${ahead}`);
}

/** The heads of some registers of one entity, each as its versions' encoded timestamps, sorted. */
export type HeadSnapshot = Readonly<Record<string, readonly string[]>>;

/** The encoded versions of a register's heads now, sorted: what a write computed from them was based on. */
export function headsOf(store: EntityStore, id: EntityId, kind: ComponentKind): string[] {
  return store
    .heads(id, kind)
    .map((v) => encodeTs(v.ts))
    .sort();
}

/**
 * Refuses a write computed from registers that have moved since: every register in `basedOn` must
 * still hold exactly the heads listed (concurrent heads included, unlike `basedOn` of update()).
 * Checked synchronously right before stamping, so nothing merged after the check can be superseded
 * by a write that never saw it.
 */
export function checkHeadsUnchanged(store: EntityStore, id: EntityId, basedOn: HeadSnapshot): void {
  for (const [kind, expected] of Object.entries(basedOn)) {
    const current = headsOf(store, id, asUserKind(kind));
    if (current.length !== expected.length || current.some((v, i) => v !== expected[i])) {
      throw new ConflictError(
        `${id}.${kind} has moved on since the write was computed: based on [${expected.join(', ')}], current [${current.join(', ')}]`,
        current.at(-1),
      );
    }
  }
}

/** Stamps validated values as versions of one write: one timestamp, each with its causal context. */
export function stampWrite(
  store: EntityStore,
  id: EntityId,
  values: ReadonlyMap<ComponentKind, ComponentValue | null>,
  ts: Timestamp,
  self: NodeId,
): Version[] {
  return [...values].map(([kind, value]) => ({
    entity: id,
    kind,
    value: kind === EXPIRY ? withCarriedFloor(store, id, value as Expiry, ts.ms) : value,
    ts,
    seen: store.contextFor(id, kind, self),
  }));
}

/**
 * An expiry as written at `ms`: it carries the entity's floor once purged at that stamp
 * (EntityStore.floorToCarry), whatever floor the caller gave, so every replica that receives it (or
 * a later one) ends with the same floor whatever it fired before (docs/architecture.md, "Expiry").
 */
function withCarriedFloor(store: EntityStore, id: EntityId, value: Expiry, ms: number): Expiry {
  const floor = store.floorToCarry(id, ms);
  return floor === undefined ? { at: value.at } : { at: value.at, floor };
}
