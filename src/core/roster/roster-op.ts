import type { NodeId } from '../ids';

/**
 * One signed write to a lattice's roster. The signature is checked where the op enters (the crypto
 * wiring comes with signed writes); here it is the `verified` flag, and an unverified op is never
 * kept. Ops are identified by author and per-author sequence number, and carry a Lamport clock
 * (greater than that of every roster op the author had seen), which orders them causally.
 */
export interface RosterOp {
  readonly author: NodeId;
  /** 1, 2, 3… per author: (author, seq) names the op. */
  readonly seq: number;
  readonly lamport: number;
  readonly verified: boolean;
  readonly body: RosterBody;
}

export type RosterBody =
  /** The first node of a lattice founds it, and decides once whether it is open. */
  | { readonly type: 'found'; readonly open: boolean }
  /** A member admits a node (e.g. on redeeming its invitation, whose id it records). */
  | { readonly type: 'add'; readonly member: NodeId; readonly invitation?: string }
  /**
   * A member removes a node. `observed`: the ids of the ops admitting it that the author had
   * seen; a concurrent admission by another member is not undone (a deliberate re-invite wins),
   * but nothing the removed node wrote that the author had not seen survives.
   */
  | { readonly type: 'remove'; readonly member: NodeId; readonly observed: readonly string[] };

export type RosterOpId = string;

/**
 * The most roster ops one author may write: its ops are numbered 1, 2, 3…, and an op numbered past
 * this is refused at ingest (`roster-op-limit`, membership-gate.ts) and without effect in the view
 * (`op-limit`), so every replica holds and counts at most this many per author, the same ones. An
 * honest member writes one op per founding, invitation redeemed, sibling tab admitted (tabs reuse
 * the profile's identities, so at most one per tab open at once) and removal: 1,024 is years of a
 * field team's churn. A hostile member's ops each cost every later view (the view orders every op
 * held): this bounds what one key can make every node hold and sort (docs/security.md, "The roster").
 */
export const MAX_ROSTER_OPS_PER_AUTHOR = 1_024;

export function opId(op: Pick<RosterOp, 'author' | 'seq'>): RosterOpId {
  return `${op.author}:${op.seq}`;
}

/** The total order ops are applied in: causal (Lamport), ties by author then sequence. */
export function compareOps(a: RosterOp, b: RosterOp): number {
  if (a.lamport !== b.lamport) return a.lamport - b.lamport;
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  return a.seq - b.seq;
}

/** A canonical text of an op, to pick deterministically between two different ops under one id. */
export function canonicalOp(op: RosterOp): string {
  const body = op.body;
  switch (body.type) {
    case 'found':
      return `${op.author}|${op.seq}|${op.lamport}|found|${body.open ? 1 : 0}`;
    case 'add':
      return `${op.author}|${op.seq}|${op.lamport}|add|${body.member}|${body.invitation ?? ''}`;
    case 'remove':
      return `${op.author}|${op.seq}|${op.lamport}|remove|${body.member}|${[...body.observed].sort().join(',')}`;
    default: {
      const never: never = body;
      throw new Error(`unknown roster op ${JSON.stringify(never)}`);
    }
  }
}
