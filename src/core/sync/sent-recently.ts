import { mixId } from './id-table';

/**
 * A version answered on a link is not sent on it again for a `want` for at least half of this and
 * at most this long, unless a reconcile round opens on the link in between (docs/security.md,
 * "Per-link limits"): a peer repeating one `want` after each answer drained drew every version
 * again (1,000 notes of 2 KB, 50 wants: 99.5 MiB out for 782 KiB in). An honest peer that dropped
 * versions over its own limits (the applied rate, new registers, the skew hold) asks again in a
 * round of its own, and a round that opens makes every id wanted in it proven need again; round
 * opens are themselves limited (RECONCILE_OPEN_BURST, RECONCILE_OPENS_PER_MINUTE).
 */
export const RESEND_WINDOW_MS = 15_000;

/** Bits of each of the two filters (64 KiB each, made on a link's first `want`). */
export const SENT_FILTER_BITS = 2 ** 19;
/** Positions an id sets in a filter. */
const PROBES = 3;
const SHIFT = 32 - Math.log2(SENT_FILTER_BITS);

/**
 * The ids one link was answered lately, in two Bloom filters (this half-window's and the last's)
 * with positions mixed from the id and a secret the node never sends, so a peer can neither pick
 * ids that share positions nor evict anything: a filter forgets only by its half-window passing
 * (or a round opening). A false positive delays an id by one window at most; the filters hold
 * 128 KiB a link whatever the peer asks.
 */
export class SentRecently {
  private current: Uint8Array | undefined;
  private previous: Uint8Array | undefined;
  private since = Number.NEGATIVE_INFINITY;
  private readonly s: readonly [number, number, number, number];

  /** `secret`: 16 random bytes of this link that never go on the wire (zeros when absent: tests). */
  constructor(secret: Uint8Array | undefined) {
    const w = (i: number): number => (secret === undefined || secret.length < 16 ? 0 : readWord(secret, 4 * i));
    this.s = [w(0), w(1), w(2), w(3)];
  }

  /** Whether `id` was answered on this link lately (see RESEND_WINDOW_MS). */
  sentLately(id: Uint8Array, now: number): boolean {
    this.rotate(now);
    return this.holds(this.current, id) || this.holds(this.previous, id);
  }

  /** Notes that `id` is answered at `now`. */
  sent(id: Uint8Array, now: number): void {
    this.rotate(now);
    const bits = (this.current ??= new Uint8Array(SENT_FILTER_BITS / 8));
    const [h1, h2] = this.hashes(id);
    for (let i = 0; i < PROBES; i++) {
      const p = (h1 + Math.imul(i, h2)) >>> SHIFT;
      bits[p >>> 3] |= 1 << (p & 7);
    }
  }

  /** Forgets everything: a round opened on the link, so what is wanted in it is needed again. */
  reset(): void {
    this.current = undefined;
    this.previous = undefined;
  }

  private rotate(now: number): void {
    const half = RESEND_WINDOW_MS / 2;
    // A clock that steps back forgets (the safe direction: a resend, never a refusal).
    if (now < this.since || now - this.since >= 2 * half) {
      this.reset();
      this.since = now;
    } else if (now - this.since >= half) {
      this.previous = this.current;
      this.current = undefined;
      this.since += half;
    }
  }

  private holds(bits: Uint8Array | undefined, id: Uint8Array): boolean {
    if (bits === undefined) return false;
    const [h1, h2] = this.hashes(id);
    for (let i = 0; i < PROBES; i++) {
      const p = (h1 + Math.imul(i, h2)) >>> SHIFT;
      if ((bits[p >>> 3]! & (1 << (p & 7))) === 0) return false;
    }
    return true;
  }

  private hashes(id: Uint8Array): [number, number] {
    const [s0, s1, s2, s3] = this.s;
    const w0 = readWord(id, 0);
    const w1 = readWord(id, 4);
    const w2 = readWord(id, 8);
    const w3 = readWord(id, 12);
    return [mixId(w0, w1, w2, w3, s0, s1, s2, s3), mixId(w0, w1, w2, w3, s3, s2, s1, s0) | 1];
  }
}

function readWord(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
