/**
 * A link is never shown synced while versions are stuck between the two nodes: here, versions one
 * side refuses (its verify), which the other keeps holding and offering round after round. Those
 * set aside for the hold-back are counted as held in the link's rounds meanwhile (link-hold-back.ts):
 * not offered again, and counted stuck by the side that set them aside.
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../../src/core/merge/version';
import { SessionState, type SessionHost } from '../../../../src/core/sync';
import type { Later } from '../../../../src/core/sync/session-types';
import { ROUNDS_BEFORE_REFUSED } from '../../../../src/core/sync/link-refusals';
import { Pair, version } from './session-pair';

const INTERVAL = 10_000;
const RETRY = 120_000;
const range = (from: number, to: number): Version[] => Array.from({ length: to - from }, (_, i) => version(from + i));

/**
 * A verify refusing versions of entities in `bad`: asked for again at the next round (as an unknown
 * author's are, its key may come), or set aside for the hold-back.
 */
function refusing(bad: Set<string>, later: Later = 'next-round'): SessionHost['verify'] {
  return (versions, done) =>
    done(
      {
        accepted: versions.filter((v) => !bad.has(v.entity)),
        rejected: versions
          .filter((v) => bad.has(v.entity))
          .map((version) => ({ version, reason: 'unknown author', penalise: false, later })),
      },
      0,
    );
}

/** Runs `ms` of time a second at a time, delivering everything (pings too) after each. */
function run(p: Pair, ms: number): void {
  for (let t = 0; t < ms; t += 1_000) {
    p.tick(1_000);
    p.flush();
  }
}

/** Runs `n` sync intervals. */
const rounds = (p: Pair, n: number): void => run(p, n * INTERVAL + 1_000);

describe('links with refused versions', () => {
  for (const refuser of ['a', 'b'] as const) {
    const holder = refuser === 'a' ? 'b' : 'a';
    it(`are not synced on either side while the ${refuser === 'a' ? 'initiator' : 'responder'} refuses what the other holds`, () => {
      const bad = new Set(['e3', 'e7']);
      const verify = refusing(bad);
      const p = new Pair(
        refuser === 'a' ? [] : range(0, 10),
        refuser === 'a' ? range(0, 10) : [],
        { syncIntervalMs: INTERVAL, unappliedRetryMs: RETRY },
        ['a', 'b'],
        refuser === 'a' ? { a: verify } : { b: verify },
      );
      p.flush();
      const r = p[refuser];
      const h = p[holder];
      expect(r.index.size).toBe(8);
      // The refuser knows at once what it refused from this peer.
      expect(r.session.stats(p.now).stuck).toBe(2);
      expect(r.session.state).not.toBe(SessionState.Synced);
      // The holder learns it from the peer lacking the same versions round after round.
      rounds(p, ROUNDS_BEFORE_REFUSED);
      expect(h.session.stats(p.now).stuck).toBe(2);
      expect(h.session.state).not.toBe(SessionState.Synced);
      expect(r.session.stats(p.now).stuck).toBe(2);
      expect(r.session.state).not.toBe(SessionState.Synced);
    });
  }

  it('are synced again once the refused versions pass, on both sides', () => {
    const bad = new Set(['e3']);
    const p = new Pair(range(0, 5), [], { syncIntervalMs: INTERVAL, unappliedRetryMs: RETRY }, ['a', 'b'], {
      b: refusing(bad),
    });
    p.flush();
    rounds(p, ROUNDS_BEFORE_REFUSED);
    expect(p.a.session.stats(p.now).stuck).toBe(1);
    expect(p.b.session.stats(p.now).stuck).toBe(1);
    // Its key came: the version passes at the next round.
    bad.clear();
    run(p, RETRY);
    rounds(p, 2);
    expect(p.b.index.size).toBe(5);
    for (const side of [p.a, p.b]) {
      expect(side.session.stats(p.now).stuck).toBe(0);
      expect(side.session.state).toBe(SessionState.Synced);
    }
  });

  it('are not pushed again while set aside for the hold-back: the refuser alone counts them stuck', () => {
    const bad = new Set(['e3', 'e7']);
    // b answers a's rounds, pushing what a lacks: a counts what it set aside as held meanwhile.
    const p = new Pair([], range(0, 10), { syncIntervalMs: INTERVAL, unappliedRetryMs: RETRY }, ['a', 'b'], {
      a: refusing(bad, 'hold-back'),
    });
    p.flush();
    expect(p.a.index.size).toBe(8);
    const sent = p.b.session.stats(p.now).versionsOut;
    expect(sent).toBe(10);
    rounds(p, 5);
    expect(p.b.session.stats(p.now).versionsOut).toBe(sent);
    expect(p.a.session.stats(p.now).stuck).toBe(2);
    expect(p.a.session.state).not.toBe(SessionState.Synced);
    // Once the hold-back ran out they are lacking again, and come.
    bad.clear();
    run(p, RETRY);
    rounds(p, 2);
    expect(p.a.index.size).toBe(10);
    expect(p.b.session.stats(p.now).versionsOut).toBe(sent + 2);
    for (const side of [p.a, p.b]) {
      expect(side.session.stats(p.now).stuck).toBe(0);
      expect(side.session.state).toBe(SessionState.Synced);
    }
  });

  it('are synced when the peer merely takes a round to apply what it was sent', () => {
    const p = new Pair(range(0, 20), range(10, 30), { syncIntervalMs: INTERVAL });
    p.flush();
    rounds(p, ROUNDS_BEFORE_REFUSED + 1);
    for (const side of [p.a, p.b]) {
      expect(side.session.stats(p.now).stuck).toBe(0);
      expect(side.session.state).toBe(SessionState.Synced);
    }
  });
});
