import { MAX_PEER_HELD_KEYS } from './limits';

/**
 * The public keys a link's peer is known to hold (docs/security.md, "Keys on the wire"): its own
 * (its hello carried it), ours (our hello carried it) and every key it sent us in a `keys` frame.
 * The session sends it none of these at the handshake nor when an author is first vouched for:
 * after a heal each node vouched for the other side's authors at about the same time and sent each
 * such key on every link, back to the peers it had just come from too, 84 B per delivery at 32
 * nodes (docs/benchmarks.md, scenario 8). Keys we sent are not counted as held: a `keys` frame may
 * be lost, which the periodic resend is for, and it sends every key it is given.
 *
 * A key the peer sent us may since have left its ring (bounded, least recently used first: 4,096
 * sybil keys push it out), the hellos' two never (the peer pins its own and its linked peers'
 * keys): `forget` drops one the peer lacks a version of the author of, so it is sent again ahead of
 * that version. Forgotten, it counts as held again only once the peer sends it again, so a peer
 * draws at most one key back per key it sent us.
 *
 * At most MAX_PEER_HELD_KEYS keys are remembered; past it the others are sent as before.
 */
export class PeerKeys {
  private readonly held = new Set<string>();
  /** Of `held`, those the hellos carried: pinned at the peer while the link is open. */
  private readonly pinned = new Set<string>();

  /** Keys the peer sent us in a `keys` frame. */
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

  /** Whether any key could be forgotten (one the peer sent us is counted as held). */
  get forgettable(): boolean {
    return this.held.size > this.pinned.size;
  }

  /**
   * The peer lacks a version by the author of `key`: the key no longer counts as held unless a
   * hello carried it. True if it did count (the caller sends it again).
   */
  forget(key: Uint8Array): boolean {
    const f = fingerprint(key);
    if (this.pinned.has(f)) return false;
    return this.held.delete(f);
  }
}

/** The key's bytes as a string (one char per byte): a Set member that compares by content. */
function fingerprint(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]!);
  return s;
}
