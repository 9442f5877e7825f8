/**
 * Issue 8 ("zero divergence"): a floor taken away (EntityState.liftFloor) must not bring back an
 * expiry that was superseded. Found by the store's model test (store-vs-model.test.ts, seed
 * 1279899848), reduced by hand: a replica under a floor refuses an author's shortened expiry (its
 * deadline is below the floor) but learns from it that the author's earlier, longer expiry is
 * superseded, and keeps that earlier one as evidence (it is refused, and no head implies it). When
 * a write made before the deadline then takes the floor away, the replica relearned its registers
 * from its heads and its evidence: the superseded expiry became a head again, fired at its long
 * deadline and dropped a write that revived the entity, which every other replica keeps. And where
 * the floor stayed, the shortened expiry it dropped taught the replicas that had held it, and no
 * other: the longer one, delivered again by a late peer, was refused by some and fired by others.
 * Expiries are now never dropped by a floor (expiry-floor.ts, belowFloor).
 */
import { describe, expect, it } from 'vitest';
import { dump } from '../support/merge-sim';
import { exchange, node } from '../support/sim-node';

const X = 'x';
const T0 = 1_700_000_000_000;

describe('a floor taken away', () => {
  it('does not revive an expiry its author had shortened, which the floor had refused', () => {
    const a = node('a', T0);
    const b = node('b', T0);
    const victim = node('v', T0);
    const witness = node('w', T0);
    const position = a.write(X, 'position', { lat: 1, lon: 1 });
    // a's expiry, and b's concurrent one, which b shortens at once (its second saw its first).
    const x1 = a.write(X, 'expiry', { at: T0 + 1_000 });
    const x2 = a.write(X, 'expiry', { at: T0 + 1_000 }); // a write before the deadline: supersedes x1
    b.wall = T0 + 10;
    const y1 = b.write(X, 'expiry', { at: T0 + 5_000 });
    const y2 = b.write(X, 'expiry', { at: T0 + 500 });
    // After the floor's deadline, a writes again: the entity lives on.
    a.wall = T0 + 2_000;
    const speed = a.write(X, 'speed', { kts: 4 });

    // The victim fires x1 before anything else arrives, so its floor is T0 + 1000.
    victim.wall = T0 + 1_000;
    victim.receive(position, x1);
    victim.store.purgeExpired(T0 + 1_000);
    expect(victim.store.state(X as never)?.floor).toBe(T0 + 1_000);
    // y2 is below the floor (refused, but learned from); y1 is then refused as superseded.
    victim.receive(y2, y1);
    // x2 was written before the deadline and supersedes the floor's marker: the floor goes.
    victim.receive(x2, speed);
    expect(victim.store.state(X as never)?.floor).toBeUndefined();
    const expiries = [...victim.store.versions()].filter((v) => v.kind === 'expiry');
    expect(expiries.map((v) => v.value)).not.toContainEqual({ at: T0 + 5_000 });

    // The witness takes everything in causal order and purges only at the end.
    witness.receive(position, x1, x2, y1, y2, speed);
    for (const n of [victim, witness]) {
      n.wall = T0 + 6_000;
      n.store.purgeExpired(T0 + 6_000);
    }
    exchange(victim, witness);
    for (const n of [victim, witness]) n.store.purgeExpired(T0 + 6_000);
    for (const n of [victim, witness]) {
      expect(n.store.state(X as never)?.floor, n.id).toBe(T0 + 1_000);
      expect(n.store.view(X as never, T0 + 6_000)?.components, n.id).toEqual({ speed: { kts: 4 } });
    }
    expect(dump(victim.store, true)).toBe(dump(witness.store, true));
    // A late peer that only ever held y1 hands it to both: both refuse it (y2 is held and served).
    for (const n of [victim, witness]) {
      n.receive(y1);
      n.store.purgeExpired(T0 + 6_000);
    }
    exchange(victim, witness);
    for (const n of [victim, witness]) {
      expect(n.store.state(X as never)?.floor, n.id).toBe(T0 + 1_000);
      expect(n.store.view(X as never, T0 + 6_000)?.components, n.id).toEqual({ speed: { kts: 4 } });
    }
    expect(dump(victim.store, true)).toBe(dump(witness.store, true));
  });
});
