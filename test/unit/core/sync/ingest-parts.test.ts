import { describe, expect, it } from 'vitest';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  decodeMessage,
  encodeMessage,
  MessageType,
  PeerSession,
  SyncIndex,
  SYNC_PROTOCOL_VERSION,
  idKey,
  versionId,
  type SessionHost,
  type SyncMessage,
} from '../../../../src/core/sync';
import { INGEST_PART_VERSIONS, ingestParts } from '../../../../src/core/sync/ingest-parts';
import { MAX_BACKLOG_BYTES } from '../../../../src/core/sync/limits';
import { encodeVersions } from '../../../../src/core/wire';
import { version } from './session-pair';

/** What the host ranks urgent (the mesh: the gate's registers, HIGH threats, deletes); here by entity. */
const approval = (i: number): Version => ({ ...version(10_000 + i), entity: `u${i}` as EntityId });
const isApproval = (v: Version): boolean => v.entity.startsWith('u');

describe('ingestParts', () => {
  it('one part when the host cannot defer or the frame is small; none for nothing', () => {
    const many = Array.from({ length: 1000 }, (_, i) => version(i));
    expect(ingestParts(many, false, isApproval)).toEqual([many]);
    const few = many.slice(0, INGEST_PART_VERSIONS);
    expect(ingestParts(few, true, isApproval)).toEqual([few]);
    expect(ingestParts([], true, isApproval)).toEqual([]);
  });

  it('a large frame: the urgent versions first, then the rest, in bounded parts, each in frame order', () => {
    const bulk = Array.from({ length: 700 }, (_, i) => version(i));
    const urgent = [approval(1), approval(2)];
    const frame = [...bulk.slice(0, 300), urgent[0]!, ...bulk.slice(300), urgent[1]!];
    const parts = ingestParts(frame, true, isApproval);
    expect(parts.map((p) => p.length)).toEqual([2, 256, 256, 188]);
    expect(parts[0]).toEqual(urgent);
    expect(parts.slice(1).flat()).toEqual(bulk);
    expect(ingestParts(frame, true).map((p) => p.length)).toEqual([256, 256, 190]);
  });
});

const hello: SyncMessage = {
  type: MessageType.Hello,
  protocol: SYNC_PROTOCOL_VERSION,
  node: 'z' as NodeId,
  lattice: 'L',
  time: 0,
  items: 0,
  newest: 0,
  key: new Uint8Array(32),
  nonce: new Uint8Array(16),
};
/** The peer's proof (the session alone has no host to check it: any signature passes). */
const proof: SyncMessage = { type: MessageType.Proof, sig: new Uint8Array(64) };

