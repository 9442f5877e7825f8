import { compareTs, type Timestamp } from '../../core/clock/timestamp';
import type { NodeId } from '../../core/ids';
import { EMPTY_ROSTER, merge, type Roster } from '../../core/roster/roster';
import { compareCanonical, canonicalContent } from '../../core/merge/version-content';
import { anchoredView, pickAnchor } from '../../core/roster/roster-anchor';
import { valueOfOp } from '../../core/roster/roster-entity';
import { canonicalOp, compareOps, opId, type RosterOp, type RosterOpId } from '../../core/roster/roster-op';
import type { RosterView, TwinAdmission } from '../../core/roster/roster-view';
import { inWindows, type RemovalWindow } from '../../core/clock/removal-window';

/**
 * A roster op and the HLC timestamp it counts at: that of the earliest version of its register
 * carrying it (docs/security.md, "An op signed again"). `head`: the timestamp of the register's
 * head (the store keeps a later version over it), if not `ts`; `firsts`: the earliest timestamp of
 * each op the register was delivered (by canonical text), the head's included.
 */
export interface StampedOp {
  readonly op: RosterOp;
  readonly ts: Timestamp;
  readonly head?: Timestamp;
  readonly firsts?: ReadonlyMap<string, Timestamp>;
}

/**
 * One replica's roster at a moment: the ops held (with the HLC timestamp of the version that carries
 * each), the anchor (the founding this device trusts, roster-anchor.ts) and the view they give.
 * Immutable: `with` returns a new state, so the ingest gate can try a batch's ops before any merge.
 * The view orders every op held, so it is computed once per state and only when first read: a
 * batch of ops (`withAll`: the ops in storage at start, the versions of one merge) costs one view,
 * not one per op.
 */
/**
 * What the ingest gate needs to tell whether an op it accepted can change what its later checks read
 * (membership-gate.ts): who wrote ops held, whom ops held name, whom removes held name (taking effect
 * or not), each node's first admission (in op order) that took effect, and each author's last op
 * that took effect.
 */
export interface RosterIndex {
  readonly authors: ReadonlySet<NodeId>;
  readonly targets: ReadonlySet<NodeId>;
  /** The removes held naming each node (taking effect or not). */
  readonly removesOf: ReadonlyMap<NodeId, readonly RosterOp[]>;
  /** The ops held by each author (taking effect or not, twin `add`s included), and the last of them in op order. */
  readonly byAuthor: ReadonlyMap<NodeId, readonly RosterOp[]>;
  readonly lastOp: ReadonlyMap<NodeId, RosterOp>;
  readonly firstAdmission: ReadonlyMap<NodeId, RosterOp>;
  readonly lastEffective: ReadonlyMap<NodeId, RosterOp>;
}

export class RosterState {
  private computed: RosterView | undefined;
  private indexed: RosterIndex | undefined;
  private readonly removedStamps = new Map<NodeId, Timestamp | undefined>();
  private windowed: ReadonlyMap<NodeId, readonly RemovalWindow[]> | undefined;
  private twinned: readonly TwinAdmission[] | undefined;

  private constructor(
    readonly roster: Roster,
    private readonly stamps: ReadonlyMap<RosterOpId, Timestamp>,
    /** Per id whose register holds more than its head's op at its head's stamp: the head's stamp and the firsts (StampedOp). */
    private readonly registers: ReadonlyMap<RosterOpId, Register>,
    readonly anchor: RosterOpId | undefined,
    /** A joiner's inviter: until anchored, the first founding that admits it becomes the anchor. */
    readonly inviter: NodeId | undefined,
    /** The founding the joiner's invitation names (the inviter's anchor): the only one it takes. */
    private readonly named?: RosterOpId,
  ) {}

  static empty(anchor: RosterOpId | undefined, inviter?: NodeId, named?: RosterOpId): RosterState {
    return new RosterState(EMPTY_ROSTER, new Map(), new Map(), anchor, inviter, named);
  }

  get view(): RosterView {
    return (this.computed ??= anchoredView(this.roster, this.anchor, (id) => this.stamps.get(id), this.twins));
  }

