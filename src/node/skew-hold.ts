import type { Hlc } from '../core/clock/hlc';
import type { NodeId } from '../core/ids';
import type { Version } from '../core/merge/version';
import { canonicalContent } from '../core/merge/version-content';
import { versionKey, type HeldRecord } from '../ports/storage';
import type { HeldSkew } from './node-api';
import type { VersionSource } from './version-listeners';
import type { HoldChanges } from './write-behind';

/** Held versions grouped by the source they came by (undefined: not known). */
export type HeldBySource = Map<VersionSource | undefined, Version[]>;

/** Bound on writes held for clock skew in all, so peers with wild clocks cannot fill our memory. */
export const MAX_HELD = 10_000;

/**
 * A clock further ahead than this is refused outright, not held: no honest clock is a day fast,
 * and holding (or, once accepted, following) such a clock would carry ours towards what the wire
 * cannot encode. It also bounds how far accepting an author's clock can move ours.
 */
export const HARD_HORIZON_MS = 24 * 60 * 60 * 1000;

export interface SkewHoldLimits {
  /** Versions held in all. */
  readonly maxHeld: number;
  /** Versions held per author: one author with a wild clock cannot crowd out another's honest skew. */
  readonly maxPerAuthor: number;
  /** Approximate bytes held in all, and per author. */
  readonly maxBytes: number;
  readonly maxBytesPerAuthor: number;
  /** A held write is dropped after this long (peers still hold it; anti-entropy offers it again). */
  readonly expireAfterMs: number;
}

export const DEFAULT_HOLD_LIMITS: SkewHoldLimits = {
  maxHeld: MAX_HELD,
  maxPerAuthor: 2_000,
  maxBytes: 4 * 1024 * 1024,
  maxBytesPerAuthor: 1024 * 1024,
  expireAfterMs: 30 * 60 * 1000,
};

interface Held {
  readonly version: Version;
  /** The link and path it came by, so its release is relayed the same way. */
  readonly source: VersionSource | undefined;
  readonly key: string;
  readonly bytes: number;
  readonly at: number;
}

interface AuthorHold {
  versions: Held[];
  skewMs: number;
  bytes: number;
}

/** Why a write was not held: counted in stats() under `clock-skew-<reason>`. */
export type HoldRefusal = 'overflow' | 'author-quota' | 'bytes';

/** The hold's key of a version: its storage key and its content (see version-content.ts). */
export function holdKey(v: Version): string {
  return `${versionKey(v)}\u0000${canonicalContent(v)}`;
}

/**
 * Remote writes whose clock is too far ahead of ours wait here (docs/requirements.md §3) until our
 * wall clock catches up, the operator accepts that author's clock, or they expire. They never move
 * our clock meanwhile. Bounded in count and bytes, in all and per author. Every change is handed
 * to `store` (the node's write-behind), so held writes survive a restart (restore()) with the time
 * they were first held: a restart neither loses them nor extends their expiry.
 */
export class SkewHold {
  private readonly held = new Map<NodeId, AuthorHold>();
  /** Keys and contents of held versions: every neighbour re-offers the same write, which must be held once. */
  private readonly keys = new Set<string>();
  private count = 0;
  private bytes = 0;
  /** Held writes per link they came by (VersionSource.via), for the link's sync state. */
  private readonly perLink = new Map<object, number>();
  readonly refused: Record<HoldRefusal | 'expired', number> = { overflow: 0, 'author-quota': 0, bytes: 0, expired: 0 };
  private readonly limits: SkewHoldLimits;

  constructor(
    limits: Partial<SkewHoldLimits> = {},
    /** Wall clock, epoch ms (expiry of held writes). */
    private readonly now: () => number = () => Date.now(),
    /** Where changes go to be stored; none keeps the hold in memory only. */
    private readonly store: (changes: HoldChanges) => void = () => undefined,
  ) {
    this.limits = { ...DEFAULT_HOLD_LIMITS, ...limits };
  }

  get size(): number {
    return this.count;
  }

  /** Writes refused by the bounds (all reasons). */
  get overflowed(): number {
    return this.refused.overflow + this.refused['author-quota'] + this.refused.bytes;
  }

