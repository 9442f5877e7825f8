import { describe, expect, it } from 'vitest';
import {
  isCappedKind,
  MAX_UNKNOWN_KINDS_PER_AUTHOR,
  MAX_UNKNOWN_KINDS_PER_ENTITY,
} from '../../../../src/core/entity/kind-cap';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  NODE_REGISTER_BUDGET,
  OPEN_LATTICE_SHARERS,
  NEW_REGISTER_BURST,
  NEW_REGISTERS_PER_SECOND,
  MAX_REGISTER_RETRY_MS,
  NewRegisterLimit,
  type HeldEntity,
  type Holding,
} from '../../../../src/node/security/new-entity-limit';
import { note } from '../../attack/attack-scene';

const nothingHeld: Holding = () => undefined;
const limits = (burst: number, ratePerSecond = 0, maxAuthors = 4096) => ({ burst, ratePerSecond, maxAuthors });
const of = (v: Version, kind: string): Version => ({ ...v, kind: kind as ComponentKind });

/** A store holding these entities with these kinds. */
function holdingOf(held: Record<string, string[]>): Holding {
  return (e: EntityId): HeldEntity | undefined => {
    const kinds = held[e];
    if (kinds === undefined) return undefined;
    // Every held kind written by 'o', an author the tests do not otherwise use.
    const capped = kinds.filter((k) => isCappedKind(k as ComponentKind)).length;
    return {
      hasKind: (k) => kinds.includes(k),
      refusesWhole: () => false,
      cappedKinds: capped,
      cappedKindsBy: (a) => (a === 'o' ? capped : 0),
    };
  };
}

const entities = (s: { refused: readonly { version: Version }[] }): string[] => s.refused.map((r) => r.version.entity);