  /**
   * The `add` ops delivered under an id that holds another op now, each at the stamp of its
   * earliest version (rosterView `twins`; docs/security.md, "An admission signed over"). Read from
   * the registers' firsts, which the store keeps (evidence.ts, keepsFirstOfValue).
   */
  get twins(): readonly TwinAdmission[] {
    if (this.twinned !== undefined) return this.twinned;
    const out: TwinAdmission[] = [];
    for (const [id, register] of this.registers) {
      const held = this.roster.get(id);
      if (held === undefined) continue;
      const heldText = canonicalOp(held);
      for (const [text, ts] of register.firsts) {
        if (text === heldText) continue;
        const op = addOfText(text, held);
        if (op !== undefined) out.push({ id, op, ts });
      }
    }
    return (this.twinned = out);
  }

  /** The state with an op added (its version's timestamp kept); an unanchored joiner anchors if it can. */
  with(op: RosterOp, ts: Timestamp): RosterState {
    return this.withAll([{ op, ts }]);
  }

  /**
   * The state with a batch of ops added at once: one merge, and one view when it is read. An
   * unanchored joiner anchors on the first founding (in op order) of the whole result that admits
   * its inviter. An op already held under its id with other content stays as the merge keeps it.
   */
  withAll(ops: readonly StampedOp[]): RosterState {
    const incoming = new Map<RosterOpId, RosterOp>();
    for (const { op } of ops) {
      const id = opId(op);
      const held = incoming.get(id);
      incoming.set(id, held === undefined ? op : (merge(new Map([[id, held]]), new Map([[id, op]])).get(id) ?? held));
    }
    const roster = merge(this.roster, incoming);
    // An op's stamp is the earliest timestamp among the versions carrying the op the merge kept (by
    // content), so it does not depend on the order versions arrive in, one by one or in a batch:
    // the stamp is the removal cut-off, and replicas must agree on it.
    let stamps: Map<RosterOpId, Timestamp> | undefined;
    const touched = new Set<RosterOpId>();
    for (const { op, ts } of ops) {
      const id = opId(op);
      const kept = roster.get(id);
      if (kept === undefined || canonicalOp(kept) !== canonicalOp(op)) continue;
      const before = this.roster.get(id);
      const stillHeld = before !== undefined && canonicalOp(before) === canonicalOp(kept);
      const current = touched.has(id) || stillHeld ? (stamps ?? this.stamps).get(id) : undefined;
      touched.add(id);
      if (current !== undefined && compareTs(current, ts) <= 0) continue;
      (stamps ??= new Map(this.stamps)).set(id, ts);
    }
    if (stamps === undefined) return this;
    let anchor = this.anchor;
    if (anchor === undefined && this.inviter !== undefined) anchor = pickAnchor(roster, this.inviter, this.named);
    return new RosterState(roster, stamps, this.registers, anchor, this.inviter, this.named);
  }

  /**
   * The state following the store (RosterService): each given op is now the op under its id, with
   * its stamp, whatever was held under that id before (opOfHeads picks it from the register's
   * heads). So the state is a function of the store's heads, however and in whatever order the
   * versions arrived.
   */
  withHeads(ops: readonly StampedOp[]): RosterState {
    let roster: Map<RosterOpId, RosterOp> | undefined;
    let stamps: Map<RosterOpId, Timestamp> | undefined;
    let registers: Map<RosterOpId, Register> | undefined;
    for (const s of ops) {
      const { op, ts } = s;
      const id = opId(op);
      const held = (roster ?? this.roster).get(id);
      const stamp = (stamps ?? this.stamps).get(id);
      const register = registerOf(s);
      if (
        held !== undefined &&
        canonicalOp(held) === canonicalOp(op) &&
        stamp !== undefined &&
        compareTs(stamp, ts) === 0 &&
        sameRegister((registers ?? this.registers).get(id), register)
      )
        continue;
      (roster ??= new Map(this.roster)).set(id, op);
      (stamps ??= new Map(this.stamps)).set(id, ts);
      if (register !== undefined) (registers ??= new Map(this.registers)).set(id, register);
      else if ((registers ?? this.registers).has(id)) (registers ??= new Map(this.registers)).delete(id);
    }
    if (roster === undefined || stamps === undefined) return this;
    let anchor = this.anchor;
    if (anchor === undefined && this.inviter !== undefined) anchor = pickAnchor(roster, this.inviter, this.named);
    return new RosterState(roster, stamps, registers ?? this.registers, anchor, this.inviter, this.named);
  }

