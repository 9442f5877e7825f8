/**
 * Review finding (669c81c): a floor now keeps expiries whose deadline lies below it, and such an
 * expiry stays a head for good when its author never writes again. The view takes any passed
 * expiry head as "the entity expired" (entity-view.ts, shownHeads: firedBy(now)) and hides the
 * expiry kind, so an entity revived with a new, future expiry no longer shows it (the UI's stale
 * time, src/ui/map/stale.ts, reads components.expiry).
 */
import { describe, expect, it } from 'vitest';
import { node } from '../support/sim-node';

const X = 'x';
const T0 = 1_700_000_000_000;

describe('an entity revived after its floor', () => {
  it('shows its new expiry, though a concurrent author’s shorter expiry below the floor is kept', () => {
    const a = node('a', T0);
    const b = node('b', T0);
    const r = node('r', T0);
    a.write(X, 'position', { lat: 1, lon: 1 });
    const x1 = a.write(X, 'expiry', { at: T0 + 1_000 });
    // b, concurrently (it never saw x1), sets a shorter deadline.
    const y = b.write(X, 'expiry', { at: T0 + 500 });
    r.receive(...a.store.retained());
    r.wall = T0 + 1_000;
    r.store.purgeExpired(T0 + 1_000);
    expect(r.store.state(X as never)?.floor).toBe(T0 + 1_000);
    r.receive(y); // below the floor: kept now
    // a (which never hears of y) revives the entity after the deadline, with a new expiry well ahead.
    a.wall = T0 + 2_000;
    a.store.purgeExpired(T0 + 2_000);
    const p2 = a.write(X, 'position', { lat: 2, lon: 2 });
    const x2 = a.write(X, 'expiry', { at: T0 + 60_000 });
    r.receive(x1, p2, x2);
    r.wall = T0 + 3_000;
    const view = r.store.view(X as never, T0 + 3_000);
    expect(view?.components.position).toEqual({ lat: 2, lon: 2 });
    // x2 carries the floor a held when it wrote it (docs/architecture.md, "Expiry").
    expect(view?.components.expiry).toEqual({ at: T0 + 60_000, floor: T0 + 1_000 });
  });
});
