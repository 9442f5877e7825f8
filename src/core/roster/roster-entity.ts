import { ValidationError } from '../errors';
import type { Version } from '../merge/version';
import { isNodeId, type ComponentKind, type EntityId, type NodeId } from '../ids';
import { num, onlyKeys, oneOf, record, str } from '../entity/validate-fields';
import { opId, type RosterBody, type RosterOp } from './roster-op';

/**
 * The roster as ordinary store data (docs/security.md, "The roster in the store"): each roster op
 * is one entity `roster:<author>:<seq>` holding one `rosterOp` component, written once by its
 * author (signed like every write) and never changed. Only the node's roster code writes them; a
 * user write to the kind or the id prefix is refused.
 */
export const ROSTER_OP_KIND = 'rosterOp' as ComponentKind;
export const ROSTER_ENTITY_PREFIX = 'roster:';
/** Admissions one remove op may name as observed (each is one op id, ~40 characters). */
export const MAX_OBSERVED = 64;
/** Largest sequence number or Lamport clock a roster op may carry (a sane bound, not a real limit). */
export const MAX_ROSTER_CLOCK = 2 ** 31;
const MAX_NONCE = 64;

/** A roster op as the `rosterOp` component's value (JSON): the op minus `verified`, flattened. */
export type RosterOpValue =
  | {
      readonly author: NodeId;
      readonly seq: number;
      readonly lamport: number;
      readonly type: 'found';
      readonly open: boolean;
    }
  | {
      readonly author: NodeId;
      readonly seq: number;
      readonly lamport: number;
      readonly type: 'add';
      readonly member: NodeId;
      readonly invitation?: string;
    }
  | {
      readonly author: NodeId;
      readonly seq: number;
      readonly lamport: number;
      readonly type: 'remove';
      readonly member: NodeId;
      readonly observed: readonly string[];
    };

const TYPES = ['found', 'add', 'remove'] as const;

export function rosterEntityId(op: Pick<RosterOp, 'author' | 'seq'>): EntityId {
  return `${ROSTER_ENTITY_PREFIX}${opId(op)}` as EntityId;
}

export function isRosterEntity(id: string): boolean {
  return id.startsWith(ROSTER_ENTITY_PREFIX);
}

/** Checks a `rosterOp` value at the boundary (local writes, the wire, storage): a normalised copy, or a ValidationError. */
export function validateRosterOpValue(value: unknown): RosterOpValue {
  const path = ROSTER_OP_KIND;
  const v = record(value, path);
  const type = oneOf(v.type, TYPES, `${path}.type`);
  const head = {
    author: nodeId(v.author, `${path}.author`),
    seq: clock(v.seq, `${path}.seq`),
    lamport: clock(v.lamport, `${path}.lamport`),
  };
  switch (type) {
    case 'found':
      onlyKeys(v, ['author', 'seq', 'lamport', 'type', 'open'], path);
      if (typeof v.open !== 'boolean') throw new ValidationError(`${path}.open: expected true or false`);
      return { ...head, type, open: v.open };
    case 'add': {
      onlyKeys(v, ['author', 'seq', 'lamport', 'type', 'member', 'invitation'], path);
      const member = nodeId(v.member, `${path}.member`);
      return v.invitation === undefined
        ? { ...head, type, member }
        : { ...head, type, member, invitation: str(v.invitation, `${path}.invitation`, MAX_NONCE) };
    }
    case 'remove': {
      onlyKeys(v, ['author', 'seq', 'lamport', 'type', 'member', 'observed'], path);
      const member = nodeId(v.member, `${path}.member`);
      if (!Array.isArray(v.observed) || v.observed.length > MAX_OBSERVED) {
        throw new ValidationError(`${path}.observed: expected an array of at most ${MAX_OBSERVED} op ids`);
      }
      const observed = v.observed.map((o, i) => opIdText(o, `${path}.observed[${i}]`));
      return { ...head, type, member, observed };
    }
    default: {
      const never: never = type;
      throw new ValidationError(`${path}.type: unknown ${String(never)}`);
    }
  }
}

/** The value an op is stored as. */
export function valueOfOp(op: RosterOp): RosterOpValue {
  const head = { author: op.author, seq: op.seq, lamport: op.lamport };
  const body = op.body;
  switch (body.type) {
    case 'found':
      return { ...head, type: 'found', open: body.open };
    case 'add':
      return body.invitation === undefined
        ? { ...head, type: 'add', member: body.member }
        : { ...head, type: 'add', member: body.member, invitation: body.invitation };
    case 'remove':
      return { ...head, type: 'remove', member: body.member, observed: [...body.observed] };
    default: {
      const never: never = body;
      throw new Error(`unknown roster op ${JSON.stringify(never)}`);
    }
  }
}

/** Why a stored version is not a roster op: the kind, the id, the value or the author disagree. */
export type RosterVersionProblem = 'not-an-op' | 'entity-mismatch' | 'author-mismatch';

/**
 * The roster op a version holds, checked against the version itself: the op's author must be the
 * version's (signed and verified) author, and the entity id must name the op. `verified` is the
 * caller's word that the version's signature was checked (or that it is our own signed write).
 */
export function opOfVersion(
  version: Version,
  verified: boolean,
): { readonly op: RosterOp } | { readonly problem: RosterVersionProblem } {
  if (version.kind !== ROSTER_OP_KIND || version.value === null) return { problem: 'not-an-op' };
  let value: RosterOpValue;
  try {
    value = validateRosterOpValue(version.value);
  } catch {
    return { problem: 'not-an-op' };
  }
  if (value.author !== version.ts.node) return { problem: 'author-mismatch' };
  if (version.entity !== rosterEntityId(value)) return { problem: 'entity-mismatch' };
  return { op: { author: value.author, seq: value.seq, lamport: value.lamport, verified, body: bodyOf(value) } };
}

function bodyOf(value: RosterOpValue): RosterBody {
  switch (value.type) {
    case 'found':
      return { type: 'found', open: value.open };
    case 'add':
      return value.invitation === undefined
        ? { type: 'add', member: value.member }
        : { type: 'add', member: value.member, invitation: value.invitation };
    case 'remove':
      return { type: 'remove', member: value.member, observed: value.observed };
    default: {
      const never: never = value;
      throw new Error(`unknown roster op ${JSON.stringify(never)}`);
    }
  }
}

function nodeId(x: unknown, path: string): NodeId {
  if (!isNodeId(x)) throw new ValidationError(`${path}: expected a node id`);
  return x;
}

function clock(x: unknown, path: string): number {
  const n = num(x, path, 1, MAX_ROSTER_CLOCK);
  if (!Number.isInteger(n)) throw new ValidationError(`${path}: expected a whole number`);
  return n;
}

/** `<node id>:<seq>`, as opId writes it. */
function opIdText(x: unknown, path: string): string {
  const text = str(x, path, 80);
  const at = text.lastIndexOf(':');
  if (at <= 0 || !isNodeId(text.slice(0, at)) || !/^[1-9][0-9]{0,9}$/.test(text.slice(at + 1))) {
    throw new ValidationError(`${path}: expected an op id <node id>:<seq>`);
  }
  return text;
}
