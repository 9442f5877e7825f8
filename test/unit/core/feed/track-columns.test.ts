import { describe, expect, it } from 'vitest';
import { FLOAT_COLUMNS, TrackColumns, U32_COLUMNS, U8_COLUMNS } from '../../../../src/core/feed/track-columns';

const ALL = [...FLOAT_COLUMNS, ...U32_COLUMNS, ...U8_COLUMNS] as const;

describe('track columns', () => {
  it('lays every column out apart in one buffer, aligned', () => {
    const c = TrackColumns.allocate(5);
    expect(c.buffer.byteLength).toBe(TrackColumns.byteLength(5));
    expect(TrackColumns.byteLength(5) % 8).toBe(0);
    ALL.forEach((name, k) => c[name].fill(k + 1));
    ALL.forEach((name, k) => expect([...c[name]]).toEqual(new Array(5).fill(k + 1)));
  });

  it('copies a row, every column, and keeps every row when it grows', () => {
    const from = TrackColumns.allocate(3);
    ALL.forEach((name, k) => (from[name][2] = k + 7));
    const to = TrackColumns.allocate(4);
    to.copyRow(from, 2, 1);
    for (const name of ALL) expect(to[name][1]).toBe(from[name][2]);
    const grown = to.grown(100);
    expect(grown.capacity).toBe(100);
    for (const name of ALL) expect(grown[name][1]).toBe(to[name][1]);
  });
});
