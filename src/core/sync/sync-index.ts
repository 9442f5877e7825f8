import type { ComponentKind, EntityId } from '../ids';
import type { Version } from '../merge/version';
import type { Item } from '../reconcile/item';
import { FIXED_KINDS, fixedSlot } from '../store/entity-state';
import { compareAt, SlotVectorStorage, type SlotItem } from '../reconcile/slot-vector-storage';
import { IdTable, type IdTableSeed } from './id-table';
import { idKey, idOfKey, preparedKey, versionIdKey } from './version-id';

/**
 * A slot's kind as a byte (SyncIndex.kindCode): the kind's place among the store's fixed kinds
 * (FIXED_KINDS, the kinds nearly every version has) plus one, or 0 for any other.
 */
function commonKindCode(kind: string): number {
  return fixedSlot(kind) + 1;
}

/**
 * A slot's timestamp tag (SyncIndex.tag): the counter's 16 bits, xor a mix of the HLC ms. Two
 * versions at one ms never share a tag unless their counters do (twins: docs/security.md); at two
 * ms they share one by chance (1 in 65,536), which costs a want one hash more, never a wrong answer
 * (the version's id decides).
 */
export function timestampTag(ms: number, c: number): number {
  return (c ^ (Math.imul(ms | 0, 0x9e3779b1) >>> 16) ^ Math.imul((ms / 0x1_0000_0000) | 0, 0x85ebca6b)) & 0xffff;
}

/** Id keys cached per generation (SyncIndex.keys): a batch or two of a bulk sync. */
const KEY_GENERATION = 8_192;

/** Refused ids remembered: enough for a hostile peer's batch or two; the oldest are forgotten first. */
export const MAX_REFUSED = 16_384;
/** Ids set aside (held back) remembered at once; past it the oldest are forgotten (fetched again sooner). */
export const MAX_HELD_BACK = 65_536;
/**
 * Ids claimed at once, over every link (docs/security.md, "Per-link limits"): each link's wants are
 * bounded (MAX_TRACKED_WANTS), but many links and set-aside ids add up. Past it, expired claims are
 * swept, then the oldest claim is forgotten: the worst that costs is asking twice for a version.
 */
export const MAX_CLAIMS = 65_536;

/**
 * Where the node keeps the versions the index names: the versions it holds of one register (an
 * entity's kind), its heads and its evidence (EntityStore.retainedAt), the entity named by its
 * number in the store (EntityStore.numberOf: 4 bytes per slot, where a reference took 8). Given one,
 * the index keeps no version: a `want` is answered with what the store holds now.
 */
export interface VersionFinder {
  /** The entity's number while the store holds it; undefined: not held. */
  numberOf(entity: EntityId): number | undefined;
  /** The versions kept of the register (the entity under this number, the kind), if any. */
  retainedAt(entity: number, kind: ComponentKind): Iterable<Version>;
}

/**
 * A VersionFinder over a store that reads registers by entity id only: it numbers the entities
 * itself, in a Map it never shrinks (sessions tested on their own; a node's store numbers its own).
 */
export function numbering(retainedOf: (entity: EntityId, kind: ComponentKind) => Iterable<Version>): VersionFinder {
  const numbers = new Map<EntityId, number>();
  const ids: EntityId[] = [];
  return {
    numberOf: (entity) => {
      let n = numbers.get(entity);
      if (n === undefined) {
        n = ids.push(entity) - 1;
        numbers.set(entity, n);
      }
      return n;
    },
    retainedAt: (n, kind) => retainedOf(ids[n]!, kind),
  };
}

/** A slot whose entity the store did not hold when it was indexed (SyncIndex.unnumbered). */
const NO_NUMBER = 0xffffffff;

/**
 * The node's reconciliation set: one item per stored version (ts = HLC ms, id = versionId), kept
 * in step with the store from the versions it applied and removed, and where to find each version
 * for answering `want`s. Reconciliation needs a set that does not change during a session, so
 * storage() hands out an immutable snapshot, rebuilt lazily when something changed since the last
 * one by one merge pass over the previous snapshot's typed arrays (SlotVectorStorage.rebuilt). The
 * snapshot names each id by its slot in the id table (IdTable.share), so an id is held once.
 *
 * Per version the index holds its id (in an IdTable, typed arrays) and a slot: its entity, kind and a
 * 16-bit tag of its timestamp, which is what it needs to find the version in the store again (`find`); the items themselves live only
 * in the snapshot's typed arrays. It keeps no Version, Item or id array per version: those made the
 * running node hold ~590 B per component beside the store's ~90 (docs/benchmarks.md, scenario 10).
 * Without `find` (a session tested on its own) the index is its own store and keeps the versions.
 *
 * It also remembers ids "claimed" by a request in flight or recently received without effect
 * (held for clock skew, obsolete), so two sessions do not ask for the same version twice and a
 * held write is not fetched again every round.
 */