  /** Holds `v` with the source it came by; returns why not when a bound refuses it. */
  hold(v: Version, skewMs: number, source?: VersionSource): HoldRefusal | undefined {
    const key = holdKey(v);
    if (this.keys.has(key)) return undefined;
    const at = this.now();
    const refusal = this.add(v, key, skewMs, source, at);
    if (refusal === undefined) this.store({ hold: [{ key, version: v, skewMs, at }], unhold: [] });
    return refusal;
  }

  /**
   * Holds again what storage kept (already validated by the caller), under the current bounds and
   * with the time each was first held; returns how many were held. Records the bounds now refuse,
   * or whose key does not match their version, are released from storage. They come back with no
   * source: the links they came by are gone.
   */
  restore(records: readonly HeldRecord[]): number {
    const drop: string[] = [];
    let held = 0;
    for (const r of [...records].sort((a, b) => a.at - b.at)) {
      const key = holdKey(r.version);
      if (key !== r.key || this.keys.has(key)) drop.push(r.key);
      else if (this.add(r.version, key, r.skewMs, undefined, r.at) === undefined) held += 1;
      else drop.push(r.key);
    }
    if (drop.length > 0) this.store({ hold: [], unhold: drop });
    return held;
  }

  private add(
    v: Version,
    key: string,
    skewMs: number,
    source: VersionSource | undefined,
    at: number,
  ): HoldRefusal | undefined {
    const bytes = key.length + 64;
    const entry = this.held.get(v.ts.node) ?? { versions: [], skewMs, bytes: 0 };
    const refusal =
      this.count >= this.limits.maxHeld
        ? 'overflow'
        : entry.versions.length >= this.limits.maxPerAuthor
          ? 'author-quota'
          : this.bytes + bytes > this.limits.maxBytes || entry.bytes + bytes > this.limits.maxBytesPerAuthor
            ? 'bytes'
            : undefined;
    if (refusal !== undefined) {
      this.refused[refusal] += 1;
      return refusal;
    }
    entry.versions.push({ version: v, source, key, bytes, at });
    if (source !== undefined) this.perLink.set(source.via, (this.perLink.get(source.via) ?? 0) + 1);
    entry.bytes += bytes;
    entry.skewMs = Math.max(entry.skewMs, skewMs);
    this.held.set(v.ts.node, entry);
    this.keys.add(key);
    this.count += 1;
    this.bytes += bytes;
    return undefined;
  }

  /** Versions whose lead over our wall clock is now within the limit; drops those held too long. */
  releaseDue(clock: Hlc): HeldBySource {
    const due: Held[] = [];
    const expired: Held[] = [];
    const oldest = this.now() - this.limits.expireAfterMs;
    for (const [author, entry] of this.held) {
      const still: Held[] = [];
      for (const h of entry.versions) {
        if (clock.leadOf(h.version.ts) <= clock.maxSkewMs) due.push(h);
        else if (h.at < oldest) expired.push(h);
        else still.push(h);
      }
      if (still.length === 0) this.held.delete(author);
      else if (still.length !== entry.versions.length) {
        entry.versions = still;
        entry.bytes = still.reduce((n, h) => n + h.bytes, 0);
      }
    }
    this.refused.expired += expired.length;
    this.forget(expired);
    return this.forget(due);
  }

  /** All versions held from one author (the operator accepted its clock). */
  releaseAuthor(author: NodeId): HeldBySource {
    const entry = this.held.get(author);
    if (entry === undefined) return new Map();
    this.held.delete(author);
    return this.forget(entry.versions);
  }

  private forget(held: readonly Held[]): HeldBySource {
    const out: HeldBySource = new Map();
    if (held.length > 0) this.store({ hold: [], unhold: held.map((h) => h.key) });
    for (const h of held) {
      const via = h.source?.via;
      if (via !== undefined) {
        const left = (this.perLink.get(via) ?? 1) - 1;
        if (left === 0) this.perLink.delete(via);
        else this.perLink.set(via, left);
      }
      this.keys.delete(h.key);
      this.count -= 1;
      this.bytes -= h.bytes;
      const group = out.get(h.source);
      if (group === undefined) out.set(h.source, [h.version]);
      else group.push(h.version);
    }
    return out;
  }

  /** Writes held that came by this link (VersionSource.via). */
  heldFrom(via: object): number {
    return this.perLink.get(via) ?? 0;
  }

  summary(): HeldSkew[] {
    return [...this.held].map(([author, e]) => ({ author, skewMs: e.skewMs, count: e.versions.length }));
  }
}
