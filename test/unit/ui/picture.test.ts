import { describe, expect, it } from 'vitest';
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
});
