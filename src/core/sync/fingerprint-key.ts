import { FINGERPRINT_KEY_BYTES, FingerprintKey } from '../reconcile/fingerprint';
import { sha256 } from '../signing/sha256';
import type { NodeId } from '../ids';

/** Domain separation: these bytes hash to nothing else the mesh hashes. */
const LABEL = new TextEncoder().encode('lattice-mesh reconcile fingerprint key v1\0');

/** One end of a link as its hello names it: the node id and the fresh nonce it sent. */
export interface KeyParty {
  readonly node: NodeId;
  readonly nonce: Uint8Array;
}

/**
 * The fingerprint key of a link's session (sync protocol 10): the first 16 bytes of
 *   SHA-256( LABEL ‖ party₁ ‖ party₂ ),  party = u16 BE length ‖ UTF-8(node id) ‖ u16 BE length ‖ nonce,
 * with the two parties in the order of their node ids (as the roles are chosen), so both ends
 * derive the same key whichever side computes it. Each nonce is fresh per hello, so the key exists
 * only once both hellos are out: no writer can search, ahead of the session, for two sets of its
 * versions whose fingerprints agree under it (reconcile/fingerprint.ts; docs/security.md). The key
 * is not sent, but it is no secret from whoever reads both hellos: it is a public function of them,
 * and they travel inside the link's encrypted transport (DTLS). The defence needs it unpredictable
 * before the session, not secret from the two ends; a party that could read both hellos could
 * compute it, which matters only if it could also place versions it picked after the nonces into
 * the sets this session compares (docs/security.md, the handshake).
 */
export function fingerprintKeyOf(a: KeyParty, b: KeyParty): FingerprintKey {
  const [first, second] = a.node < b.node ? [a, b] : [b, a];
  const parts = [LABEL, ...party(first), ...party(second)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return new FingerprintKey(sha256(out).subarray(0, FINGERPRINT_KEY_BYTES));
}

function party(p: KeyParty): Uint8Array[] {
  const node = new TextEncoder().encode(p.node);
  return [u16(node.length), node, u16(p.nonce.length), p.nonce];
}

function u16(n: number): Uint8Array {
  return new Uint8Array([(n >>> 8) & 0xff, n & 0xff]);
}