  /**
   * The state without the ops under these ids: their registers hold no head any more (a removed
   * member's ops stamped after its removal, withdrawn from the store: LatticeNode.withdraw), so the
   * state follows the store as a replica that refused them holds it.
   */
  without(ids: Iterable<RosterOpId>): RosterState {
    let roster: Map<RosterOpId, RosterOp> | undefined;
    let stamps: Map<RosterOpId, Timestamp> | undefined;
    let registers: Map<RosterOpId, Register> | undefined;
    for (const id of ids) {
      if (!this.roster.has(id)) continue;
      (roster ??= new Map(this.roster)).delete(id);
      (stamps ??= new Map(this.stamps)).delete(id);
      if (this.registers.has(id)) (registers ??= new Map(this.registers)).delete(id);
    }
    if (roster === undefined || stamps === undefined) return this;
    return new RosterState(roster, stamps, registers ?? this.registers, this.anchor, this.inviter, this.named);
  }

  withAnchor(anchor: RosterOpId): RosterState {
    return new RosterState(this.roster, this.stamps, this.registers, anchor, this.inviter, this.named);
  }

  /** The anchor's founding op is held: membership means something. */
  get founded(): boolean {
    return this.view.founder !== undefined;
  }

  get open(): boolean {
    return this.founded && this.view.open;
  }

  has(id: RosterOpId): boolean {
    return this.roster.has(id);
  }

  /** The timestamp the op held under `id` counts at: that of the earliest version of its register carrying it. */
  stampOf(id: RosterOpId): Timestamp | undefined {
    return this.stamps.get(id);
  }

  /** The timestamp of the head of `id`'s register (the store keeps a later version over it). */
  headStampOf(id: RosterOpId): Timestamp | undefined {
    return this.registers.get(id)?.head ?? this.stamps.get(id);
  }

  /**
   * The earliest timestamp of each op `id`'s register was delivered (by canonical text): the op held
   * at its stamp, and any other kept as evidence (docs/security.md, "An op signed again").
   */
  firstsOf(id: RosterOpId): ReadonlyMap<string, Timestamp> {
    const held = this.roster.get(id);
    const firsts = this.registers.get(id)?.firsts;
    if (firsts !== undefined) return firsts;
    const stamp = this.stamps.get(id);
    return held === undefined || stamp === undefined ? new Map() : new Map([[canonicalOp(held), stamp]]);
  }

  /**
   * Writes of a removed member made before this are kept (attributed), later ones refused: the HLC
   * timestamp of the remove op that took effect last, but never before its remover's own cut-off
   * when the remover stands removed too (docs/security.md, "Writes withdrawn at a removal": a
   * removed node's backdated remove does not reach back over what was written while it was still
   * a member). Undefined unless `member` stands removed.
   */
  removedAt(member: NodeId): Timestamp | undefined {
    if (!this.view.removed.has(member)) return undefined;
    // Kept per state: the gate asks once per op of a removed author, and each answer reads every op.
    if (this.removedStamps.has(member)) return this.removedStamps.get(member);
    // Along the chain of removers (each removed member has one last remove), up to one not removed
    // or met before: the latest stamp on the way. Two members that removed each other both stand
    // removed (roster-view.ts), and each one's cut-off is then the later of the two stamps: the
    // remover a backdated remove took along keeps what it wrote up to its own removal of the other
    // (docs/security.md, "Removals of each other").
    let at: Timestamp | undefined;
    const seen = new Set<NodeId>();
    for (let m: NodeId | undefined = member; m !== undefined && !seen.has(m);) {
      seen.add(m);
      const last = this.lastRemove(m);
      const stamp = last === undefined ? undefined : this.stamps.get(opId(last));
      if (stamp !== undefined && (at === undefined || compareTs(stamp, at) > 0)) at = stamp;
      m = last !== undefined && this.view.removed.has(last.author) ? last.author : undefined;
    }
    this.removedStamps.set(member, at);
    return at;
  }