export class SyncIndex {
  /** Id key → slot, in typed arrays (id-table.ts: the id once by slot and a 4-byte position, ~21–24 B per version). */
  private readonly entries: IdTable;
  /** Slots given out (in use or free). */
  private slots = 0;
  /**
   * Per slot, with a finder: the version's entity, by its number in the store (VersionFinder), or
   * NO_NUMBER while the store did not hold it, whose id `unnumbered` keeps by slot (rare: the store
   * holds the entity of every version it reports); and its kind. Without one: the version.
   */
  private entity = new Uint32Array(0);
  private readonly unnumbered = new Map<number, EntityId>();
  /**
   * Per slot: the kind's place in FIXED_KINDS plus one (a byte, where a reference took 8 B), or 0
   * for any other kind, which `otherKinds` keeps by slot (few: tombstones, tasks, kinds unknown here).
   */
  private kindCode = new Uint8Array(0);
  private readonly otherKinds = new Map<number, ComponentKind>();
  /**
   * Per slot: its timestamp's tag (timestampTag), so a want compares timestamps before it hashes
   * any version (fetch). The slot keeps no HLC ms (8 B per version, docs/benchmarks.md, scenario
   * 10): a removal reads it from the version removed (same id, same timestamp), and a slot added
   * since the last snapshot keeps it in `added` until the next snapshot takes it.
   */
  private tag = new Uint16Array(0);
  private readonly held: (Version | undefined)[] | undefined;
  private readonly freeSlots: number[] = [];
  /**
   * The last snapshot, which the next one is rebuilt from; the slots added since, and the ids
   * removed since that it holds, each with its HLC ms. An id removed and added again is both (dropped
   * from the last snapshot and added with its new slot): a kept item's slot must be unchanged.
   */
  private base = SlotVectorStorage.empty();
  private readonly added = new Map<number, number>();
  private readonly removed = new Map<string, number>();
  private snapshot: SlotVectorStorage | undefined;
  /**
   * Slots of versions held but not yet durable (add with `pending`), each with its HLC ms: known to
   * has, holds, claim and remove, but kept out of the snapshots and of lookup's answers until
   * durable() (docs/architecture.md, "Nothing leaves before it is durable").
   */
  private readonly pending = new Map<number, number>();
  /** The id key of each version added pending, until durable() takes it (a long commit outlives `keys`' generations). */
  private readonly pendingKeys = new WeakMap<Version, string>();
  /** Claimed id → until when, oldest set first (bounded at MAX_CLAIMS). */
  private readonly claims = new Map<string, number>();
  private evicted = 0;
  /** Refused ids forgotten at MAX_REFUSED, and set-aside ids at MAX_HELD_BACK (the limits' counters). */
  private refusedForgotten = 0;
  private heldBackForgotten = 0;
  private sweptAt = Number.NEGATIVE_INFINITY;
  /** Ids set aside (suppress) → until when: not fetched, and not taken from a peer's unasked push. */
  private readonly heldBack = new Map<string, number>();
  /** Ids of versions refused for what they are (see refuse), in insertion order for eviction. */
  private readonly refused = new Set<string>();
  private newestMs = 0;
  private staleCount = 0;
  /**
   * The id key of the versions indexed lately, computed once in add(): the mesh's push filter
   * (holds) and remove() look it up instead of hashing the version again. Two generations of
   * KEY_GENERATION entries each: a WeakMap keeps the capacity it grew to after its keys are gone
   * (~34 B per version after a bulk fill, docs/benchmarks.md, scenario 10), so the older generation
   * is dropped whole instead. A version added longer ago (a head held as an object, replaced much
   * later) is hashed again; a head held in the columns is a new object when replaced anyway. Weak: it
   * keeps no version.
   */
  private keys = new WeakMap<Version, string>();
  private olderKeys: WeakMap<Version, string> | undefined;
  private keysInGeneration = 0;
  /**
   * Ids a link computed for versions it received (identified), until add() takes them: a received
   * version was hashed twice, by its link and here, ~4 % of a receiving worker's time in a bulk
   * sync (docs/benchmarks.md, scenario 7). Weak: a version never stored takes its entry with it.
   */
  private readonly received = new WeakMap<Version, Uint8Array>();

