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
 * At most MAX_PEER_HELD_KEYS keys are remembered; past it the others are sent as before.
 */
export class PeerKeys {
  private readonly held = new Set<string>();

  note(keys: readonly Uint8Array[]): void {
    for (const k of keys) {
      if (this.held.size >= MAX_PEER_HELD_KEYS) return;
      this.held.add(fingerprint(k));
    }
  }

  /** Of `keys`, those the peer is not known to hold, in order. */
  lacking(keys: readonly Uint8Array[]): Uint8Array[] {
    return keys.filter((k) => !this.held.has(fingerprint(k)));
  }
}

/** The key's bytes as a string (one char per byte): a Set member that compares by content. */
function fingerprint(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]!);
  return s;
}
