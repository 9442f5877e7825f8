/**
 * Test helper (not a test file): a reference model of the store, slow and obvious on purpose. It
 * keeps every version a node was ever delivered and every honest write's explicit causal history
 * (the set of versions of that component its writer had received, and what those had seen), and
 * computes the heads from scratch on each question. The store must give the same answers.
 *
 * The rules, in the model's terms:
 * - A context may list each other author once, never the writer itself, nothing from the writer's
 *   future; an expiry's deadline is after its own write's time. A version breaking that is never
 *   delivered at all.
 * - A head is a delivered version of the component that no delivered version had seen; an honest
 *   write saw exactly its history, a hostile one (a context that is not causally closed) saw what
 *   its context literally lists, and its author's own earlier writes. Seeing is by timestamp: a
 *   write that saw one content of a timestamp saw every content an equivocating author signed under
 *   it (twins), and of the twins delivered only the one whose content sorts first can be a head.
 * - The latest delivered tombstone removes every version of the entity written at or before it,
 *   except tombstones and expiries (a deadline outlives a delete).
 * - An honest write's history leaves out every write of an author whose latest write in it lies
 *   at or below what its writer held gone for good: the entity's floor (not for expiries), or for
 *   the kinds a tombstone removes the latest tombstone the writer was delivered (contexts are
 *   bounded, see src/core/store/context-bound.ts).
 * - Purge at `now`: if some expiry head's `at` has passed (the latest such) and is above the
 *   entity's floor, the floor rises to it and the expiry heads with that `at` become its markers; every version
 *   written at or before the floor is gone, except expiries (the markers among them): the expiry's register
 *   learns from every expiry, so it keeps them all, and an author's later expiry supersedes its earlier. An expiry written at or before the floor, with the floor's `at`, that is a head once delivered
 *   is a marker too (it fires with them where it came before the deadline).
 * - An expiry written at or before the floor that saw every marker left takes the floor away until
 *   the next purge: the markers never fire where that write came first. The markers it saw are no
 *   longer markers. So does any expiry after which no expiry head has the floor's deadline (one
 *   written after the deadline that carries no floor, a twin of another deadline whose content
 *   wins): where it came before the purge, no marker fired.
 *   What the floor had dropped is forgotten, a tombstone too: the latest tombstone is then the
 *   latest one delivered since (or kept as a head under the floor). What the store keeps as
 *   evidence stays, as the heads do (a twin that lost, a context that taught more).
 * - An expiry may carry a floor (Expiry.floor), below its own write's time and at most its
 *   deadline. An honest writer gives it the floor it holds once purged at the write's own stamp:
 *   the largest of the floors carried to it, its floor if below the stamp, and the deadlines of its
 *   expiry heads that lie before the stamp (floorToCarry). Every node raises the entity's floor to
 *   the largest floor carried by an expiry it was delivered (a head or not, any twin): that floor
 *   has no markers, and no expiry takes it away; a fired floor at or below it is forgotten.
 */
import { compareTs, encodeTs, type Timestamp } from '../../../../../src/core/clock/timestamp';
import type { Expiry } from '../../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import { orderFor } from '../../../../../src/core/merge/rules';
import { canonicalContent, compareContent } from '../../../../../src/core/merge/version-content';
import { MAX_CONTEXT_ENTRIES } from '../../../../../src/core/merge/context-limits';
import { DELETED, type Version } from '../../../../../src/core/merge/version';

export interface ModelWrite {
  readonly key: string;
  readonly version: Version;
  /** Honest: the timestamp keys (stampOf) of every version of the same component its writer had seen. Hostile: undefined. */
  readonly history: ReadonlySet<string> | undefined;
}

export const EXPIRY = 'expiry' as ComponentKind;
export const registerOf = (v: Version): string => `${v.entity}/${v.kind}`;
/** A version's register and timestamp: what a context can name (every twin under it alike). */
export const stampOf = (v: Version): string => `${registerOf(v)}/${encodeTs(v.ts)}`;
/** A version's identity: its register, timestamp and content (twins are different writes). */
export const keyOf = (v: Version): string => `${stampOf(v)}/${canonicalContent(v)}`;

