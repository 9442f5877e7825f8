import { KEY_AGAIN_MS, MAX_PEER_HELD_KEYS } from './limits';

/**
 * The public keys a link's peer is known to hold (docs/security.md, "Keys on the wire"): its own
 * (its hello carried it), ours (our hello carried it), every key it sent us in a `keys` frame and
 * every key we sent it. The session sends an author's key on a link only just ahead of a version
 * by that author, and only if the peer is not known to hold it: before, every vouched key went on
 * every link at the handshake and again when first vouched for, whether versions of its author
 * followed there or not, back to the peers it had just come from too (docs/benchmarks.md,
 * scenario 8). The link is ordered and reliable, so a key we sent is lost only with the link, and a
 * new link starts with nothing known held.
 *
 * A key the peer holds may since have left its ring (bounded, least recently used first: 4,096
 * made-up keys push it out), the hellos' two never (the peer pins its own and its linked peers'
 * keys): `forget` drops one the peer lacks a version of the author of, so it goes again ahead of
 * that version, at most once per KEY_AGAIN_MS per key.
 *
 * At most MAX_PEER_HELD_KEYS keys are remembered; past it the others are sent each time.
 */
export class PeerKeys {
  private readonly held = new Set<string>();
  /** Of `held`, those the hellos carried: pinned at the peer while the link is open. */
  private readonly pinned = new Set<string>();
  /**
   * When each key was last forgotten, oldest first (at most MAX_PEER_HELD_KEYS; a time KEY_AGAIN_MS old
   * throttles nothing and goes when room is needed: dropStale).
   */
  private readonly forgotAt = new Map<string, number>();

  /** Keys the peer holds: it sent them to us, or we sent them to it. */
  note(keys: readonly Uint8Array[]): void {
    for (const k of keys) {
      if (this.held.size >= MAX_PEER_HELD_KEYS) return;
      this.held.add(fingerprint(k));
    }
  }

  /** The peer's key and ours, which the hellos carried: never forgotten. */
  noteHello(keys: readonly Uint8Array[]): void {
    for (const k of keys) this.pinned.add(fingerprint(k));
    this.note(keys);
  }

  /** Of `keys`, those the peer is not known to hold, in order. */
  lacking(keys: readonly Uint8Array[]): Uint8Array[] {
    return keys.filter((k) => !this.held.has(fingerprint(k)));
  }

  /** Whether the peer is known to hold `key`. */
  holds(key: Uint8Array): boolean {
    return this.held.has(fingerprint(key));
  }

  /**
   * The peer lacks a version by the author of `key`: the key no longer counts as held, unless a
   * hello carried it or it was forgotten less than KEY_AGAIN_MS ago. True if it was forgotten.
   */
  forget(key: Uint8Array, now: number): boolean {
    const f = fingerprint(key);
    if (this.pinned.has(f) || !this.held.has(f)) return false;
    const at = this.forgotAt.get(f);
    // A clock that stepped back restarts the wait from now: the bound holds whatever the clock does.
    if (at !== undefined && now < at) this.forgotAt.set(f, now);
    if (at !== undefined && (now < at || now - at < KEY_AGAIN_MS)) return false;
    if (at === undefined && this.forgotAt.size >= MAX_PEER_HELD_KEYS) {
      this.dropStale(now);
      if (this.forgotAt.size >= MAX_PEER_HELD_KEYS) return false;
    }
    // Kept in the order last forgotten (delete, then set), so the stale ones are at the front.
    this.forgotAt.delete(f);
    this.forgotAt.set(f, now);
    this.held.delete(f);
    return true;
  }

  /**
   * Forgets the times of keys forgotten at least KEY_AGAIN_MS ago, oldest first: they throttle
   * nothing any more. Without it a link that had forgotten MAX_PEER_HELD_KEYS keys once could never
   * forget another, and a key the peer's ring evicted later would never go again on that link
   * (test/unit/core/sync/peer-keys-forgot-full.test.ts). Stops at the first that still throttles (a
   * clock stepped back may leave older ones behind it: then the forget is refused, as before).
   */
  private dropStale(now: number): void {
    for (const [f, at] of this.forgotAt) {
      if (now < at || now - at < KEY_AGAIN_MS) return;
      this.forgotAt.delete(f);
    }
  }
}

/** The key's bytes as a string (one char per byte): a Set member that compares by content. */
function fingerprint(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]!);
  return s;
}
