/** (6) tombstones and (7) expiry. */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId } from '../../../../src/core/ids';
import { DELETED } from '../../../../src/core/merge/version';
import { dump, replica } from '../support/merge-sim';
import { node, permutations } from '../support/sim-node';

const E = 'e1' as EntityId;
const K = (k: string) => k as ComponentKind;

describe('(6) tombstones', () => {
  it('a delete wins over older writes in any order, and the view is undefined', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_500);
    const w1 = a.write(E, 'position', { lat: 1, lon: 1 });
    const w2 = b.write(E, 'threat', { level: 'HIGH' });
    const w3 = b.write(E, 'position', { lat: 2, lon: 2 }); // concurrent with w1, older than the delete
    const c = node('c', 2_000);
    const del = c.delete(E); // c saw none of them: still newer by HLC
    const first = dump(replica([w1, w2, w3, del]));
    for (const order of permutations([w1, w2, w3, del])) {
      const r = replica(order);
      expect(dump(r)).toBe(first);
      expect(r.view(E, 0)).toBeUndefined();
      expect(r.list(0)).toEqual([]);
      expect(r.state(E)!.deletedAt).toEqual(del.ts);
      expect([...r.versions()]).toEqual([del]);
      expect(r.size).toBe(1);
      expect(r.entityCount).toBe(1);
    }
  });

  it('older writes arriving after the delete are refused as obsolete', () => {
    const a = node('a', 1_000);
    const old = a.write(E, 'position', { lat: 1, lon: 1 });
    const b = node('b', 2_000);
    const del = b.delete(E);
    const r = replica([del]);
    expect(r.apply(old).kind).toBe('obsolete');
    expect(r.size).toBe(1);
  });

  it('a write newer than the delete revives the entity, with only what was written after the delete', () => {
    const a = node('a', 1_000);
    const w1 = a.write(E, 'position', { lat: 1, lon: 1 });
    const w2 = a.write(E, 'threat', { level: 'LOW' });
    const del = a.delete(E);
    a.wall = 3_000;
    const revive = a.write(E, 'threat', { level: 'MEDIUM' });
    expect(revive.seen).toEqual([]);
    const first = dump(replica([w1, w2, del, revive]));
    for (const order of permutations([w1, w2, del, revive])) {
      const r = replica(order);
      expect(dump(r)).toBe(first);
      const view = r.view(E, 0)!;
      expect(view.components).toEqual({ threat: { level: 'MEDIUM' } });
      expect(view.conflicts).toEqual([]);
      expect(r.list(0).map((v) => v.id)).toEqual([E]);
    }
  });

  it('a concurrent write with a newer timestamp than the delete survives it (last writer wins per version)', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_000);
    const del = a.delete(E);
    b.wall = 1_001;
    const w = b.write(E, 'position', { lat: 5, lon: 5 }); // b never saw the delete
    for (const order of permutations([del, w])) {
      expect(replica(order).view(E, 0)?.components.position).toEqual({ lat: 5, lon: 5 });
    }
  });

  it('concurrent deletes are all kept as tombstone heads and the latest one counts', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_200);
    const w = a.write(E, 'speed', { kts: 1 });
    const d1 = a.delete(E);
    const d2 = b.delete(E);
    for (const order of permutations([w, d1, d2])) {
      const r = replica(order);
      expect(r.state(E)!.deletedAt).toEqual(d2.ts);
      expect(r.heads(E, DELETED)).toHaveLength(2);
      expect(r.view(E, 0)).toBeUndefined();
      expect(r.size).toBe(2);
    }
    // a delete that saw the earlier one replaces it
    const c = node('c', 1_300).receive(d1, d2);
    const d3 = c.delete(E);
    expect(replica([d1, d2, d3]).heads(E, DELETED)).toEqual([d3]);
  });

  it('a delete during a partition propagates after heal and every side converges', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_000);
    const base = a.write(E, 'position', { lat: 0, lon: 0 });
    b.receive(base);
    a.wall = b.wall = 2_000;
    const del = a.delete(E); // side A
    const upd = b.write(E, 'position', { lat: 1, lon: 1 }); // side B, same ms: node id orders b after a
    a.receive(upd);
    b.receive(del);
    expect(dump(a.store)).toBe(dump(b.store));
    // upd (2000.0.b) is newer than del (2000.0.a) by the node-id tie-break: the entity is back
    expect(a.store.view(E, 0)?.components.position).toEqual({ lat: 1, lon: 1 });
  });
});

