/** Causal contexts of new writes (contextOf / contextFor) and the version handle used for conditional writes. */
import { describe, expect, it } from 'vitest';
import { decodeTs, encodeTs, type Timestamp } from '../../../src/core/clock/timestamp';
import { ConflictError } from '../../../src/core/errors';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { contextOf } from '../../../src/core/merge/register';
import { dominates, type Version } from '../../../src/core/merge/version';
import { checkWrite } from '../../../src/node/prepare-write';
import { node } from '../core/support/sim-node';

const E = 'e1' as EntityId;
const K = 'speed' as ComponentKind;
const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });
const ver = (t: Timestamp, seen: Timestamp[] = []): Version => ({ entity: E, kind: K, value: { v: 1 }, ts: t, seen });

describe('contextOf', () => {
  it('is empty without heads', () => {
    expect(contextOf(undefined, 'a' as NodeId)).toEqual([]);
    expect(contextOf([], 'a' as NodeId)).toEqual([]);
  });

  it("excludes the writer's own id, from heads and from what the heads had seen", () => {
    const heads = [ver(ts(5, 'a')), ver(ts(6, 'b'), [ts(4, 'a'), ts(3, 'c')])];
    expect(contextOf(heads, 'a' as NodeId)).toEqual([ts(3, 'c'), ts(6, 'b')]);
    expect(contextOf(heads, 'b' as NodeId)).toEqual([ts(3, 'c'), ts(5, 'a')]);
  });

  it('includes transitively seen authors, keeping the latest timestamp per author, sorted', () => {
    const heads = [ver(ts(9, 'b'), [ts(7, 'c'), ts(2, 'd', 3)]), ver(ts(8, 'e'), [ts(8, 'c', 1), ts(1, 'd')])];
    expect(contextOf(heads, 'a' as NodeId)).toEqual([ts(2, 'd', 3), ts(8, 'e'), ts(8, 'c', 1), ts(9, 'b')]);
  });

  it('a write made with it dominates every head it was computed from', () => {
    const heads = [ver(ts(5, 'a')), ver(ts(6, 'b'), [ts(4, 'c')])];
    const mine = ver(ts(10, 'a'), contextOf(heads, 'a' as NodeId));
    for (const h of heads) expect(dominates(mine, h)).toBe(true);
  });
});

describe('EntityStore.contextFor across nodes', () => {
  it('carries authors seen only through another writer (a -> b -> c)', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_100);
    const c = node('c', 1_200);
    const va = a.write(E, K, { v: 1 });
    const vb = b.receive(va).write(E, K, { v: 2 });
    expect(vb.seen).toEqual([va.ts]);
    c.receive(vb); // c never received va itself
    expect(c.store.contextFor(E, K, c.id)).toEqual([va.ts, vb.ts]);
    const vc = c.write(E, K, { v: 3 });
    expect(dominates(vc, va)).toBe(true);
    // back at a: a's own id is left out, b and (none of) a's are in
    a.receive(vc);
    expect(a.store.contextFor(E, K, a.id)).toEqual([vb.ts, vc.ts]);
  });

  it('is per component: other kinds and other entities do not leak in', () => {
    const a = node('a');
    const b = node('b');
    b.write(E, 'threat', { level: 'LOW' });
    b.write('e2', K, { v: 1 });
    a.receive(...b.store.versions());
    expect(a.store.contextFor(E, K, a.id)).toEqual([]);
  });

  it('a sensor that is the only writer of its track sends an empty context', () => {
    const a = node('a');
    a.write(E, 'position', { lat: 0, lon: 0 });
    expect(a.write(E, 'position', { lat: 1, lon: 1 }).seen).toEqual([]);
  });
});

describe('conditional writes (basedOn = ComponentMeta.version)', () => {
  it('the view exposes the winning head as a sortable version string that decodes to its timestamp', () => {
    const a = node('a', 1_000);
    const v = a.write(E, K, { v: 1 });
    const meta = a.store.view(E, 0)!.meta[K]!;
    expect(meta.version).toBe(encodeTs(v.ts));
    expect(decodeTs(meta.version)).toEqual(v.ts);
    expect(meta.author).toBe('a');
    expect(meta.time).toBe(1_000);
  });

  it('a write based on the current version passes; once the component moved on it is refused', () => {
    const a = node('a', 1_000);
    a.write(E, K, { v: 1 });
    a.write(E, 'threat', { level: 'LOW' });
    const basedOn = a.store.view(E, 0)!.meta[K]!.version;
    expect(() => checkWrite(a.store, E, { [K]: { v: 2 } }, { basedOn })).not.toThrow();
    const b = node('b', 2_000).receive(...a.store.versions());
    a.receive(b.write(E, K, { v: 9 }));
    expect(() => checkWrite(a.store, E, { [K]: { v: 2 } }, { basedOn })).toThrow(ConflictError);
    // writers of a different component never conflict
    const threatVersion = a.store.view(E, 0)!.meta.threat!.version;
    expect(() =>
      checkWrite(a.store, E, { threat: { level: 'HIGH' } }, { basedOn: { threat: threatVersion } }),
    ).not.toThrow();
  });

  it('a write based on one head of a conflicted component is refused until the conflict is resolved', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_000);
    a.write(E, K, { v: 1 });
    a.receive(b.write(E, K, { v: 2 }));
    const basedOn = a.store.view(E, 0)!.meta[K]!.version;
    expect(() => checkWrite(a.store, E, { [K]: { v: 3 } }, { basedOn })).toThrow(/conflicting heads/);
  });
});
