import { mixId } from './id-table';

/**
 * A version sent on a link is not sent on it again for this long when the peer `want`s it again
 * (docs/security.md, "Per-link limits"). Shorter than the anti-entropy period (30 s), so an honest
 * peer that dropped a version over its own limits (the applied rate, new registers, the skew hold)
 * gets it again at its next round; a peer repeating one `want` after each answer drew every version
 * again (1,000 notes of 2 KB, 50 wants: 99.5 MiB out for 782 KiB in).
 */
export const RESEND_WINDOW_MS = 15_000;

/** Versions one link remembers having sent (16 B each: 128 KiB a link, made on its first `want`). */
export const SENT_REMEMBERED = 8_192;
/** Positions per bucket: an id may sit in any of its bucket's, the oldest is replaced. */
const WAYS = 4;
const SHIFT = 32 - Math.log2(SENT_REMEMBERED / WAYS);

/**
 * The versions sent on one link lately, by id: half the id (64 bits, in two words) and when, in a
 * table of SENT_REMEMBERED positions in buckets of WAYS, the bucket picked by the id mixed with a
 * seed of the link's own (the hello's fresh nonce), so a peer cannot pick ids that evict each other.
 * A new id replaces its bucket's oldest: a forgotten id can be sent again, and an id is never
 * refused that was not sent.
 */
export class SentRecently {
  private words: Uint32Array | undefined;
  private at: Float64Array | undefined;
  private readonly s: readonly [number, number, number, number];

  constructor(seed: Uint8Array | undefined) {
    const w = (i: number): number => (seed === undefined || seed.length < 16 ? 0 : readWord(seed, 4 * i));
    this.s = [w(0), w(1), w(2), w(3)];
  }

  /** Whether `id` was sent on this link less than RESEND_WINDOW_MS before `now`. */
  sentLately(id: Uint8Array, now: number): boolean {
    const at = this.at;
    if (at === undefined) return false;
    const i = this.find(id);
    return i >= 0 && now >= at[i]! && now - at[i]! < RESEND_WINDOW_MS;
  }

  /** Notes that `id` was sent at `now`. */
  sent(id: Uint8Array, now: number): void {
    const words = (this.words ??= new Uint32Array(2 * SENT_REMEMBERED));
    const at = (this.at ??= new Float64Array(SENT_REMEMBERED).fill(Number.NEGATIVE_INFINITY));
    let i = this.find(id);
    if (i < 0) {
      // The bucket's oldest position (or an empty one, which holds -Infinity).
      const first = this.bucket(id) * WAYS;
      i = first;
      for (let j = first + 1; j < first + WAYS; j++) if (at[j]! < at[i]!) i = j;
      words[2 * i] = readWord(id, 0);
      words[2 * i + 1] = readWord(id, 4);
    }
    at[i] = now;
  }

  /** The position holding `id`, or -1. */
  private find(id: Uint8Array): number {
    const words = this.words;
    const at = this.at;
    if (words === undefined || at === undefined) return -1;
    const w0 = readWord(id, 0);
    const w1 = readWord(id, 4);
    const first = this.bucket(id) * WAYS;
    for (let i = first; i < first + WAYS; i++) {
      if (at[i] !== Number.NEGATIVE_INFINITY && words[2 * i] === w0 && words[2 * i + 1] === w1) return i;
    }
    return -1;
  }

  private bucket(id: Uint8Array): number {
    const [s0, s1, s2, s3] = this.s;
    return mixId(readWord(id, 0), readWord(id, 4), readWord(id, 8), readWord(id, 12), s0, s1, s2, s3) >>> SHIFT;
  }
}

function readWord(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
