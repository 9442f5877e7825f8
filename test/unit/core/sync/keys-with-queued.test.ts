/**
 * An author's key goes on a link only ahead of a version of that author that goes too (docs/security.md,
 * "Keys on the wire"; PeerSession.ahead): a version a full queue refuses (the peer will reconcile it
 * later) draws no key. Before, the key was sent, and counted as held, ahead of every version the
 * session was handed (a `want`, a graft, a live push), queued or not: on a thin link, where the
 * queue is full, 32 B per author for versions that did not go.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { encodeMessage, MessageType, versionId } from '../../../../src/core/sync';
import { decodeVersions } from '../../../../src/core/wire';
import { Pair, version } from './session-pair';

const AUTHORS = 10;
const QUEUED = 3;
/** A made-up 32-byte key per author (the session only passes keys on). */
const keyOf = (author: NodeId): Uint8Array => new Uint8Array(32).fill(Number(author.slice(1)) + 1);
const authorOf = (key: Uint8Array): string => `w${key[0]! - 1}`;

type Path = 'want' | 'graft' | 'live push';

function scene(): { p: Pair; versions: Version[] } {
  const p = new Pair([], [], { maxQueuedVersions: QUEUED }, ['a', 'b'], {}, { a: { authorKey: keyOf } });
  p.flush();
  // a comes to hold one version by each of 10 authors, b none of them; a's link has no room.
  const versions = Array.from({ length: AUTHORS }, (_, i) => version(i, `w${i}`));
  p.a.index.add(versions);
  p.a.buffered = Number.MAX_SAFE_INTEGER;
  p.a.sent.length = 0;
  return { p, versions };
}

function hand(p: Pair, versions: readonly Version[], path: Path): void {
  if (path === 'live push') return p.a.session.localVersions(versions, p.now, true);
  const ids = versions.map(versionId);
  p.a.session.receive(encodeMessage({ type: MessageType.Want, request: 1, graft: path === 'graft', ids }), p.now);
}

const keysSent = (p: Pair): string[] => p.a.sentOf(MessageType.Keys).flatMap((m) => m.keys.map(authorOf));

describe('keys go only with versions that go', () => {
  for (const path of ['want', 'graft', 'live push'] as const) {
    it(`${path}: versions a full queue refuses draw no key; those queued go after theirs`, () => {
      const { p, versions } = scene();
      hand(p, versions, path);
      // Three versions fit the queue: their three authors' keys went, no other.
      expect(keysSent(p)).toEqual(['w0', 'w1', 'w2']);
      expect(p.a.session.liveQueued + p.a.session.stats(p.now).queued).toBeGreaterThanOrEqual(QUEUED);

      // Room again: the queued versions go, each after its author's key, and the next rounds
      // carry the rest (three a round: the queue's room), their keys ahead of them.
      p.a.buffered = 0;
      p.tick(10);
      p.flush();
      for (let round = 0; round < AUTHORS && p.b.index.size < AUTHORS; round++) {
        p.tick(1_000);
        p.a.session.syncNow(p.now);
        p.flush();
      }
      expect(p.b.index.size).toBe(AUTHORS);
      const keyed = new Set<string>();
      for (const m of p.a.sent) {
        if (m.type === MessageType.Keys) for (const k of m.keys) keyed.add(authorOf(k));
        if (m.type !== MessageType.Versions || m.batch.length === 0) continue;
        for (const v of decodeVersions(m.batch)) expect(keyed.has(v.ts.node)).toBe(true);
      }
      // Each author's key went once.
      expect(keysSent(p).sort()).toEqual(versions.map((v) => v.ts.node).sort());
    });
  }
});