/** Every write any node made, honest or not. */
export class Universe {
  readonly writes = new Map<string, ModelWrite>();
  private readonly stamps = new Map<string, Timestamp>();

  add(version: Version, history: ReadonlySet<string> | undefined): ModelWrite {
    const w = { key: keyOf(version), version, history };
    this.writes.set(w.key, w);
    this.stamps.set(stampOf(version), version.ts);
    return w;
  }

  /** True when the writer of `u` had seen `w` (two writes of the same component). */
  saw(u: ModelWrite, w: ModelWrite): boolean {
    if (u === w) return false;
    const [ut, wt] = [u.version.ts, w.version.ts];
    // A rest marker (an entry naming u's own writer): every write at or before its time. An honest
    // writer carries one once its register folded authors into a cut, or learned a marker.
    const marker = u.version.seen.find((s) => s.node === ut.node);
    if (marker !== undefined && (wt.ms < marker.ms || (wt.ms === marker.ms && wt.c <= marker.c))) return true;
    // A writer's own earlier writes are implied (its clock only goes up), even one no node took (a
    // malformed context) whose twin came later.
    if (wt.node === ut.node) return compareTs(wt, ut) < 0;
    if (u.history !== undefined) return u.history.has(stampOf(w.version));
    const entry = u.version.seen.find((s) => s.node === wt.node);
    return entry !== undefined && compareTs(wt, entry) <= 0;
  }

  /**
   * The history of a new honest write to `register` by `self`, a node that received `received`,
   * with `settled(t)` telling what it holds gone for good (its floor and latest tombstone).
   */
  historyFor(
    register: string,
    received: Iterable<ModelWrite>,
    self: NodeId,
    settled: (t: Timestamp) => boolean,
  ): Set<string> {
    const history = new Set<string>();
    const same = [...this.writes.values()].filter((w) => registerOf(w.version) === register);
    for (const u of received) {
      if (registerOf(u.version) !== register) continue;
      history.add(stampOf(u.version));
      for (const w of same) if (this.saw(u, w)) history.add(stampOf(w.version));
    }
    const latest = new Map<NodeId, Timestamp>();
    for (const key of history) {
      const ts = this.stamps.get(key)!;
      const known = latest.get(ts.node);
      if (known === undefined || compareTs(ts, known) > 0) latest.set(ts.node, ts);
    }
    for (const key of [...history]) {
      const author = this.stamps.get(key)!.node;
      if (author !== self && settled(latest.get(author)!)) history.delete(key);
    }
    return history;
  }
}

export function wellFormed(v: Version): boolean {
  const authors = v.seen.map((s) => s.node);
  return (
    v.seen.length <= MAX_CONTEXT_ENTRIES &&
    new Set(authors).size === authors.length &&
    v.seen.every((s) => compareTs(s, v.ts) < 0) &&
    (v.kind !== EXPIRY || (v.value as Expiry).at > v.ts.ms) &&
    (v.kind !== EXPIRY || carriedBy(v) === undefined || carriedBy(v)! < v.ts.ms)
  );
}

/** The floor an expiry carries, if any (0 is none). */
export function carriedBy(v: Version): number | undefined {
  if (v.kind !== EXPIRY) return undefined;
  const f = (v.value as Expiry).floor;
  return f === undefined || f === 0 ? undefined : f;
}

interface Floor {
  readonly at: number;
  readonly markers: Set<string>;
}

/** One node's view: what it was delivered and where its floors are. */
export class ModelNode {
  readonly received = new Map<string, ModelWrite>();
  /** Floors set by a purge (fired), above what was carried. */
  readonly floors = new Map<EntityId, Floor>();
  /** The largest floor an expiry delivered carried, per entity. */
  readonly carried = new Map<EntityId, number>();
  /** Every expiry this node fired, in order. */
  readonly fired: ModelWrite[] = [];
  /** Entities whose fired floor this node took away once no expiry head had its deadline. */
  readonly unmarked = new Set<EntityId>();

  constructor(private readonly universe: Universe) {}