describe('NewRegisterLimit (new registers per author)', () => {
  it('takes an author’s share of the node budget and its burst of new registers, then refuses more until its bucket refills', () => {
    const limit = new NewRegisterLimit('m' as NodeId);
    const share = NODE_REGISTER_BUDGET / OPEN_LATTICE_SHARERS;
    const burst = Array.from({ length: share + NEW_REGISTER_BURST }, (_, i) => note(`e${i}`, 'a', 1, 'x'));
    expect(limit.charge(burst, nothingHeld, 0).refused).toEqual([]);
    const more = [note('over-1', 'a', 2, 'x'), note('over-2', 'a', 2, 'x')];
    expect(entities(limit.charge(more, nothingHeld, 0))).toEqual(['over-1', 'over-2']);
    expect(limit.hits).toBe(2);
    // One second later, NEW_REGISTERS_PER_SECOND more.
    const later = Array.from({ length: NEW_REGISTERS_PER_SECOND + 1 }, (_, i) => note(`l${i}`, 'a', 3, 'x'));
    expect(entities(limit.charge(later, nothingHeld, 1000))).toEqual([`l${NEW_REGISTERS_PER_SECOND}`]);
  });

  it('gives each register refused for its bucket its turn to come back, one per 1/rate, within MAX_REGISTER_RETRY_MS', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(2, 10));
    const batch = Array.from({ length: 5 }, (_, i) => note(`e${i}`, 'a', 1, 'x'));
    // Two versions of one register come back together; the precheck schedules as the charge does.
    const twice = [...batch, { ...note('e4', 'a', 2, 'y') }];
    const pre = limit.precheck(twice, nothingHeld, 0);
    expect(pre.refused.map((r) => r.until)).toEqual([100, 200, 300, 300]);
    // The precheck (not verified yet) advances no one's turns: the charge schedules from the bucket.
    const out = limit.charge([...batch, note('f0', 'a', 1, 'x')], nothingHeld, 0);
    expect(out.refused.map((r) => [r.version.entity, r.until])).toEqual([
      ['e2', 100],
      ['e3', 200],
      ['e4', 300],
      ['f0', 400],
    ]);
    // Those refused later (verified) wait behind them; a precheck refusal also waits behind them.
    expect(limit.charge([note('f1', 'a', 1, 'x')], nothingHeld, 0).refused.map((r) => r.until)).toEqual([500]);
    expect(limit.precheck([note('f2', 'a', 1, 'x')], nothingHeld, 0).refused.map((r) => r.until)).toEqual([600]);
    // Never past MAX_REGISTER_RETRY_MS, however many wait.
    const flood = Array.from({ length: 4_000 }, (_, i) => note(`g${i}`, 'a', 1, 'x'));
    const last = limit.precheck(flood, nothingHeld, 0).refused.at(-1)!;
    expect(last.until).toBe(MAX_REGISTER_RETRY_MS);
    // A bucket that never refills gives no turn: the session's hold-back applies.
    const frozen = new NewRegisterLimit('m' as NodeId, limits(0, 0));
    expect(frozen.precheck(batch, nothingHeld, 0).refused.every((r) => r.until === undefined)).toBe(true);
  });

  it('shares the node budget among the roster’s other members in a closed lattice, and never past the budget', () => {
    const limit = new NewRegisterLimit('m' as NodeId, { ...limits(0), nodeBudget: 100 });
    const of_ = (author: string, n: number): ReturnType<typeof note>[] =>
      Array.from({ length: n }, (_, i) => note(`${author}${i}`, author, 1, 'x'));
    // A roster of two says one other member; its share is still a quarter (OPEN_LATTICE_SHARERS),
    // never the whole budget: the roster's size is written by members.
    limit.sharers = () => 1;
    expect(limit.charge(of_('a', 60), nothingHeld, 0).refused).toHaveLength(60 - 25);
    // the roster grows: b's share is a fifth
    limit.sharers = () => 5;
    expect(limit.charge(of_('b', 40), nothingHeld, 0).refused).toHaveLength(40 - 20);
    limit.sharers = () => 4;
    expect(limit.charge(of_('c', 40), nothingHeld, 0).refused).toHaveLength(40 - 25);
    expect(limit.charge(of_('d', 40), nothingHeld, 0).refused).toHaveLength(40 - 25);
    // e's share is what the budget has left
    expect(limit.charge(of_('e', 40), nothingHeld, 0).refused).toHaveLength(40 - 5);
    expect(limit.budgetUsed).toEqual({ registers: 100, authors: 5 });
  });

  it('charges each new register, also a new kind on an entity already held (another author’s track)', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(2));
    const held = holdingOf({ track: ['position'] });
    // An update of a held register is free; three new kinds on the held track cost three tokens.
    const out = limit.charge(
      [of(note('track', 'x', 1, ''), 'position'), ...['k1', 'k2', 'k3'].map((k) => of(note('track', 'x', 1, ''), k))],
      held,
      0,
    );
    expect(out.refused.map((r) => [r.version.kind, r.reason])).toEqual([['k3', 'entity-limit']]);
    expect(out.registers).toBe(1);
  });

  it('a forged precheck flood claiming an honest author does not push back that author’s genuine retry times', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(5, 1));
    // Unsigned (never verified) new registers claiming h: refused by the precheck, never charged.
    const forged = Array.from({ length: 400 }, (_, i) => note(`forged${i}`, 'h', 1, 'x'));
    expect(limit.precheck(forged, nothingHeld, 10).refused).toHaveLength(395);
    expect(limit.precheck(forged, nothingHeld, 10).refused.at(-1)!.until).toBe(10 + MAX_REGISTER_RETRY_MS);
    // h's own eight tracks, verified: five taken, three come back one a second.
    const genuine = Array.from({ length: 8 }, (_, i) => note(`t${i}`, 'h', 2, 'x'));
    expect(limit.charge(genuine, nothingHeld, 10).refused.map((r) => r.until)).toEqual([1010, 2010, 3010]);
  });

  it('charges a register once per batch and never charges held registers nor our own', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(1));
    const out = limit.charge(
      [note('t1', 'a', 1, 'x'), note('t1', 'a', 2, 'y'), note('t2', 'a', 1, 'z')],
      nothingHeld,
      0,
    );
    expect(out.accepted.map((v) => v.entity)).toEqual(['t1', 't1']);
    expect(entities(out)).toEqual(['t2']);
    expect(limit.charge([note('t1', 'a', 3, 'again')], holdingOf({ t1: ['zz_note'] }), 0).refused).toEqual([]);
    expect(limit.charge([note('mine', 'm', 2, 'ours')], nothingHeld, 0).refused).toEqual([]);
  });

  it('charges each author for what it adds: an honest write on a flooder’s entity does not let the flooder’s versions in', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(1));
    limit.charge([note('x0', 'x', 1, '')], nothingHeld, 0); // the flooder's last token
    // The honest classifier wrote on the flooder's new track first; the flooder's own components follow.
    const out = limit.charge(
      [of(note('xt', 'h', 5, ''), 'classification'), of(note('xt', 'x', 9, ''), 'position'), note('xt', 'x', 9, '')],
      nothingHeld,
      0,
    );
    expect(out.accepted.map((v) => `${v.ts.node}:${v.kind}`)).toEqual(['h:classification']);
    expect(out.refused.map((r) => `${r.version.ts.node}:${r.version.kind}`)).toEqual(['x:position', 'x:zz_note']);
    // A register a refused author tried first is opened by the next author in timestamp order who can pay.
    const shared = limit.charge([note('s', 'x', 1, 'x first'), note('s', 'b', 2, 'b next')], nothingHeld, 0);
    expect(shared.refused.map((r) => r.version.ts.node)).toEqual(['x']);
    expect(shared.registers).toBe(0);
  });

  it('caps the unknown kinds of one entity, in all and per author; never the tombstone nor a known kind', () => {
    const limit = new NewRegisterLimit('m' as NodeId);
    // One author: MAX_UNKNOWN_KINDS_PER_AUTHOR unknown kinds, then refused; known kinds and the tombstone pass.
    const one = Array.from({ length: MAX_UNKNOWN_KINDS_PER_AUTHOR + 2 }, (_, i) =>
      of(note('e', 'a', i + 1, ''), `zz_k${i}`),
    );
    const out = limit.charge(
      [...one, of(note('e', 'a', 50, ''), 'position'), of(note('e', 'a', 51, ''), '$deleted')],
      holdingOf({}),
      0,
    );
    expect(out.refused.map((r) => [r.version.kind, r.reason])).toEqual([
      [`zz_k${MAX_UNKNOWN_KINDS_PER_AUTHOR}`, 'kinds-per-author'],
      [`zz_k${MAX_UNKNOWN_KINDS_PER_AUTHOR + 1}`, 'kinds-per-author'],
    ]);
    // Many authors: MAX_UNKNOWN_KINDS_PER_ENTITY unknown kinds in all.
    const many = Array.from({ length: MAX_UNKNOWN_KINDS_PER_ENTITY + 2 }, (_, i) =>
      of(note('f', `w${i}`, i + 1, ''), `zz_k${i}`),
    );
    expect(limit.charge(many, holdingOf({}), 0).refused.map((r) => [r.version.kind, r.reason])).toEqual([
      [`zz_k${MAX_UNKNOWN_KINDS_PER_ENTITY}`, 'kinds-per-entity'],
      [`zz_k${MAX_UNKNOWN_KINDS_PER_ENTITY + 1}`, 'kinds-per-entity'],
    ]);
    const full = holdingOf({ e: many.slice(0, MAX_UNKNOWN_KINDS_PER_ENTITY).map((v) => v.kind) });
    expect(limit.charge([of(note('e', 'a', 1, ''), 'zz_more')], full, 0).refused.length).toBe(1);
    expect(limit.charge([of(note('e', 'a', 1, ''), 'zz_k0')], full, 0).refused.length).toBe(0);
    expect(
      limit.charge([of(note('e', 'a', 1, ''), '$deleted'), of(note('e', 'a', 1, ''), 'threat')], full, 0).refused,
    ).toEqual([]);
  });

  it('prechecks without charging: a batch the bucket cannot take is refused, and the bucket is left as it was', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(2));
    const three = [note('p1', 'a', 1, ''), note('p2', 'a', 1, ''), note('p3', 'a', 1, '')];
    expect(entities(limit.precheck(three, nothingHeld, 0))).toEqual(['p3']);
    expect(entities(limit.precheck(three, nothingHeld, 0))).toEqual(['p3']);
    expect(entities(limit.charge(three.slice(0, 2), nothingHeld, 0))).toEqual([]);
    expect(entities(limit.precheck([note('p4', 'a', 1, '')], nothingHeld, 0))).toEqual(['p4']);
  });

  it('keeps one bucket per author: another author is not charged for a flooder', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(2));
    limit.charge([note('x1', 'x', 1, ''), note('x2', 'x', 1, ''), note('x3', 'x', 1, '')], nothingHeld, 0);
    expect(limit.charge([note('b1', 'b', 1, '')], nothingHeld, 0).refused).toEqual([]);
  });

  it('holds a bounded number of authors; a forgotten author comes back empty, not with a full burst', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(5, 1, 3));
    // x spends its burst, then is forgotten behind three other authors.
    const xs = Array.from({ length: 6 }, (_, i) => note(`x${i}`, 'x', 1, ''));
    expect(limit.charge(xs, nothingHeld, 0).refused.length).toBe(1);
    for (const a of ['a', 'b', 'c']) limit.charge([note(`${a}1`, a, 1, '')], nothingHeld, 0);
    expect(limit.precheck(xs, nothingHeld, 0).refused.length).toBe(6);
    expect(limit.charge(xs, nothingHeld, 0).refused.length).toBe(6);
    // It refills at the rate like any author: one a second.
    expect(limit.charge(xs, nothingHeld, 1000).refused.length).toBe(5);
    // An author never seen before still starts with the burst (a new honest peer after a sybil flood).
    expect(limit.charge([note('n1', 'n', 1, '')], nothingHeld, 1000).refused).toEqual([]);
  });

  it('a forgotten author comes back with what its bucket would hold by then: full if it was full, never refilled by forgetting', () => {
    const limit = new NewRegisterLimit('m' as NodeId, limits(5, 1, 3));
    const notes = (a: string, n: number, from = 0): Version[] =>
      Array.from({ length: n }, (_, i) => note(`${a}${from + i}`, a, 1, ''));
    // h, an honest author, writes one register and is full again a second later; d drains its burst.
    expect(limit.charge(notes('h', 1), nothingHeld, 0).refused).toEqual([]);
    expect(limit.charge(notes('d', 5), nothingHeld, 0).refused).toEqual([]);
    // A flood of other authors pushes both out of the three buckets kept.
    for (const a of ['a', 'b', 'c']) limit.charge(notes(a, 1), nothingHeld, 2000);
    // h comes back full: a flood of others must not empty an honest author's bucket.
    expect(limit.charge(notes('h', 5, 10), nothingHeld, 2000).refused).toEqual([]);
    // d comes back with the two tokens two seconds gave it, not a fresh burst nor nothing.
    expect(limit.charge(notes('d', 5, 10), nothingHeld, 2000).refused).toHaveLength(3);
  });
});