/** A session against a scripted peer, whose host defers to a queue we run by hand. */
function session(host: Partial<SessionHost> = {}) {
  const index = new SyncIndex([]);
  const applied: number[][] = [];
  const deferred: ((now: number) => void)[] = [];
  const sent: SyncMessage[] = [];
  const s = new PeerSession(
    { self: 'a' as NodeId, lattice: 'L', peer: 'z' as NodeId },
    index,
    {
      bufferedAmount: () => 0,
      apply: (versions) => {
        applied.push(versions.map((v) => v.ts.ms));
        const fresh = versions.filter((v) => !index.has(versionId(v)));
        index.add(fresh);
        return fresh;
      },
      defer: (next) => void deferred.push(next),
      urgent: isApproval,
      ...host,
    },
    0,
  );
  s.on('message', (frame) => void sent.push(decodeMessage(frame)));
  s.start(0);
  s.receive(encodeMessage(hello), 0);
  s.receive(encodeMessage(proof), 0);
  const failures: unknown[] = [];
  /** Runs the deferred parts as the mesh's link does: a part that throws is caught and logged there. */
  const runDeferred = (): void => {
    while (deferred.length > 0) {
      try {
        deferred.shift()!(1);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  const pongs = (): number[] => sent.flatMap((m) => (m.type === MessageType.Pong ? [m.echo] : []));
  return { s, index, applied, deferred, runDeferred, pongs, failures };
}

const bulk = Array.from({ length: 600 }, (_, i) => version(i));
const frame = (versions: readonly Version[]): Uint8Array =>
  encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions(versions) });
const ping = encodeMessage({ type: MessageType.Ping, time: 7 });

describe('PeerSession merging a large frame in parts', () => {
  it('merges its approvals first, the rest in later tasks, and takes the next frame only after the last part', () => {
    const t = session();
    t.s.receive(frame([...bulk, approval(1), approval(2)]), 0);
    t.s.receive(ping, 0);
    expect(t.applied).toEqual([[11_001, 11_002]]); // the approvals, before any position
    expect(t.pongs()).toEqual([]); // the ping waits its turn
    t.runDeferred();
    expect(t.applied.map((p) => p.length)).toEqual([2, 256, 256, 88]);
    expect(t.index.size).toBe(602);
    expect(t.pongs()).toEqual([7]);
    expect(t.s.stats(1).invalidFrames).toBe(0);
  });

  it('hands its source the ids it computed for a frame, so storing the versions does not hash them again', () => {
    const t = session();
    const told: [number, string][] = [];
    const index = t.index as SyncIndex & { identified: SyncIndex['identified'] };
    const identified = index.identified.bind(index);
    index.identified = (versions, ids) => {
      versions.forEach((v, i) => told.push([v.ts.ms, idKey(ids[i]!)]));
      identified(versions, ids);
    };
    const few = bulk.slice(0, 3);
    t.s.receive(frame(few), 0);
    t.runDeferred();
    expect(told).toEqual(few.map((v) => [v.ts.ms, idKey(versionId(v))]));
    expect(t.index.size).toBe(3);
  });

  it('merges at once without a host that defers', () => {
    const t = session({ defer: undefined });
    t.s.receive(frame([...bulk, approval(1)]), 0);
    t.s.receive(ping, 0);
    expect(t.applied.map((p) => p.length)).toEqual([601]);
    expect(t.pongs()).toEqual([7]);
  });

  it('a session closed between parts still merges the versions it verified', () => {
    const t = session();
    t.s.receive(frame(bulk), 0);
    expect(t.applied.map((p) => p.length)).toEqual([256]);
    t.s.close();
    t.runDeferred();
    expect(t.applied.map((p) => p.length)).toEqual([256, 256, 88]);
    expect(t.index.size).toBe(600);
  });

  it('finishes a frame at once when the frames waiting behind it near the backlog bound, and counts nothing against the peer', () => {
    const t = session();
    t.s.receive(frame(bulk), 0);
    expect(t.deferred).toHaveLength(1);
    // An honest fast sender: its next frames queue behind the merge past half of MAX_BACKLOG_BYTES.
    const next = frame(Array.from({ length: 600 }, (_, i) => version(1_000 + i)));
    const copies = Math.ceil(MAX_BACKLOG_BYTES / 2 / next.length) + 1;
    for (let k = 0; k < copies; k++) t.s.receive(next, 0);
    t.deferred.shift()!(1);
    // The rest of the first frame went in that one task, then the waiting frames were taken.
    expect(t.applied.slice(0, 3).map((p) => p.length)).toEqual([256, 256, 88]);
    t.runDeferred();
    expect(t.index.size).toBe(1_200);
    expect(t.s.stats(1).invalidFrames).toBe(0);
  });

  it('asks its host to gather a frame merged in parts into one commit, released after the last part', () => {
    const log: string[] = [];
    const t = session({
      gather: () => {
        log.push('gather');
        return () => log.push('release');
      },
    });
    t.s.receive(frame(bulk), 0);
    t.s.receive(ping, 0);
    expect(log).toEqual(['gather']);
    t.runDeferred();
    expect(log).toEqual(['gather', 'release']);
    expect(t.applied.map((p) => p.length)).toEqual([256, 256, 88]);
    // A frame merged at once is no gathering.
    t.s.receive(frame(bulk.slice(0, 3).map((v) => ({ ...v, ts: { ...v.ts, ms: v.ts.ms + 5_000 } }))), 0);
    t.runDeferred();
    expect(log).toEqual(['gather', 'release']);
  });

  it('releases its gathering after a part that threw, so the host’s commits do not wait for good', () => {
    let calls = 0;
    let released = 0;
    const t = session({
      apply: (versions) => {
        calls += 1;
        if (calls === 2) throw new Error('store failed');
        return versions;
      },
      gather: () => () => void (released += 1),
    });
    t.s.receive(frame(bulk), 0);
    t.runDeferred();
    expect(calls).toBe(2);
    expect(released).toBe(1);
  });

  it('a part the host fails to merge ends the frame there, and the link goes on', () => {
    let calls = 0;
    const index = new SyncIndex([]);
    const t = session({
      apply: (versions) => {
        calls += 1;
        if (calls === 2) throw new Error('store failed');
        index.add(versions);
        return versions;
      },
    });
    t.s.receive(frame(bulk), 0);
    t.s.receive(ping, 0);
    t.runDeferred();
    expect(calls).toBe(2);
    expect(t.failures.map(String)).toEqual(['Error: store failed']);
    expect(index.size).toBe(256);
    expect(t.pongs()).toEqual([7]); // the later frame was taken
  });
});

/** A host whose checks answer when the test says: each verify call waits in `checks`. */
function checkedByHand() {
  const checks: { versions: readonly Version[]; answer: (bad?: (v: Version) => boolean) => void }[] = [];
  const t = session({
    verify: (versions, done) =>
      void checks.push({
        versions,
        answer: (bad = () => false) =>
          done(
            {
              accepted: versions.filter((v) => !bad(v)),
              rejected: versions
                .filter(bad)
                .map((version) => ({ version, reason: 'bad-signature', penalise: true, later: 'next-round' as const })),
            },
            1,
          ),
      }),
  });
  return { ...t, checks };
}

describe('an urgent frame overtakes the frame its link is checking', () => {
  it('is checked and merged while a flood frame before it is still being checked; the flood merges after', () => {
    const t = checkedByHand();
    t.s.receive(frame(bulk), 0);
    t.s.receive(ping, 0);
    t.s.receive(frame([approval(1), approval(2)]), 0);
    // Both frames are being checked; the ping (not urgent) waits its turn.
    expect(t.checks.map((c) => c.versions.length)).toEqual([600, 2]);
    t.checks[1]!.answer();
    expect(t.applied).toEqual([[11_001, 11_002]]);
    expect(t.pongs()).toEqual([]);
    t.checks[0]!.answer();
    t.runDeferred();
    expect(t.applied.map((p) => p.length)).toEqual([2, 256, 256, 88]);
    expect(t.index.size).toBe(602);
    expect(t.pongs()).toEqual([7]);
    expect(t.s.stats(1).invalidFrames).toBe(0);
  });

  it('a bad signature in an overtaking frame refuses that version and charges the link; its good versions merge', () => {
    const t = checkedByHand();
    t.s.receive(frame(bulk), 0);
    t.s.receive(frame([approval(1), approval(2), approval(3)]), 0);
    t.checks[1]!.answer((v) => v.ts.ms === 11_002);
    expect(t.applied).toEqual([[11_001, 11_003]]);
    expect(t.s.stats(1).invalidFrames).toBe(1);
    t.checks[0]!.answer();
    t.runDeferred();
    expect(t.index.size).toBe(602);
  });

  it('never overtakes a keys frame sent before it (the keys vouch for the authors of the versions after them)', () => {
    const t = checkedByHand();
    t.s.receive(frame(bulk), 0);
    t.s.receive(encodeMessage({ type: MessageType.Keys, keys: [new Uint8Array(32)] }), 0);
    t.s.receive(frame([approval(1)]), 0);
    // The approval waits behind the keys frame: only the flood is being checked.
    expect(t.checks.map((c) => c.versions.length)).toEqual([600]);
    t.checks[0]!.answer();
    t.runDeferred();
    expect(t.checks.map((c) => c.versions.length)).toEqual([600, 1]);
  });

  it('waits in order when it is not all urgent, is too large, or too many overtake at once', () => {
    const t = checkedByHand();
    t.s.receive(frame(bulk), 0);
    t.s.receive(frame([approval(1), version(5_000)]), 0); // a position with it: in order
    t.s.receive(frame(Array.from({ length: 17 }, (_, i) => approval(100 + i))), 0); // over 16 versions
    for (let k = 0; k < 5; k++) t.s.receive(frame([approval(200 + k)]), 0); // the 5th waits
    expect(t.checks.map((c) => c.versions.length)).toEqual([600, 1, 1, 1, 1]);
    t.checks[0]!.answer();
    t.runDeferred();
    // In order now: the mixed frame, then the large one, then the fifth small one.
    expect(t.checks.map((c) => c.versions.length)).toEqual([600, 1, 1, 1, 1, 2]);
    t.checks[5]!.answer();
    expect(t.checks.map((c) => c.versions.length)).toEqual([600, 1, 1, 1, 1, 2, 17]);
    t.checks[6]!.answer();
    expect(t.checks).toHaveLength(8);
    for (const c of t.checks.slice(1)) c.answer();
    expect(t.index.size).toBe(600 + 2 + 17 + 5);
    expect(t.s.stats(1).invalidFrames).toBe(0);
  });
});