  /** The remove of `member` that took effect last (in op order). */
  lastRemove(member: NodeId): RosterOp | undefined {
    let last: RosterOp | undefined;
    for (const [id, op] of this.roster) {
      if (op.body.type !== 'remove' || op.body.member !== member || this.view.rejected.has(id)) continue;
      if (last === undefined || compareOps(op, last) > 0) last = op;
    }
    return last;
  }

  /** The gate's index of the ops held (computed once per state, when first read). */
  get index(): RosterIndex {
    if (this.indexed !== undefined) return this.indexed;
    const authors = new Set<NodeId>();
    const targets = new Set<NodeId>();
    const removesOf = new Map<NodeId, RosterOp[]>();
    const byAuthor = new Map<NodeId, RosterOp[]>();
    const lastOp = new Map<NodeId, RosterOp>();
    const firstAdmission = new Map<NodeId, RosterOp>();
    const lastEffective = new Map<NodeId, RosterOp>();
    const { rejected } = this.view;
    for (const [id, op] of this.roster) {
      authors.add(op.author);
      if (op.body.type !== 'found') targets.add(op.body.member);
      if (op.body.type === 'remove') pushTo(removesOf, op.body.member, op);
      pushTo(byAuthor, op.author, op);
      const lastHeld = lastOp.get(op.author);
      if (lastHeld === undefined || compareOps(op, lastHeld) > 0) lastOp.set(op.author, op);
      if (rejected.has(id)) continue;
      const last = lastEffective.get(op.author);
      if (last === undefined || compareOps(op, last) > 0) lastEffective.set(op.author, op);
      const admitted = op.body.type === 'found' ? op.author : op.body.type === 'add' ? op.body.member : undefined;
      if (admitted === undefined) continue;
      const first = firstAdmission.get(admitted);
      if (first === undefined || compareOps(op, first) < 0) firstAdmission.set(admitted, op);
    }
    // A twin `add` is an op of its author too, at its own clock (roster-view.ts `twins`): whether it
    // takes effect reads its author's status and sequence where it sorts, so it counts among the
    // author's ops (lastOp, byAuthor: a batch's extra admission of its author, or a remove taking
    // effect or not before it, may change it), and its member among the nodes ops name.
    // firstAdmission is left to the ops held: a twin admission only makes the first earlier, and the
    // gate's use of it (extraAdmissionUnread) is then only more careful.
    for (const { op } of this.twins) {
      if (op.body.type === 'add') targets.add(op.body.member);
      pushTo(byAuthor, op.author, op);
      const lastHeld = lastOp.get(op.author);
      if (lastHeld === undefined || compareOps(op, lastHeld) > 0) lastOp.set(op.author, op);
    }
    return (this.indexed = { authors, targets, removesOf, byAuthor, lastOp, firstAdmission, lastEffective });
  }

  /**
   * Whether a write stamped `ts` by `member` was written while it stood removed: after its current
   * removal's cut-off, or inside a window of an earlier removal it was admitted again after
   * (docs/security.md, "A removed device invited again").
   */
  writtenAfterRemoval(member: NodeId, ts: Timestamp): boolean {
    const at = this.removedAt(member);
    return (at !== undefined && compareTs(ts, at) > 0) || inWindows(this.windows.get(member), ts);
  }