  /**
   * `seed`: the id table's secret (id-table.ts); a node passes four random words, so a peer cannot
   * pick ids that share a table run. The fixed default serves sessions tested on their own.
   */
  constructor(
    versions: Iterable<Version> = [],
    private readonly find?: VersionFinder,
    seed: IdTableSeed = [0, 0, 0, 0],
  ) {
    this.entries = new IdTable(seed);
    if (find === undefined) this.held = [];
    this.add(versions);
  }

  /** Versions in the reconciliation set: those indexed, less those not durable yet. */
  get size(): number {
    return this.entries.size - this.pending.size;
  }

  /** HLC ms of the newest version ever indexed (0 if none). */
  get newest(): number {
    return this.newestMs;
  }

  /**
   * Indexes versions the store now holds. `pending`: they are not durable yet (a peer's versions,
   * merged before the write-behind commits them): held (has, holds), never asked for again (claim),
   * but neither reconciled nor served (storage, lookup) until durable() says they are.
   */
  add(versions: Iterable<Version>, pending = false): void {
    for (const v of versions) {
      const id = this.received.get(v);
      let key;
      if (id !== undefined) {
        this.received.delete(v);
        key = idKey(id);
        // A local write's ids are computed while its commit is in flight (prepareVersionIds).
      } else key = preparedKey(v, true) ?? versionIdKey(v);
      if (++this.keysInGeneration > KEY_GENERATION) {
        this.olderKeys = this.keys;
        this.keys = new WeakMap();
        this.keysInGeneration = 1;
      }
      this.keys.set(v, key);
      const had = this.entries.get(key);
      if (had !== undefined) {
        // Its entity may be held under another number since (forgotten and held again).
        if (this.find !== undefined) this.number(had, v.entity);
        continue;
      }
      const slot = this.slotFor(v);
      this.entries.add(key, slot);
      // Mostly empty (a local write's ids were never claimed nor set aside): no lookup then.
      if (this.claims.size > 0) this.claims.delete(key);
      if (this.heldBack.size > 0) this.heldBack.delete(key);
      if (pending) {
        this.pending.set(slot, v.ts.ms);
        this.pendingKeys.set(v, key);
        continue;
      }
      this.added.set(slot, v.ts.ms);
      if (v.ts.ms > this.newestMs) this.newestMs = v.ts.ms;
      this.snapshot = undefined;
    }
  }

  /**
   * The versions added `pending` are durable now: the next snapshot holds them and lookup serves
   * them. Those removed meanwhile (superseded, withdrawn) are skipped.
   */
  durable(versions: Iterable<Version>): void {
    if (this.pending.size === 0) return;
    for (const v of versions) {
      const key = this.pendingKeys.get(v) ?? this.keyOf(v);
      this.pendingKeys.delete(v);
      const slot = this.entries.get(key);
      if (slot === undefined) continue;
      const ms = this.pending.get(slot);
      if (ms === undefined) continue;
      this.pending.delete(slot);
      this.added.set(slot, ms);
      if (ms > this.newestMs) this.newestMs = ms;
      this.snapshot = undefined;
    }
  }

  /** Versions held but not yet durable (add with `pending`). */
  get pendingCount(): number {
    return this.pending.size;
  }

