import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROUND_TURN_MS, RoundTurns } from '../../../../src/core/sync/round-turns';

/** A node's rounds one link at a time (src/core/sync/round-turns.ts; docs/architecture.md). */

function turns(): { t: RoundTurns<string>; ran: string[]; deferred: (() => void)[] } {
  const ran: string[] = [];
  const deferred: (() => void)[] = [];
  // The host defers a handed-over answer until the last round's commits land: by hand here.
  const t = new RoundTurns<string>((answer) => void deferred.push(() => answer(0)));
  return { t, ran, deferred };
}

describe('RoundTurns', () => {
  it('holds other owners while one has the turn, and hands it on in arrival order', () => {
    const { t, ran, deferred } = turns();
    expect(t.enter('a', 0, () => ran.push('a'))).toBe(true);
    expect(t.enter('a', 1, () => ran.push('a'))).toBe(true);
    expect(t.enter('b', 2, () => ran.push('b'))).toBe(false);
    expect(t.enter('c', 3, () => ran.push('c'))).toBe(false);
    expect(t.enter('b', 4, () => ran.push('b2'))).toBe(false); // the newest answer, one entry
    expect(t.held).toBe(2);
    t.leave('a', 10);
    expect(deferred.length).toBe(1);
    deferred.shift()!();
    expect(ran).toEqual(['b2']);
    // b holds it now (handed over at 10): c still waits.
    expect(t.enter('c', 11, () => ran.push('c'))).toBe(false);
    t.leave('c'); // c's link closed: it waits no more
    t.leave('b', 20);
    expect(deferred.length).toBe(0);
    expect(t.enter('d', 21, () => ran.push('d'))).toBe(true);
  });

  it(`a holder past ${ROUND_TURN_MS} ms is overtaken, however often it opens again`, () => {
    const { t } = turns();
    expect(t.enter('a', 0, () => undefined)).toBe(true);
    expect(t.enter('a', ROUND_TURN_MS / 2, () => undefined)).toBe(true);
    expect(t.enter('b', ROUND_TURN_MS - 1, () => undefined)).toBe(false);
    expect(t.enter('b', ROUND_TURN_MS, () => undefined)).toBe(true);
    expect(t.held).toBe(0);
    // a's late leave does not take b's turn away.
    t.leave('a', ROUND_TURN_MS + 1);
    expect(t.enter('c', ROUND_TURN_MS + 2, () => undefined)).toBe(false);
  });

  it('a handed-over turn waits for its deferred answer (the last round durable), but not past its time', () => {
    const { t, ran, deferred } = turns();
    expect(t.enter('a', 0, () => ran.push('a'))).toBe(true);
    expect(t.enter('b', 1, () => ran.push('b'))).toBe(false);
    t.leave('a', 10);
    // b's own tick, or a newer open of b's, before the commits landed: not yet.
    expect(t.enter('b', 11, () => ran.push('b'))).toBe(false);
    expect(t.enter('c', 12, () => ran.push('c'))).toBe(false);
    deferred.shift()!();
    expect(ran).toEqual(['b']);
    expect(t.enter('b', 13, () => ran.push('b'))).toBe(true);
    // Handed over again, to c, whose commits never land (a full disk): c answers once its time is up.
    t.leave('b', 20);
    expect(t.enter('c', 21, () => ran.push('c'))).toBe(false);
    expect(t.enter('c', 20 + ROUND_TURN_MS, () => ran.push('c'))).toBe(true);
  });

  it('past the holder’s time the turn goes to the owner waiting longest, not to whoever asks first', () => {
    const { t, ran, deferred } = turns();
    expect(t.enter('a', 0, () => ran.push('a'))).toBe(true);
    expect(t.enter('b', 1, () => ran.push('b'))).toBe(false);
    expect(t.enter('c', 2, () => ran.push('c'))).toBe(false);
    // c asks first once a's time is up (and asks again): b, waiting longest, gets the turn.
    expect(t.enter('c', ROUND_TURN_MS, () => ran.push('c2'))).toBe(false);
    expect(deferred.length).toBe(1);
    deferred.shift()!();
    expect(ran).toEqual(['b']);
    // a, whose turn b's overtook, opens again: it goes behind c.
    expect(t.enter('a', ROUND_TURN_MS + 1, () => ran.push('a2'))).toBe(false);
    t.leave('b', ROUND_TURN_MS + 2);
    deferred.shift()!();
    expect(ran).toEqual(['b', 'c2']);
    t.leave('c', ROUND_TURN_MS + 3);
    deferred.shift()!();
    expect(ran).toEqual(['b', 'c2', 'a2']);
    expect(t.held).toBe(0);
  });

  const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
  it(`waits stay one per owner, and every waiter gets the turn once the others leave (seed ${seed})`, () => {
    console.log(`round-turns seed ${seed}; replay with SEED=${seed}`);
    const owners = ['a', 'b', 'c', 'd'];
    const op = fc.record({ owner: fc.constantFrom(...owners), enter: fc.boolean(), dt: fc.nat(400) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const deferred: (() => void)[] = [];
        let now = 0;
        const t = new RoundTurns<string>((answer) => void deferred.push(() => answer(now)));
        const inTurn = new Set<string>();
        const answer = (o: string) => (): void => void inTurn.add(o);
        for (const { owner, enter, dt } of ops) {
          now += dt;
          if (enter) {
            if (t.enter(owner, now, answer(owner))) inTurn.add(owner);
          } else {
            inTurn.delete(owner);
            t.leave(owner, now);
          }
          expect(t.held).toBeLessThanOrEqual(owners.length);
          while (deferred.length > 0) deferred.shift()!();
        }
        // Everyone leaves in turn: each waiter's answer ran, and none is left waiting.
        for (let i = 0; i < owners.length + 1; i++) {
          for (const o of owners) {
            if (!inTurn.has(o)) continue;
            inTurn.delete(o);
            t.leave(o, now);
            while (deferred.length > 0) deferred.shift()!();
          }
        }
        expect(t.held).toBe(0);
      }),
      { seed, numRuns: 200 },
    );
  });
});
