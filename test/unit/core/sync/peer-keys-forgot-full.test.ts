import { describe, expect, it } from 'vitest';
import { KEY_AGAIN_MS, MAX_PEER_HELD_KEYS } from '../../../../src/core/sync/limits';
import { PeerKeys } from '../../../../src/core/sync/peer-keys';

const key = (n: number): Uint8Array => {
  const k = new Uint8Array(32);
  new DataView(k.buffer).setUint32(0, n);
  k[31] = 7;
  return k;
};

/** A link that has forgotten MAX_PEER_HELD_KEYS keys over its life, one a millisecond from 0. */
function linkThatForgotMany(): { pk: PeerKeys; now: number } {
  const pk = new PeerKeys();
  let now = 0;
  for (let i = 0; i < MAX_PEER_HELD_KEYS; i++) {
    pk.note([key(i)]);
    expect(pk.forget(key(i), now)).toBe(true);
    now += 1;
  }
  return { pk, now };
}

describe('PeerKeys: times of forgotten keys', () => {
  it('a key evicted at the peer long after the link forgot MAX_PEER_HELD_KEYS others still goes again', () => {
    const { pk, now } = linkThatForgotMany();
    const honest = key(999_999);
    pk.note([honest]);
    // Hours later the peer's ring evicts the honest author's key; a round finds it lacking.
    const later = now + 60 * KEY_AGAIN_MS;
    expect(pk.forget(honest, later)).toBe(true);
    expect(pk.holds(honest)).toBe(false);
    // And the once-per-KEY_AGAIN_MS bound still holds for it.
    pk.note([honest]);
    expect(pk.forget(honest, later + 1)).toBe(false);
    expect(pk.forget(honest, later + KEY_AGAIN_MS)).toBe(true);
  });

  it('while every remembered time still throttles, a new key is not forgotten (the bound holds)', () => {
    const { pk, now } = linkThatForgotMany();
    const other = key(999_998);
    pk.note([other]);
    // The oldest time is now - MAX_PEER_HELD_KEYS ms old: all within KEY_AGAIN_MS.
    expect(MAX_PEER_HELD_KEYS).toBeLessThan(KEY_AGAIN_MS);
    expect(pk.forget(other, now)).toBe(false);
    expect(pk.holds(other)).toBe(true);
    // Once the oldest are KEY_AGAIN_MS old, room is made for it.
    expect(pk.forget(other, KEY_AGAIN_MS)).toBe(true);
  });

  it('a key forgotten again moves behind the others, so the stale ones are dropped first', () => {
    const { pk, now } = linkThatForgotMany();
    // Key 0 forgotten again later: its time is fresh, the rest stale at `t`.
    const t = now + KEY_AGAIN_MS;
    pk.note([key(0)]);
    expect(pk.forget(key(0), t)).toBe(true);
    pk.note([key(0)]);
    const fresh = key(777_777);
    pk.note([fresh]);
    expect(pk.forget(fresh, t + 10)).toBe(true);
    // Key 0's own time survived the drop: still throttled.
    expect(pk.forget(key(0), t + 20)).toBe(false);
  });
});