  /**
   * Each author's refused windows (docs/security.md, "A removed device invited again"): the ops that
   * took effect, replayed in op order as the view applies them (roster-view.ts), and each time a
   * removed member is admitted again, a window from its removal's cut-off (the stamp of the remove
   * that left it no admission, never before its remover's own cut-off when the remover stood removed
   * then, and moved up to a remove of its own remover it wrote while removed that counts, as
   * removedAt) to the stamp of that `add`. A function of the ops that count and their
   * stamps, so every replica holding them sees the same windows. Bounded: one window per remove of
   * the author that took effect, and each remover writes at most MAX_ROSTER_OPS_PER_AUTHOR ops.
   * Computed once per state, when first read.
   */
  get windows(): ReadonlyMap<NodeId, readonly RemovalWindow[]> {
    if (this.windowed !== undefined) return this.windowed;
    const out = new Map<NodeId, RemovalWindow[]>();
    const { rejected, twinAdmissions = [] } = this.view;
    // The ops that took effect and the twin admissions that did, in the view's order (a twin after
    // the op held under its id, at its own clock and stamp: roster-view.ts `twins`).
    const ops: { readonly id: RosterOpId; readonly op: RosterOp; readonly twin?: TwinAdmission }[] = [];
    for (const [id, op] of this.roster) if (!rejected.has(id)) ops.push({ id, op });
    for (const twin of twinAdmissions) ops.push({ id: twin.id, op: twin.op, twin });
    ops.sort((a, b) => compareOps(a.op, b.op) || (a.twin === undefined ? -1 : b.twin === undefined ? 1 : 0));
    const admissions = new Map<NodeId, Map<RosterOpId, NodeId>>();
    const cutAt = new Map<NodeId, Timestamp>();
    const admit = (member: NodeId, id: RosterOpId, by: NodeId, to: Timestamp | undefined): void => {
      let own = admissions.get(member);
      if (own === undefined) admissions.set(member, (own = new Map()));
      own.set(id, by);
      const from = cutAt.get(member);
      cutAt.delete(member);
      if (from !== undefined && to !== undefined && compareTs(from, to) < 0) pushTo(out, member, { from, to });
    };
    for (const { id, op, twin } of ops) {
      const body = op.body;
      // A twin admission is stamped with its own earliest version (a re-admission's window ends there).
      const stamp = twin !== undefined ? twin.ts : this.stamps.get(id);
      if (body.type === 'found') admit(op.author, id, op.author, stamp);
      else if (body.type === 'add') admit(body.member, id, op.author, stamp);
      else {
        const own = admissions.get(body.member);
        if (own === undefined) continue;
        for (const [admission, by] of own) {
          if (body.observed.includes(admission) || by === body.member) own.delete(admission);
        }
        const remover = cutAt.get(op.author);
        // A removed remover's remove that counts (of its own remover, roster-view.ts) moves its own
        // cut-off up to it: it keeps what it wrote up to that removal, as removedAt does
        // (docs/security.md, "Removals of each other").
        if (stamp !== undefined && remover !== undefined && compareTs(stamp, remover) > 0) cutAt.set(op.author, stamp);
        if (own.size > 0 || cutAt.has(body.member) || stamp === undefined) continue;
        cutAt.set(body.member, remover !== undefined && compareTs(remover, stamp) > 0 ? remover : stamp);
      }
    }
    return (this.windowed = out);
  }

  /** Ever admitted (a member now, or removed): its roster ops may be earlier than its removal. */
  known(author: NodeId): boolean {
    return this.view.members.has(author) || this.view.removed.has(author);
  }

  /**
   * The next op `author` writes: its next sequence number, and a clock past every op that took
   * effect. Ops without effect do not count: one at the highest clock the format allows (a removed
   * member's, or a stranger's in an open lattice) would otherwise leave no clock for any later op.
   */
  next(author: NodeId, body: RosterOp['body']): RosterOp {
    let seq = 0;
    let lamport = 0;
    for (const [id, op] of this.roster) {
      if (op.author === author) seq = Math.max(seq, op.seq);
      if (!this.view.rejected.has(id)) lamport = Math.max(lamport, op.lamport);
    }
    // A twin `add` counts at its own clock: the next op must sort after it too, or a remove naming
    // its id would sort before the admission and end nothing.
    for (const t of this.twins) lamport = Math.max(lamport, t.op.lamport);
    return { author, seq: seq + 1, lamport: lamport + 1, verified: true, body };
  }
}