  /** The entity's floor: the fired one or the largest carried, whichever is higher. */
  floorOf(entity: EntityId): number | undefined {
    const fired = this.floors.get(entity)?.at;
    const carried = this.carried.get(entity);
    if (fired === undefined) return carried;
    return carried === undefined || fired > carried ? fired : carried;
  }

  /** Every entity with a floor, to it. */
  allFloors(): Map<EntityId, number> {
    const out = new Map<EntityId, number>();
    for (const entity of new Set([...this.floors.keys(), ...this.carried.keys()]))
      out.set(entity, this.floorOf(entity)!);
    return out;
  }

  /** The floor a new expiry written to `entity` at `ms` carries (see the header). */
  floorToCarry(entity: EntityId, ms: number): number | undefined {
    let out = this.carried.get(entity);
    const floor = this.floorOf(entity);
    if (floor !== undefined && floor < ms && (out === undefined || floor > out)) out = floor;
    for (const h of this.heads(entity, EXPIRY)) {
      const at = (h.version.value as Expiry).at;
      if (at < ms && (out === undefined || at > out)) out = at;
    }
    return out === undefined || out <= 0 ? undefined : out;
  }

  /** Whether every write up to `t` of `kind` is gone for good here (see Universe.historyFor). */
  settled(entity: EntityId, kind: ComponentKind, t: Timestamp): boolean {
    const floor = this.floorOf(entity);
    if (floor !== undefined && kind !== EXPIRY && t.ms <= floor) return true;
    if (kind === DELETED || kind === EXPIRY) return false;
    return [...this.received.values()].some(
      (w) => w.version.entity === entity && w.version.kind === DELETED && compareTs(t, w.version.ts) <= 0,
    );
  }

  /**
   * `evidence`: the keys of the versions the store keeps as evidence around `w` (evidence.ts: held
   * before it, and kept once it merged); a floor taken away leaves them, as it leaves the heads, since
   * the store learns each register again from its heads and its evidence (EntityState.liftFloor).
   * Which versions are kept as evidence is checked elsewhere (twins-sync.test.ts, the final heal).
   */
  deliver(w: ModelWrite, evidence: ReadonlySet<string> = new Set()): void {
    if (!wellFormed(w.version)) return;
    const entity = w.version.entity;
    // A carried floor first: a fired floor at or below it is forgotten (it has no markers).
    const carried = carriedBy(w.version);
    if (carried !== undefined && carried > (this.carried.get(entity) ?? -Infinity)) {
      this.carried.set(entity, carried);
      const fired = this.floors.get(entity);
      if (fired !== undefined && fired.at <= carried) this.floors.delete(entity);
    }
    const floor = this.floors.get(entity);
    // An expiry written at or before the floor that saw every marker left takes the floor away: where
    // it arrived before the deadline, no marker fired (the next purge decides).
    const early = floor !== undefined && w.version.kind === EXPIRY && w.version.ts.ms <= floor.at;
    let cancels = false;
    if (early) {
      const left = [...floor.markers].filter((k) => !this.universe.saw(w, this.universe.writes.get(k)!));
      if (left.length === 0 && floor.markers.size > 0) cancels = true;
      else if (left.length < floor.markers.size) {
        floor.markers.clear();
        for (const k of left) floor.markers.add(k);
      }
    }
    // What the store holds of the entity before w: the heads under the floor (and w itself).
    const held = new Set<string>([w.key]);
    if (cancels) {
      const kinds = new Set(
        [...this.received.values()].filter((u) => u.version.entity === entity).map((u) => u.version.kind),
      );
      for (const kind of kinds) for (const h of this.heads(entity, kind)) held.add(h.key);
      for (const key of evidence) if (this.received.get(key)?.version.entity === entity) held.add(key);
    }
    this.received.set(w.key, w);
    if (!cancels) {
      if (
        early &&
        (w.version.value as Expiry).at === floor.at &&
        this.heads(entity, EXPIRY).some((h) => h.key === w.key)
      ) {
        floor.markers.add(w.key);
      }
      // A fired floor stands only while an expiry head has its deadline: once w took the last one out
      // of the heads (a write after the deadline carrying no floor, a winning twin, a fold), it goes.
      if (
        floor === undefined ||
        w.version.kind !== EXPIRY ||
        this.heads(entity, EXPIRY).some((h) => (h.version.value as Expiry).at === floor.at)
      ) {
        return;
      }
      const kinds = new Set(
        [...this.received.values()].filter((u) => u.version.entity === entity).map((u) => u.version.kind),
      );
      for (const kind of kinds) for (const h of this.heads(entity, kind)) held.add(h.key);
      for (const key of evidence) if (this.received.get(key)?.version.entity === entity) held.add(key);
      this.unmarked.add(entity);
    }
    this.floors.delete(entity);
    // The store relearns each register from what it holds, heads and evidence (EntityState.liftFloor):
    // what the floor dropped or refused, and what was superseded and not kept as evidence, is
    // forgotten until delivered again.
    for (const [key, u] of this.received) if (u.version.entity === entity && !held.has(key)) this.received.delete(key);
  }

