import { describe, expect, it } from 'vitest';
import {
  Announcements,
  idKey,
  INVALID_BACKOFF_BASE_MS,
  INVALID_BACKOFF_MAX_MS,
  InvalidBackoff,
  MAX_ANNOUNCED_PER_PEER,
  OpenAllowances,
  RECONCILE_OPEN_BURST,
  sumLimitCounts,
  LimitCounter,
} from '../../../../src/core/sync';

const id = (i: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, i);
  b[15] = 7;
  return b;
};

describe('sync limits', () => {
  it('InvalidBackoff: refused for base · 2^(n−1) after the n-th close, capped', () => {
    const b = new InvalidBackoff<string>();
    expect(b.refuses('p', 0)).toBe(false);
    expect(b.closed('p', 0)).toBe(INVALID_BACKOFF_BASE_MS);
    expect(b.refuses('p', INVALID_BACKOFF_BASE_MS - 1)).toBe(true);
    expect(b.refuses('p', INVALID_BACKOFF_BASE_MS)).toBe(false);
    expect(b.refuses('q', 1)).toBe(false);
    expect(b.closed('p', 10_000)).toBe(10_000 + 2 * INVALID_BACKOFF_BASE_MS);
    let until = 0;
    for (let i = 0; i < 30; i++) until = b.closed('p', 20_000);
    expect(until).toBe(20_000 + INVALID_BACKOFF_MAX_MS);
  });

  it('Announcements: one announcer holds at most its share; the others are still noted', () => {
    const a = new Announcements<string>();
    const flood = Array.from({ length: MAX_ANNOUNCED_PER_PEER + 500 }, (_, i) => id(i));
    expect(a.note(flood, 'evil', 0, () => false)).toBe(500);
    expect(a.shareOf('evil')).toBe(MAX_ANNOUNCED_PER_PEER);
    expect(a.note([id(1_000_000)], 'honest', 0, () => false)).toBe(0);
    // grafting frees the share
    const due = a.due(1000, 100, () => false);
    expect(due.get('evil')!.length).toBe(MAX_ANNOUNCED_PER_PEER);
    expect(a.shareOf('evil')).toBe(0);
    expect(a.note(flood.slice(0, 10), 'evil', 2000, () => false)).toBe(0);
    a.forget('evil');
    expect(a.shareOf('evil')).toBe(0);
    expect(a.size).toBe(0);
  });

  it('Announcements: every announcer of a pending id is kept once, outside the shares, and forgotten with its link', () => {
    const a = new Announcements<string>();
    const key = idKey(id(7));
    expect(a.announcers(key)).toEqual([]);
    a.note([id(7)], 'p', 0, () => false);
    a.note([id(7), id(7)], 'q', 1, () => false);
    a.note([id(7)], 'p', 2, () => false);
    expect(a.announcers(key)).toEqual(['p', 'q']);
    expect(a.shareOf('q')).toBe(0);
    expect(a.size).toBe(1);
    a.forget('q');
    expect(a.announcers(key)).toEqual(['p']);
    // Grafted from the first announcer: no longer pending.
    expect(a.due(1_000, 100, () => false).get('p')).toHaveLength(1);
    expect(a.announcers(key)).toEqual([]);
  });

  it('Announcements: when the first announcer goes, the next with room in its share takes the id over', () => {
    const a = new Announcements<string>();
    const key = idKey(id(7));
    a.note([id(7)], 'p', 0, () => false);
    a.note([id(7)], 'q', 1, () => false);
    a.note([id(7)], 'r', 2, () => false);
    // q holds its whole share already: r takes the id over, and it counts in r's share.
    const full = Array.from({ length: MAX_ANNOUNCED_PER_PEER }, (_, i) => id(100 + i));
    expect(a.note(full, 'q', 3, () => false)).toBe(0);
    expect(a.shareOf('q')).toBe(MAX_ANNOUNCED_PER_PEER);
    a.forget('p');
    expect(a.shareOf('p')).toBe(0);
    expect(a.announcers(key)).toEqual(['r', 'q']);
    expect(a.shareOf('r')).toBe(1);
    expect(a.shareOf('q')).toBe(MAX_ANNOUNCED_PER_PEER);
    expect(a.size).toBe(MAX_ANNOUNCED_PER_PEER + 1);
    // The wait runs from the first announcement: at 100 ms it is due, grafted from r, r's share freed.
    const due = a.due(100, 100, (x) => idKey(x) !== key);
    expect(due.get('r')?.map(idKey)).toEqual([key]);
    expect(a.shareOf('r')).toBe(0);
    expect(a.announcers(key)).toEqual([]);
  });

  it('Announcements: the id goes when no other announcer has room, or none is left', () => {
    const a = new Announcements<string>();
    const full = Array.from({ length: MAX_ANNOUNCED_PER_PEER }, (_, i) => id(100 + i));
    a.note(full, 'q', 0, () => false);
    a.note([id(7), id(8)], 'p', 0, () => false);
    a.note([id(7)], 'q', 0, () => false);
    a.forget('p');
    expect(a.announcers(idKey(id(7)))).toEqual([]);
    expect(a.announcers(idKey(id(8)))).toEqual([]);
    expect(a.shareOf('q')).toBe(MAX_ANNOUNCED_PER_PEER);
    expect(a.size).toBe(MAX_ANNOUNCED_PER_PEER);
  });

  it('counts add up per name', () => {
    const c = new LimitCounter();
    c.hit('replyBytes', 3);
    c.hit('invalidBackoff');
    const total = sumLimitCounts([c.snapshot(), c.snapshot()]);
    expect(total.replyBytes).toBe(6);
    expect(total.invalidBackoff).toBe(2);
    expect(total.appliedRate).toBe(0);
  });
});

describe('OpenAllowances', () => {
  it('keeps one bucket per peer across links, forgetting the least recently used at its bound', () => {
    const a = new OpenAllowances<string>(2);
    const p = a.of('p', 0);
    for (let i = 0; i < RECONCILE_OPEN_BURST; i++) expect(p.take(0)).toBe(true);
    expect(a.of('p', 0).take(0)).toBe(false); // the next link of p takes up the same, empty bucket
    a.of('q', 0);
    a.of('p', 0); // p used last: q is the oldest
    a.of('r', 0);
    expect(a.evicted).toBe(1);
    expect(a.of('p', 0)).toBe(p);
    expect(a.of('q', 0).take(0)).toBe(true); // q was forgotten: a fresh bucket
    expect(a.evicted).toBe(2);
  });
});
