/**
 * The change feed's cue listeners (src/node/change-feed.ts): told of a flush with changes before
 * the views of the full listeners' batch are built, so the approvals cue never waits for up to
 * 2,000 track views (docs/c2-pipeline.md, "The priority lane").
 */
import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../src/core/store/entity-view';
import { asEntityId } from '../../../src/core/ids';
import { ChangeFeed } from '../../../src/node/change-feed';

const view = (id: string): EntityView => ({
  id: asEntityId(id),
  components: {},
  meta: {},
  conflicts: [],
  updatedAt: 0,
});

function setup() {
  const order: string[] = [];
  const queued: (() => void)[] = [];
  const errors: unknown[] = [];
  const feed = new ChangeFeed(
    (fn) => void queued.push(fn),
    (id) => {
      order.push(`view ${id}`);
      return view(id);
    },
    (error) => void errors.push(error),
  );
  return { feed, order, queued, errors };
}

describe('ChangeFeed cue listeners', () => {
  it('are told before any view of the batch is built, then the full listeners get the views', () => {
    const s = setup();
    s.feed.subscribe((batch) => s.order.push(`batch ${batch.changed.map((v) => v.id).join(',')}`));
    s.feed.subscribeCue(() => s.order.push('cue'));
    s.feed.mark(asEntityId('e1'));
    s.feed.mark(asEntityId('e2'));
    expect(s.queued).toHaveLength(1);
    s.queued.shift()!();
    expect(s.order).toEqual(['cue', 'view e1', 'view e2', 'batch e1,e2']);
  });

  it('alone, schedule a flush and build no view; a flush with nothing changed tells nobody', () => {
    const s = setup();
    let cues = 0;
    const off = s.feed.subscribeCue(() => {
      cues += 1;
    });
    s.feed.mark(asEntityId('e1'));
    expect(s.queued).toHaveLength(1);
    s.queued.shift()!();
    expect(cues).toBe(1);
    expect(s.order).toEqual([]);
    s.feed.flush();
    expect(cues).toBe(1);
    off();
    s.feed.mark(asEntityId('e2'));
    expect(s.queued).toHaveLength(0);
  });

  it('a cue listener that throws is reported and the others still run', () => {
    const s = setup();
    s.feed.subscribeCue(() => {
      throw new Error('boom');
    });
    let got = 0;
    s.feed.subscribe(() => {
      got += 1;
    });
    s.feed.mark(asEntityId('e1'));
    s.queued.shift()!();
    expect(s.errors).toHaveLength(1);
    expect(got).toBe(1);
  });
});