describe('(7) expiry', () => {
  const T = 10_000;

  it('the view is undefined from expiry.at on, and list skips the entity', () => {
    const a = node('a');
    a.write(E, 'position', { lat: 1, lon: 1 });
    a.write(E, 'expiry', { at: T });
    expect(a.store.view(E, T - 1)).toBeDefined();
    expect(a.store.view(E, T)).toBeUndefined();
    expect(a.store.list(T - 1)).toHaveLength(1);
    expect(a.store.list(T)).toHaveLength(0);
  });

  it('purgeExpired drops what expired entities held, keeps the expiry as their floor, and keeps the rest', () => {
    const a = node('a');
    a.write(E, 'position', { lat: 1, lon: 1 });
    const expiry = a.write(E, 'expiry', { at: T });
    a.write('keep', 'position', { lat: 2, lon: 2 });
    a.write('later', 'expiry', { at: T + 1 });
    expect(a.store.size).toBe(4);
    expect(a.store.purgeExpired(T - 1)).toEqual([]);
    const purged = a.store.purgeExpired(T);
    expect(purged.map((v) => v.kind)).toEqual(['position']);
    expect(a.store.state(E)!.floor).toBe(T);
    expect([...a.store.state(E)!.versions()]).toEqual([expiry]);
    expect(a.store.view(E, T)).toBeUndefined();
    expect(a.store.list(T).map((v) => v.id)).toEqual(['keep', 'later']);
    expect(a.store.entityCount).toBe(3);
    expect(a.store.size).toBe(3);
    expect([...a.store.versions()].some((v) => v.kind === DELETED)).toBe(false);
    expect(a.store.purgeExpired(T)).toEqual([]);
  });

  it('a delete leaves the expiry: its deadline still holds, and purge then drops the tombstone too', () => {
    const a = node('a');
    const expiry = a.write(E, 'expiry', { at: T });
    a.write(E, 'position', { lat: 1, lon: 1 });
    const del = a.delete(E);
    expect(a.store.view(E, 0)).toBeUndefined();
    expect(a.store.heads(E, K('expiry'))).toEqual([expiry]);
    expect(a.store.purgeExpired(T * 100)).toEqual([del]);
    expect([...a.store.versions()]).toEqual([expiry]);
    expect(a.store.size).toBe(1);
    expect(a.store.entityCount).toBe(1);
    // A replica that never saw the delete purges to the same state.
    const b = node('b', 2_000).receive(expiry);
    b.store.purgeExpired(T * 100);
    b.receive(del);
    expect(dump(b.store)).toBe(dump(a.store));
  });

  it('an extended expiry written later wins and brings the entity back into the picture', () => {
    const a = node('a');
    a.write(E, 'position', { lat: 1, lon: 1 });
    a.write(E, 'expiry', { at: T });
    const b = node('b', 2_000).receive(...a.store.versions());
    b.write(E, 'expiry', { at: T * 2 });
    expect(b.store.view(E, T)).toBeDefined();
    expect(b.store.purgeExpired(T)).toEqual([]);
    expect(b.store.heads(E, K('expiry'))).toHaveLength(1);
  });

  it('concurrent expiry writes: the later HLC decides when the entity expires', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_100);
    const short = b.write(E, 'expiry', { at: T });
    const long = a.write(E, 'expiry', { at: T * 2 });
    for (const order of permutations([short, long])) {
      const r = replica(order);
      expect(r.view(E, T)).toBeUndefined(); // b's write is later by HLC
    }
  });

  /**
   * Purge used to forget an entity's causal contexts: a node writing to the entity again after
   * purging it issued a write with an empty context, which superseded its own pre-purge write but
   * not what that write had seen, so a replica receiving all of them ended with one head or two
   * depending on arrival order. The register's Knowledge now outlives the versions it came from.
   */
  it('writing again to a purged entity keeps the same-set-any-order law', () => {
    const m = node('m', 1_000);
    const n = node('n', 1_050);
    const r = m.write(E, 'classification', { label: 'r', disposition: 'UNKNOWN', environment: 'AIR', confidence: 0.5 });
    n.receive(r);
    n.wall = 1_100;
    const q = n.write(E, 'classification', { label: 'q', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.5 });
    const e = n.write(E, 'expiry', { at: 2_000 });
    expect(q.seen).toEqual([r.ts]);
    n.store.purgeExpired(2_000);
    n.wall = 3_000;
    const p = n.write(E, 'classification', { label: 'p', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.9 });
    // r lies below the floor, gone for good, so the new context leaves it out (context-bound.ts).
    expect(p.seen).toEqual([]);
    expect(dump(replica([r, e, p, q]))).toBe(dump(replica([q, r, e, p])));
    // A write naming r (as a node without the bound issues it) converges too; and without r named,
    // q, whenever it arrives, teaches every replica that r was seen.
    const naming = { ...p, seen: [r.ts] };
    for (const order of permutations([r, e, naming, q])) {
      expect(dump(replica(order))).toBe(dump(replica([r, e, naming, q])));
    }
    const forgetful = p;
    const expected = dump(replica([r, e, forgetful, q]));
    expect(replica([r, e, forgetful, q]).heads(E, K('classification'))).toEqual([forgetful]);
    for (const order of permutations([r, e, forgetful, q])) expect(dump(replica(order))).toBe(expected);
  });
});
