import { describe, expect, it } from 'vitest';
import { Admission } from '../../../../src/app/mesh/admission';
import type { LinkTable } from '../../../../src/app/mesh/link-table';

/** An admission over a table with `active` links open or opening: max 8, target 6. */
function admission(active: number): Admission {
  const table = { activeCount: () => active } as Pick<LinkTable, 'activeCount'> as LinkTable;
  return new Admission(table, 8, 6);
}

describe('Admission', () => {
  it('below the target takes anyone and keeps announcing itself', () => {
    const a = admission(5);
    expect(a.wantsLink(100)).toBe(true);
    expect(a.seeking()).toBe(true);
    expect(a.hasCapacity()).toBe(true);
  });

  it('between target and max takes only peers short of links', () => {
    const a = admission(6);
    expect(a.seeking()).toBe(false);
    expect(a.wantsLink(5)).toBe(true);
    expect(a.wantsLink(6)).toBe(false);
    expect(a.hasCapacity()).toBe(true);
  });

  it('at max takes no one, however short they are', () => {
    const a = admission(8);
    expect(a.wantsLink(0)).toBe(false);
    expect(a.hasCapacity()).toBe(false);
  });

  it('counts pairing attempts towards capacity but not towards seeking', () => {
    const a = admission(5);
    a.pendingOutside = 3;
    expect(a.used()).toBe(8);
    expect(a.hasCapacity()).toBe(false);
    expect(a.wantsLink(0)).toBe(false);
    // Announcing is about links we have: a pending offer may never be answered.
    expect(a.seeking()).toBe(true);
  });
});