/**
 * The op a roster register stands for (docs/security.md, "The roster in the store"): among its heads
 * (several only while concurrent: twins its author signed apart), the op whose canonical text sorts
 * first; stamped with the earliest timestamp among the versions the register keeps carrying it
 * (`kept`: its heads and its evidence, which keeps the earliest version of each op delivered:
 * docs/security.md, "An op signed again"), so a later version of the op, or a twin in between, does
 * not move it. A function of the versions kept, so every replica holding the same versions sees the
 * same op under each id, at the same stamp. Undefined if no head holds a well-formed op.
 */
export function opOfHeads(
  heads: Iterable<{ readonly op: RosterOp; readonly ts: Timestamp }>,
  kept: Iterable<{ readonly op: RosterOp; readonly ts: Timestamp }> = [],
): StampedOp | undefined {
  let best: { op: RosterOp; ts: Timestamp } | undefined;
  let bestText = '';
  const firsts = new Map<string, Timestamp>();
  const note = (text: string, ts: Timestamp): void => {
    const f = firsts.get(text);
    if (f === undefined || compareTs(ts, f) < 0) firsts.set(text, ts);
  };
  for (const h of heads) {
    const text = canonicalOp(h.op);
    note(text, h.ts);
    if (best === undefined || text < bestText || (text === bestText && compareTs(h.ts, best.ts) < 0)) {
      best = { op: h.op, ts: h.ts };
      bestText = text;
    }
  }
  if (best === undefined) return undefined;
  for (const k of kept) note(canonicalOp(k.op), k.ts);
  const ts = firsts.get(bestText)!;
  return { op: best.op, ts, head: best.ts, firsts };
}

/**
 * The `add` op whose canonical text (canonicalOp) is `text`, under the id of `held` (same author and
 * sequence), or undefined if `text` is not such an add. A verified op: its version was checked
 * when it was delivered, as the op held.
 */
function addOfText(text: string, held: RosterOp): RosterOp | undefined {
  const prefix = `${held.author}|${held.seq}|`;
  if (!text.startsWith(prefix)) return undefined;
  const parts = text.slice(prefix.length).split('|');
  // lamport|add|member|invitation: only the invitation may hold '|' (node ids never do, ids.ts).
  if (parts.length < 4 || parts[1] !== 'add') return undefined;
  const lamport = Number(parts[0]);
  if (!Number.isSafeInteger(lamport) || String(lamport) !== parts[0]) return undefined;
  const member = parts[2] as NodeId;
  const invitation = parts.slice(3).join('|');
  return {
    author: held.author,
    seq: held.seq,
    lamport,
    verified: true,
    body: invitation === '' ? { type: 'add', member } : { type: 'add', member, invitation },
  };
}

/** What a RosterState keeps of a register beyond its op and stamp (StampedOp `head`, `firsts`). */
interface Register {
  readonly head: Timestamp;
  readonly firsts: ReadonlyMap<string, Timestamp>;
}

/** The register's extra (undefined when it holds just its op at its head's stamp). */
function registerOf(s: StampedOp): Register | undefined {
  const head = s.head ?? s.ts;
  const firsts = s.firsts;
  if (compareTs(head, s.ts) === 0 && (firsts === undefined || firsts.size <= 1)) return undefined;
  return { head, firsts: firsts ?? new Map([[canonicalOp(s.op), s.ts]]) };
}

function sameRegister(a: Register | undefined, b: Register | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (compareTs(a.head, b.head) !== 0 || a.firsts.size !== b.firsts.size) return false;
  for (const [text, ts] of a.firsts) {
    const other = b.firsts.get(text);
    if (other === undefined || compareTs(other, ts) !== 0) return false;
  }
  return true;
}

/**
 * The order the store keeps contents in under one timestamp (compareContent, version-content.ts:
 * the smaller is kept on every replica), for two ops under one id as their versions carry them
 * (valueOfOp gives back the value a version that parsed holds, validateRosterOpValue). A register
 * holds one version per timestamp, so this, not canonicalOp, tells which of two ops signed at one
 * stamp the register ends up with.
 */
export function compareOpContent(a: RosterOp, b: RosterOp): number {
  return compareCanonical(
    canonicalContent({ value: valueOfOp(a), seen: [] }),
    canonicalContent({ value: valueOfOp(b), seen: [] }),
  );
}

/** Appends `value` to the list under `key`. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
