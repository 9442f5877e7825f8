import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import { Hlc } from '../../../src/core/clock/hlc';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { ChangeFeed } from '../../../src/node/change-feed';
import type { NodeParts } from '../../../src/node/node-parts';
import { NodeCounters } from '../../../src/node/node-stats';
import { RemoteMerge } from '../../../src/node/remote-merge';
import { SkewHold } from '../../../src/node/skew-hold';
import { VersionListeners, type VersionOrigin } from '../../../src/node/version-listeners';
import { WriteBehind } from '../../../src/node/write-behind';
import { ClockLease } from '../../../src/node/clock-lease';

const ME = 'me' as NodeId;
const PEER = 'peer' as NodeId;
const MAX_SKEW_MS = 60_000;

const ts = (ms: number, node = PEER, c = 0): Timestamp => ({ ms, c, node });
const threat = (level: string, at: Timestamp, seen: Timestamp[] = [], entity = 'e1'): Version => ({
  entity: entity as EntityId,
  kind: 'threat' as ComponentKind,
  value: { level } as Version['value'],
  ts: at,
  seen,
});

/** A RemoteMerge over real node parts on memory storage; the wall clock is `wall.ms`. */
function setup() {
  const wall = { ms: 1_000_000 };
  const storage = new MemoryStorage();
  const store = new EntityStore();
  const heard: { versions: Version[]; origin: VersionOrigin; removed: Version[] }[] = [];
  const changed: string[] = [];
  const clock = new Hlc({ node: ME, now: () => wall.ms, maxSkewMs: MAX_SKEW_MS });
  const writer = new WriteBehind(storage);
  const parts: NodeParts = {
    nodeId: ME,
    store,
    clock,
    writer,
    lease: new ClockLease(clock, writer, () => wall.ms),
    feed: new ChangeFeed(
      (fn) => fn(),
      (id) => store.view(id, wall.ms),
      (error) => {
        throw error;
      },
    ),
    listeners: new VersionListeners((error) => {
      throw error;
    }),
    hold: new SkewHold({}, () => wall.ms),
    counters: new NodeCounters(),
    now: () => wall.ms,
    log: () => undefined,
    standing: { removed: undefined },
  };
  parts.listeners.add((versions, origin, removed) =>
    heard.push({ versions: [...versions], origin, removed: [...removed] }),
  );
  parts.feed.subscribe((batch) => changed.push(...batch.changed.map((e) => e.id)));
  const stats = () =>
    parts.counters.stats({
      nodeId: ME,
      store,
      now: wall.ms,
      storage: { state: 'ok', backend: 'memory', pending: 0 },
      hold: parts.hold,
    });
  return { wall, storage, parts, merge: new RemoteMerge(parts), heard, changed, stats };
}

describe('RemoteMerge', () => {
  it('merges, counts, announces as remote and persists what changed the store', async () => {
    const { merge, parts, heard, changed, stats, storage } = setup();
    const first = threat('LOW', ts(1_000_000));
    const second = threat('HIGH', ts(1_000_001), [], 'e1');
    expect(merge.apply([first])).toEqual([first]);
    expect(merge.apply([first])).toEqual([]);
    // A later write of the same author supersedes the first.
    expect(merge.apply([second])).toEqual([second]);
    expect(heard).toEqual([
      { versions: [first], origin: 'remote', removed: [] },
      { versions: [second], origin: 'remote', removed: [first] },
    ]);
    expect(changed).toEqual(['e1', 'e1']);
    expect(stats().writes).toEqual({ local: 0, remote: 2, duplicate: 1, obsolete: 0 });
    await parts.writer.flushed();
    expect(await storage.loadVersions()).toEqual([second]);
  });

  it('counts a version already superseded as obsolete and announces nothing for it', () => {
    const { merge, heard, stats } = setup();
    const newer = threat('HIGH', ts(1_000_002));
    merge.apply([newer]);
    expect(merge.apply([threat('LOW', ts(1_000_001))])).toEqual([]);
    expect(heard).toHaveLength(1);
    expect(stats().writes.obsolete).toBe(1);
  });

  it('holds a write from a clock too far ahead, and releases it when its time comes', () => {
    const { wall, merge, parts, heard, stats } = setup();
    const early = threat('HIGH', ts(wall.ms + MAX_SKEW_MS + 10_000));
    expect(merge.apply([early])).toEqual([]);
    expect(parts.hold.size).toBe(1);
    expect(stats().rejected).toEqual({ 'clock-skew-held': 1 });
    expect(heard).toEqual([]);
    merge.releaseDue();
    expect(heard).toEqual([]);
    wall.ms += 20_000;
    merge.releaseDue();
    expect(heard).toEqual([{ versions: [early], origin: 'released', removed: [] }]);
    expect(parts.hold.size).toBe(0);
  });

  it("takes one author's held writes when the operator accepts them, moving the clock up", () => {
    const { wall, merge, parts, heard } = setup();
    const far = threat('HIGH', ts(wall.ms + 10 * MAX_SKEW_MS));
    const other = threat('LOW', ts(wall.ms + 10 * MAX_SKEW_MS, 'other' as NodeId), [], 'e2');
    merge.apply([far, other]);
    expect(merge.acceptHeld(PEER)).toBe(1);
    expect(heard).toEqual([{ versions: [far], origin: 'released', removed: [] }]);
    expect(parts.clock.last.ms).toBeGreaterThanOrEqual(far.ts.ms);
    expect(parts.hold.size).toBe(1);
    expect(merge.acceptHeld(PEER)).toBe(0);
  });
});