  heads(entity: EntityId, kind: ComponentKind): ModelWrite[] {
    const all = [...this.received.values()].filter((w) => w.version.entity === entity);
    const mine = all.filter((w) => w.version.kind === kind);
    let deletedAt: Timestamp | undefined;
    for (const w of all) {
      if (w.version.kind !== DELETED) continue;
      if (deletedAt === undefined || compareTs(w.version.ts, deletedAt) > 0) deletedAt = w.version.ts;
    }
    const floor = this.floorOf(entity);
    const order = orderFor(kind);
    return (
      mine
        .filter((v) => floor === undefined || v.version.ts.ms > floor || kind === EXPIRY)
        .filter(
          (v) =>
            kind === DELETED || kind === EXPIRY || deletedAt === undefined || compareTs(v.version.ts, deletedAt) > 0,
        )
        .filter((v) => !mine.some((u) => this.universe.saw(u, v)))
        // Of twins (one timestamp, several contents) only the one whose content sorts first.
        .filter(
          (v) =>
            !mine.some(
              (u) => u !== v && stampOf(u.version) === stampOf(v.version) && compareContent(u.version, v.version) < 0,
            ),
        )
        .sort((a, b) => order(b.version, a.version))
    );
  }

  purge(now: number): void {
    for (const entity of new Set([...this.received.values()].map((w) => w.version.entity))) {
      const atOf = (w: ModelWrite): number => (w.version.value as Expiry).at;
      const passed = this.heads(entity, EXPIRY).filter((h) => atOf(h) <= now);
      if (passed.length === 0) continue;
      const fired = passed.reduce((a, b) => (atOf(b) > atOf(a) ? b : a));
      const floor = this.floorOf(entity);
      if (floor !== undefined && atOf(fired) <= floor) continue;
      const markers = new Set(passed.filter((h) => atOf(h) === atOf(fired)).map((h) => h.key));
      this.floors.set(entity, { at: atOf(fired), markers });
      this.fired.push(fired);
    }
  }

  /**
   * Entities where this node fired an expiry that a delivered write had superseded before its
   * deadline, or whose fired floor it took away once no expiry head had the floor's deadline (a
   * write after the deadline carrying no floor, a twin of another deadline): the purge came before
   * the news that the expiry was changed, and what it dropped cannot come back (see
   * docs/architecture.md, "Expiry").
   */
  lateCancelled(): Set<EntityId> {
    const out = new Set<EntityId>(this.unmarked);
    for (const x of this.fired) {
      const at = (x.version.value as Expiry).at;
      for (const y of this.received.values()) {
        if (registerOf(y.version) !== registerOf(x.version)) continue;
        if (this.universe.saw(y, x) && y.version.ts.ms < at) out.add(x.version.entity);
      }
    }
    return out;
  }

  /** Every non-empty register, `entity/kind` to its heads' keys, winner first. */
  registers(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const registers = new Set([...this.received.values()].map((w) => registerOf(w.version)));
    for (const w of this.received.values()) {
      const register = registerOf(w.version);
      if (!registers.delete(register)) continue;
      const heads = this.heads(w.version.entity, w.version.kind);
      if (heads.length > 0)
        out.set(
          register,
          heads.map((h) => h.key),
        );
    }
    return out;
  }
}
