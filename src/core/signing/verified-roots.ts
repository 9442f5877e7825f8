import type { NodeId } from '../ids';
import type { LeafForm } from './leaf-form';

/** How many verified batch roots a node remembers (one per author batch: a second of a busy mesh is a few dozen). */
export const VERIFIED_ROOTS_CAPACITY = 4096;

/**
 * The batch roots whose signature this node has checked (docs/security.md, "One signature per
 * batch"), keyed by author, leaf form, leaf count and root, each with the signature that verified. A version
 * proven under a remembered root costs hashing only (its leaf and path), not an Ed25519 check: so
 * do relayed and anti-entropy copies, and the other versions of a batch that arrive in later
 * frames. Bounded, least recently used forgotten first.
 */
export class VerifiedRoots {
  private readonly byRoot = new Map<string, Uint8Array>();

  constructor(readonly capacity = VERIFIED_ROOTS_CAPACITY) {}

  get size(): number {
    return this.byRoot.size;
  }

  /** The signature that verified this root, if remembered. */
  recall(author: NodeId, form: LeafForm, count: number, root: Uint8Array): Uint8Array | undefined {
    const key = rootKey(author, form, count, root);
    const sig = this.byRoot.get(key);
    if (sig === undefined) return undefined;
    this.byRoot.delete(key);
    this.byRoot.set(key, sig);
    return sig;
  }

  remember(author: NodeId, form: LeafForm, count: number, root: Uint8Array, sig: Uint8Array): void {
    const key = rootKey(author, form, count, root);
    if (this.byRoot.has(key)) return;
    this.byRoot.set(key, sig);
    if (this.byRoot.size > this.capacity) this.byRoot.delete(this.byRoot.keys().next().value as string);
  }
}

function rootKey(author: NodeId, form: LeafForm, count: number, root: Uint8Array): string {
  let hex = '';
  for (const b of root) hex += (b < 16 ? '0' : '') + b.toString(16);
  return `${author}\u0000${form}\u0000${count}\u0000${hex}`;
}
