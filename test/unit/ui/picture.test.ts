import { describe, expect, it } from 'vitest';
import { encodeTs } from '../../../src/core/clock/timestamp';
import { CompactDecoder } from '../../../src/core/feed/feed-decoder';
import { CompactEncoder } from '../../../src/core/feed/feed-encoder';
import type { CompactViews } from '../../../src/core/feed/compact-batch';
import type { NodeId } from '../../../src/core/ids';
import type { EntityView } from '../../../src/node/node-api';
import { JOURNAL_MIN, Picture } from '../../../src/ui/picture';

const view = (id: string): EntityView =>
  ({ id, components: {}, meta: {}, conflicts: [], updatedAt: 1 }) as unknown as EntityView;

describe('the page picture and its change journal', () => {
  it('tells a reader the ids changed since its revision, deletions included', () => {
    const p = new Picture();
    p.set(view('a'));
    const r = p.revision;
    p.set(view('b'));
    p.delete('a');
    expect(p.delete('nobody')).toBe(false);
    expect(p.changedSince(r)).toEqual(['b', 'a']);
    expect(p.changedSince(p.revision)).toEqual([]);
  });

  it('sends a reader from before a snapshot or a cleared picture to read everything', () => {
    const p = new Picture();
    p.set(view('a'));
    const r = p.revision;
    p.replace([view('b')]);
    expect(p.changedSince(r)).toBeUndefined();
    expect([...p.views.keys()]).toEqual(['b']);
    const r2 = p.revision;
    p.clear();
    expect(p.changedSince(r2)).toBeUndefined();
    expect(p.changedSince(p.revision)).toEqual([]);
  });

  it('bounds the journal: past its size a reader that fell behind reads everything, one that keeps up is answered', () => {
    const p = new Picture();
    const behind = p.revision;
    let recent = p.revision;
    for (let k = 0; k <= 3 * JOURNAL_MIN; k++) {
      // A reader that looks every 100 changes never loses its place.
      if (k % 100 === 0) {
        expect(p.changedSince(recent)?.length).toBe(k === 0 ? 0 : 100);
        recent = p.revision;
      }
      p.set(view(`t${(k % 10).toString()}`));
    }
    expect(p.changedSince(behind)).toBeUndefined();
    const current = p.revision;
    p.set(view('b'));
    expect(p.changedSince(current)).toEqual(['b']);
  });

  it('gives one frame object per revision', () => {
    const p = new Picture();
    const f = p.frame();
    expect(p.frame()).toBe(f);
    p.set(view('a'));
    expect(p.frame()).not.toBe(f);
    expect(p.frame().revision).toBe(p.revision);
  });

  it('takes a compact feed: rows in place, a view made only when read, the same object until the next row', () => {
    const A = 'authorAAAAAAAAAAAAAAAAAAAAAAAAAA' as NodeId;
    const B = 'authorBBBBBBBBBBBBBBBBBBBBBBBBBB' as NodeId;
    const track = (id: string, at: number, lat: number, author: NodeId): EntityView => {
      const meta = { version: encodeTs({ ms: at, c: 0, node: author }), author, time: at, conflict: false, heads: 1 };
      return {
        id,
        components: { position: { lat, lon: 18 }, threat: { level: 'LOW' } },
        meta: { position: meta, threat: { ...meta, version: encodeTs({ ms: 1, c: 0, node: B }), author: B, time: 1 } },
        conflicts: [],
        updatedAt: at,
      } as unknown as EntityView;
    };
    const encoder = new CompactEncoder();
    const decoder = new CompactDecoder();
    const cross = (m: CompactViews): unknown => structuredClone(m, { transfer: [m.buffer] });
    const p = new Picture();
    // A snapshot first (its authors are the picture's own), then the feed.
    p.replace([track('s', 1, 50, B)]);
    p.take(decoder.decode(cross(encoder.encode([track('a', 10, 59, A), track('b', 10, 60, A)], []))));
    const r = p.revision;
    const a0 = p.get('a');
    expect(p.get('a')).toBe(a0);
    const moved = track('a', 20, 59.5, A);
    p.take(decoder.decode(cross(encoder.encode([moved], ['s']))));
    expect(p.changedSince(r)).toEqual(['s', 'a']);
    // The row is in the columns at once; the view is made when read, and kept.
    const slot = p.slotOf('a');
    expect(p.columns.lat[slot]).toBe(59.5);
    expect(p.base(slot)).toBe(a0);
    const a1 = p.get('a');
    expect(a1).toEqual(moved);
    expect(p.get('a')).toBe(a1);
    expect([...p.views.keys()]).toEqual(['a', 'b']);
    expect(p.views.has('s')).toBe(false);
  });

  it('makes room past its first columns and keeps every row', () => {
    const p = new Picture();
    const n = 1000;
    for (let i = 0; i < n; i++)
      p.set({ ...view(`t${i.toString()}`), components: { position: { lat: i / 100, lon: 1 } } } as EntityView);
    expect(p.columns.capacity).toBeGreaterThanOrEqual(n);
    for (let i = 0; i < n; i += 97) expect(p.columns.lat[p.slotOf(`t${i.toString()}`)]).toBe(i / 100);
    p.delete('t5');
    p.set(view('fresh'));
    expect(p.slotOf('fresh')).toBeLessThan(n);
    expect(p.size).toBe(n);
  });
});
