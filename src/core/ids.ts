import { ValidationError } from './errors';

/** A node's id: derived from its Ed25519 public key (see src/adapters/identity). */
export type NodeId = string & { readonly __brand: 'NodeId' };
/** An entity (track) id, chosen by its creator. */
export type EntityId = string & { readonly __brand: 'EntityId' };
/** A component kind name, e.g. `position`. Kinds starting with `$` are reserved by the store. */
export type ComponentKind = string & { readonly __brand: 'ComponentKind' };

/** Longest node id (today's are 32 hex digits, see adapters/identity); the wire packs up to this many. */
export const MAX_NODE_ID_LENGTH = 64;
const NODE_ID = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_NODE_ID_LENGTH}}$`);
const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const KIND = /^[a-z][A-Za-z0-9_]{0,31}$/;

export function isNodeId(x: unknown): x is NodeId {
  return typeof x === 'string' && NODE_ID.test(x);
}

export function isEntityId(x: unknown): x is EntityId {
  return typeof x === 'string' && ENTITY_ID.test(x);
}

/** A kind a user or peer may write (reserved `$` kinds excluded). */
export function isUserKind(x: unknown): x is ComponentKind {
  return typeof x === 'string' && KIND.test(x);
}

export function asNodeId(x: unknown): NodeId {
  if (!isNodeId(x))
    throw new ValidationError(
      `invalid node id ${describe(x)}: expected 1-${MAX_NODE_ID_LENGTH} characters of [A-Za-z0-9_-]`,
    );
  return x;
}

export function asEntityId(x: unknown): EntityId {
  if (!isEntityId(x)) {
    throw new ValidationError(
      `invalid entity id ${describe(x)}: expected 1-128 characters of [A-Za-z0-9._:@-], starting with a letter or digit`,
    );
  }
  return x;
}

export function asUserKind(x: unknown): ComponentKind {
  if (!isUserKind(x)) {
    throw new ValidationError(
      `invalid component kind ${describe(x)}: expected a lower-case name of at most 32 characters`,
    );
  }
  return x;
}

export function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (x === null) return 'null';
  return typeof x;
}