  private slotFor(v: Version): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.slots++;
      if (slot === this.tag.length) {
        // Half as many again while under 4,096, then an eighth more (not doubled): the id table's ids
        // grow the same way, its positions apart.
        const tag = new Uint16Array(Math.max(64, slot < 4096 ? Math.ceil(slot * 1.5) : slot + (slot >> 3)));
        tag.set(this.tag);
        this.tag = tag;
        const kindCode = new Uint8Array(tag.length);
        kindCode.set(this.kindCode);
        this.kindCode = kindCode;
        if (this.find !== undefined) {
          const entity = new Uint32Array(tag.length);
          entity.set(this.entity);
          this.entity = entity;
        }
      }
      this.held?.push(undefined);
    }
    if (this.find !== undefined) this.number(slot, v.entity);
    const code = commonKindCode(v.kind);
    this.kindCode[slot] = code;
    if (code === 0) this.otherKinds.set(slot, v.kind);
    this.tag[slot] = timestampTag(v.ts.ms, v.ts.c);
    if (this.held !== undefined) this.held[slot] = v;
    return slot;
  }

  /** Names the slot's entity by its number in the store, or by its id while the store does not hold it. */
  private number(slot: number, entity: EntityId): void {
    const n = this.find!.numberOf(entity);
    if (n === undefined) {
      this.entity[slot] = NO_NUMBER;
      this.unnumbered.set(slot, entity);
    } else {
      this.entity[slot] = n;
      this.unnumbered.delete(slot);
    }
  }

  private freeSlot(slot: number): void {
    this.unnumbered.delete(slot);
    if (this.kindCode[slot] === 0) this.otherKinds.delete(slot);
    if (this.held !== undefined) this.held[slot] = undefined;
    this.freeSlots.push(slot);
  }

  identified(versions: readonly Version[], ids: readonly Uint8Array[]): void {
    for (let i = 0; i < versions.length; i++) this.received.set(versions[i]!, ids[i]!);
  }

  remove(versions: Iterable<Version>): void {
    for (const v of versions) {
      const key = this.keyOf(v);
      const slot = this.entries.delete(key);
      if (slot === undefined) continue;
      this.freeSlot(slot);
      // Never in a snapshot: nothing to drop from one.
      if (this.pending.delete(slot)) continue;
      // The version removed has the indexed one's id, so its timestamp.
      if (!this.added.delete(slot) && !this.removed.has(key)) this.removed.set(key, v.ts.ms);
      this.snapshot = undefined;
    }
  }

  has(id: Uint8Array): boolean {
    return this.entries.has(idKey(id));
  }

  /** Whether this version is indexed (still stored), without hashing it again when add() saw it. */
  holds(v: Version): boolean {
    return this.entries.has(this.keyOf(v));
  }

  /**
   * The id key of a version (idKey of its versionId), without hashing it again when add() indexed
   * it or a link identified it on receipt (a duplicate the store did not take).
   */
  keyOf(v: Version): string {
    const key = this.keys.get(v) ?? this.olderKeys?.get(v);
    if (key !== undefined) return key;
    const id = this.received.get(v);
    return id !== undefined ? idKey(id) : (preparedKey(v) ?? versionIdKey(v));
  }

  /**
   * The versions with these ids that we still hold (superseded ones are gone). With a finder each
   * is read back from the store: among the versions it holds of the id's register, those whose
   * timestamp has the slot's tag (timestampTag: the id's counter, and its HLC ms but for a 1 in
   * 65,536 chance) are matched by their id key, the one add() cached (the store may hold
   * twins under one timestamp: a member can sign 64 per register, docs/security.md), so a want
   * hashes no version the index saw added, and what is served is what the store holds now. A
   * version not durable yet (add with `pending`) is not served.
   */
  lookup(ids: Iterable<Uint8Array>): Version[] {
    const out: Version[] = [];
    for (const id of ids) {
      const key = idKey(id);
      const slot = this.entries.get(key);
      // Not durable yet: not served (nor stale, the store holds it).
      if (slot === undefined || this.pending.has(slot)) continue;
      const v = this.held !== undefined ? this.held[slot] : this.fetch(slot, key);
      if (v !== undefined) out.push(v);
      else this.staleCount++;
    }
    return out;
  }

  /**
   * Wanted ids the index held but the store no longer did (no answer was sent): each is an index
   * entry the store's removals did not reach, which should stay 0 (surfaced in SyncStatus.stale).
   */
  get stale(): number {
    return this.staleCount;
  }

  private fetch(slot: number, key: string): Version | undefined {
    const tag = this.tag[slot]!;
    let n = this.entity[slot]!;
    if (n === NO_NUMBER) {
      const entity = this.unnumbered.get(slot)!;
      this.number(slot, entity);
      n = this.entity[slot]!;
      if (n === NO_NUMBER) return undefined;
    }
    for (const v of this.find!.retainedAt(n, this.kindOf(slot))) {
      if (timestampTag(v.ts.ms, v.ts.c) === tag && this.keyOf(v) === key) return v;
    }
    return undefined;
  }

  private kindOf(slot: number): ComponentKind {
    const code = this.kindCode[slot]!;
    return code === 0 ? this.otherKinds.get(slot)! : (FIXED_KINDS[code - 1] as ComponentKind);
  }

  /** An immutable sorted snapshot of the set for one reconciliation session. */
  storage(): SlotVectorStorage {
    if (this.snapshot !== undefined) return this.snapshot;
    let storage = this.base;
    if (this.added.size > 0 || this.removed.size > 0) {
      const ids = this.entries.share();
      const b = ids.bytes;
      const added: SlotItem[] = [];
      for (const [slot, ms] of this.added) added.push({ ts: ms, slot });
      // Mostly recent versions: sorted apart, then merged into the previous snapshot in one pass.
      added.sort((x, y) => compareAt(x.ts, b, 16 * x.slot, y.ts, b, 16 * y.slot));
      const drop: Item[] = [];
      for (const [key, ms] of this.removed) drop.push({ ts: ms, id: idOfKey(key) });
      storage = SlotVectorStorage.rebuilt(this.base, drop, added, ids);
    }
    this.base = storage;
    this.added.clear();
    this.removed.clear();
    this.snapshot = storage;
    return storage;
  }

  /**
   * Claims the ids not already claimed (and not held) until `until`; returns those. The caller then
   * asks for them; a claim ends when the version arrives (add) or when it expires.
   */
  claim(ids: readonly Uint8Array[], now: number, until: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const id of ids) {
      const key = idKey(id);
      if (this.entries.has(key)) continue;
      if (this.refused.has(key)) continue;
      const claimed = this.claims.get(key);
      if (claimed !== undefined && claimed > now) continue;
      this.setClaim(key, until, now);
      out.push(id);
    }
    return out;
  }

  /** Claims forgotten before they ran out because MAX_CLAIMS was reached (the limit's counter). */
  get claimsEvicted(): number {
    return this.evicted;
  }

  /** Sets a claim (latest last), keeping at most MAX_CLAIMS: expired ones go first, then the oldest. */
  private setClaim(key: string, until: number, now: number | undefined): void {
    this.claims.delete(key);
    if (this.claims.size >= MAX_CLAIMS) {
      if (now !== undefined && now > this.sweptAt) {
        this.sweptAt = now;
        for (const [k, u] of this.claims) if (u <= now) this.claims.delete(k);
      }
      while (this.claims.size >= MAX_CLAIMS) {
        this.claims.delete(this.claims.keys().next().value!);
        this.evicted++;
      }
    }
    this.claims.set(key, until);
  }

  /** Keeps these ids claimed until `until` (received but not applied: do not fetch again soon). */
  suppress(ids: readonly Uint8Array[], until: number): void {
    for (const id of ids) {
      const key = idKey(id);
      if (this.entries.has(key)) continue;
      this.setClaim(key, Math.max(until, this.claims.get(key) ?? 0), undefined);
      const held = Math.max(until, this.heldBack.get(key) ?? 0);
      this.heldBack.delete(key);
      this.heldBack.set(key, held);
      if (this.heldBack.size > MAX_HELD_BACK) {
        this.heldBack.delete(this.heldBack.keys().next().value!);
        this.heldBackForgotten += 1;
      }
    }
  }

  /** Whether the id was set aside (suppress) and its hold-back has not run out. */
  isHeldBack(id: Uint8Array, now: number): boolean {
    const until = this.heldBack.get(idKey(id));
    return until !== undefined && until > now;
  }

  /**
   * Never claims these ids again: versions every node refuses for what they are (a context that is
   * not well formed), so fetching them again from the peers that hold them would only cost traffic.
   * At most MAX_REFUSED are remembered; a forgotten one is fetched, refused and remembered again.
   */
  refuse(ids: readonly Uint8Array[]): void {
    for (const id of ids) {
      const key = idKey(id);
      if (this.entries.has(key)) continue;
      this.refused.delete(key);
      this.refused.add(key);
      this.claims.delete(key);
      if (this.refused.size > MAX_REFUSED) {
        this.refused.delete(this.refused.values().next().value!);
        this.refusedForgotten += 1;
      }
    }
  }

  get refusedCount(): number {
    return this.refused.size;
  }

  /** Refused ids forgotten because MAX_REFUSED was reached (the limit's counter, LimitName.RefusedIds). */
  get refusedEvicted(): number {
    return this.refusedForgotten;
  }

  /** Set-aside ids forgotten because MAX_HELD_BACK was reached (the limit's counter, LimitName.HeldBack). */
  get heldBackEvicted(): number {
    return this.heldBackForgotten;
  }

  /** Ends claims (a request that failed): another session may ask again at once. */
  release(ids: Iterable<Uint8Array>): void {
    for (const id of ids) this.claims.delete(idKey(id));
  }

  /** Forgets expired claims (bounded memory). */
  expire(now: number): void {
    for (const [key, until] of this.claims) if (until <= now) this.claims.delete(key);
    for (const [key, until] of this.heldBack) if (until <= now) this.heldBack.delete(key);
  }

  get claimCount(): number {
    return this.claims.size;
  }
}
