/**
 * Review of the h29 fix (2026-12-07, docs/security.md "Twins and evidence"): a delivery that keeps
 * nothing new (EntityState.keepsNothing: later than every head and implying each) skipped the dry run
 * at the bounds, but as a head it stands above its author's items kept charged to a cover, which
 * chargedFor then charges to that author: one per register past its bound, never refused. Now the
 * dry run counts them, and the delivery is refused at the bound like any that adds its author's
 * versions charged to it.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { T0, ts, v } from './covered-expiry-fixtures';

const POSITION = 'position' as ComponentKind;
const X = 'x' as EntityId;

/** x's head naming a made-up write; m2's write naming x's head but not what it named. */
const z = (e: string): Version => v(e, POSITION, { lat: 1, lon: 1 }, ts(T0 + 100, 'x'), [ts(T0 + 50, 'a')]);
const cover = (e: string): Version => v(e, POSITION, { lat: 2, lon: 2 }, ts(T0 + 200, 'm2'), [ts(T0 + 100, 'x')]);
/** x's later write naming m2's alone: it implies every head, and leaves out what z named. */
const later = (e: string): Version => v(e, POSITION, { lat: 3, lon: 3 }, ts(T0 + 300, 'x'), [ts(T0 + 200, 'm2')]);

/** x at its bound of 1: one of its heads dropped by its own later write that leaves out what it named. */
function filled(): EntityStore {
  const s = new EntityStore({ evidence: { perAuthor: 1 } });
  s.apply(z('f'));
  s.apply(v('f', POSITION, { lat: 9, lon: 9 }, ts(T0 + 150, 'x')));
  expect(s.evidenceStats()).toMatchObject({ held: 1, authors: 1 });
  return s;
}

describe('attack suite: a write that keeps nothing new still charges its author anew', () => {
  it('x’s later write, standing above x’s head kept charged to m2, is refused at x’s bound', () => {
    const s = filled();
    for (const x of [z(X), cover(X)]) s.apply(x);
    expect(
      s
        .state(X)!
        .meta()
        .evidence!.map((e) => e.by),
    ).toEqual(['m2']);
    const out = s.apply(later(X));
    expect(out.kind).toBe('obsolete');
    expect(s.evidenceStats()).toMatchObject({ held: 2, refused: 1 });
    // Nothing more is charged to x than its bound.
    expect(
      s
        .state(X)!
        .meta()
        .evidence!.map((e) => e.by),
    ).toEqual(['m2']);
  });
});
