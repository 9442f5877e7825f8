import { MAX_COUNTER } from '../core/clock/hlc';
import { compareTs, type Timestamp } from '../core/clock/timestamp';
import { validateComponent } from '../core/entity/validate-component';
import { isEntityId, isNodeId, isUserKind, type NodeId } from '../core/ids';
import { CUT_NODE } from '../core/merge/knowledge';
import { DELETED, type Version } from '../core/merge/version';
import { expiryRefusal } from '../core/store/expiry-floor';
import type { EntityMeta, HeldRecord } from '../ports/storage';
import type { StoredProofCheck } from './security/version-verifier';

/** What the wire can encode (12 hex digits of ms in a versionKey, 48 bits on the wire). */
const MAX_MS = 2 ** 48 - 1;

function isTs(t: unknown): t is Timestamp {
  if (typeof t !== 'object' || t === null) return false;
  const { ms, c, node } = t as Partial<Timestamp>;
  return (
    Number.isInteger(ms) &&
    ms! >= 0 &&
    ms! <= MAX_MS &&
    Number.isInteger(c) &&
    c! >= 0 &&
    c! <= MAX_COUNTER &&
    isNodeId(node)
  );
}

/**
 * Why a version loaded from storage cannot be used, or undefined when it can. A damaged database
 * (a record without a timestamp, an invalid value) must not stop the node from opening, nor load
 * as if valid: the node sets such versions aside, counts them, and anti-entropy brings the data
 * back from peers.
 */
export function storedProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'not a version';
  const { entity, kind, value, ts, seen } = v as Partial<Version>;
  if (!isEntityId(entity)) return 'bad entity id';
  if (kind !== DELETED && !isUserKind(kind)) return 'bad kind';
  if (!isTs(ts)) return 'bad timestamp';
  if (!Array.isArray(seen) || !seen.every(isTs)) return 'bad context';
  if (kind === DELETED) return value === null ? undefined : 'a tombstone with a value';
  try {
    validateComponent(kind, value);
  } catch (error) {
    return error instanceof Error ? error.message : 'invalid value';
  }
  // What no node of this build takes from a peer (core/store/expiry-floor.ts), e.g. stored by an older build.
  return expiryRefusal(v as Version);
}

/** Why a stored held write (HeldRecord) cannot be used, or undefined when it can. */
export function storedHeldProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return 'not a held write';
  const { key, version, skewMs, at } = r as Partial<HeldRecord>;
  if (typeof key !== 'string') return 'bad key';
  if (typeof skewMs !== 'number' || !Number.isFinite(skewMs)) return 'bad skew';
  if (typeof at !== 'number' || !Number.isFinite(at)) return 'bad time held';
  return storedProblem(version);
}

/** Why a stored entity meta (EntityStore.snapshot) cannot be trusted, or undefined when it can. */
export function storedMetaProblem(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null) return 'not an entity meta';
  const { id, floor, floorMarkers, carried, deletedAt, knowledge, evidence } = m as Partial<EntityMeta>;
  if (!isEntityId(id)) return 'bad entity id';
  // A deadline, and so a floor, may be fractional ms (validateComponent takes any finite expiry.at).
  if (floor !== undefined && !(typeof floor === 'number' && floor >= 0 && floor <= MAX_MS)) return 'bad floor';
  if (floorMarkers !== undefined && !(Array.isArray(floorMarkers) && floorMarkers.every(isTs))) {
    return 'bad floor markers';
  }
  // The floor never lies below what an expiry carried (EntityState.carried).
  if (
    carried !== undefined &&
    !(typeof carried === 'number' && carried > 0 && floor !== undefined && carried <= floor)
  ) {
    return 'bad carried floor';
  }
  if (deletedAt !== undefined && !isTs(deletedAt)) return 'bad tombstone time';
  if (!Array.isArray(knowledge)) return 'bad knowledge';
  for (const k of knowledge as unknown[]) {
    if (typeof k !== 'object' || k === null) return 'bad knowledge';
    const { kind, own, seen, cut } = k as Partial<EntityMeta['knowledge'][number]>;
    if (kind !== DELETED && !isUserKind(kind)) return 'bad kind in knowledge';
    if (!Array.isArray(own) || !own.every(isTs)) return 'bad knowledge timestamps';
    if (!Array.isArray(seen) || !seen.every(isTs)) return 'bad knowledge timestamps';
    if (cut !== undefined && !isTs(cut.node === CUT_NODE ? { ...cut, node: 'a' } : cut)) {
      return 'bad knowledge cut';
    }
  }
  if (evidence !== undefined) {
    // Evidence is served to peers, who verify it: one that is not a sound version of this entity is set aside.
    if (!Array.isArray(evidence)) return 'bad evidence';
    for (const e of evidence as unknown[]) {
      if (typeof e !== 'object' || e === null) return 'bad evidence';
      const { version, by } = e as Partial<NonNullable<EntityMeta['evidence']>[number]>;
      if (!isNodeId(by)) return 'bad evidence author';
      const problem = storedProblem(version);
      if (problem !== undefined) return `bad evidence: ${problem}`;
      if (version!.entity !== id) return 'evidence of another entity';
    }
  }
  return undefined;
}

/** Loaded records split into those the node can use and those set aside (each logged, the first ten). */
export function setAsideDamaged<T>(
  loaded: readonly unknown[],
  problem: (record: unknown) => string | undefined,
  what: string,
  log: ((message: string, detail?: unknown) => void) | undefined,
): { readonly sound: T[]; readonly damaged: unknown[] } {
  const sound: T[] = [];
  const damaged: unknown[] = [];
  for (const r of loaded) {
    const why = problem(r);
    if (why === undefined) sound.push(r as T);
    else {
      damaged.push(r);
      if (damaged.length <= 10) log?.(`set aside a damaged ${what}: ${why}`, r);
    }
  }
  return { sound, damaged };
}

/**
 * Checks stored versions' signatures (VersionVerifier.checkStored); see LatticeNodeOptions.checkStored.
 * `signal` is aborted when the node closes: the check may stop early (its answer is then unused).
 */
export type CheckStored = (versions: readonly Version[], signal?: AbortSignal) => Promise<StoredProofCheck>;

/**
 * Records that passed their shape check split again by whether their version's signature verifies
 * (docs/security.md, "Stored proofs on load"): a stored proof that does not verify (64 bytes of
 * junk read back as a per-version signature, a path or a value changed on disk) is set aside as
 * any damaged record (each logged, the first ten), instead of being served to peers who refuse it.
 */
export async function setAsideUnproven<T>(
  records: readonly T[],
  versionOf: (record: T) => Version,
  check: CheckStored | undefined,
  what: string,
  log: ((message: string, detail?: unknown) => void) | undefined,
): Promise<{ readonly sound: T[]; readonly damaged: T[]; readonly checks: number; readonly unjudged: number }> {
  if (check === undefined || records.length === 0) return { sound: [...records], damaged: [], checks: 0, unjudged: 0 };
  const { problems, checks, unjudged } = await check(records.map(versionOf));
  const sound: T[] = [];
  const damaged: T[] = [];
  records.forEach((r, i) => {
    const why = problems[i];
    if (why === undefined) sound.push(r);
    else {
      damaged.push(r);
      const reason = why === 'unsigned' ? 'it carries no signature' : `its signature does not verify (${why})`;
      if (damaged.length <= 10) log?.(`set aside a damaged ${what}: ${reason}`, r);
    }
  });
  return { sound, damaged, checks, unjudged };
}

/**
 * The storage meta key that marks a database of the signature era (docs/security.md, "Databases
 * from before signatures"): written by the open of a database that holds no version (queued before
 * any write of this code, so it is durable no later than the first version), and by the migration
 * of an older database in the commit that makes its signed own versions durable. With it, a stored
 * version without a proof is damage; without it, the database was last written by code that did
 * not set it, and the node's own unsigned versions from before it signed are signed again
 * (ownUnsignedBeforeSigning).
 */
export const SIGNED_STORE_META = 'signedStore';

/** Whether `v` is one of `self`'s versions and carries neither a signature nor a proof. */
export function isOwnUnsigned(v: Version, self: NodeId): boolean {
  return v.ts.node === self && v.sig === undefined && v.proof === undefined;
}

/**
 * This node's own unsigned versions in a database without SIGNED_STORE_META (`ownUnsigned`, see
 * isOwnUnsigned) split by their date against the earliest of its own versions whose proof
 * verifies (`verified`: the stored versions that passed the check; all of them are before when
 * none of ours is among them). `before` are the writes it made before it signed (nodes began to
 * sign under schema version 4, whose format already had the signature column, so within such a
 * database only the dates tell the two apart), newest first: the order their migration commits
 * in, so after a crash part-way the ones still unsigned are all older than the earliest signed one
 * and are migrated again. `after`: its clock only goes forward, so an own unsigned version dated
 * after a signed one was written by code that signs, and its missing proof is damage. One dated at
 * the cut-off is before: the versions of one write call share a timestamp, so a chunk boundary may
 * split them. A version
 * whose proof does not verify (junk read back as a signature) does not count for the cut-off: it
 * would move it back and leave genuine older writes set aside.
 */
export function ownUnsignedBeforeSigning(
  ownUnsigned: readonly Version[],
  verified: readonly Version[],
  self: NodeId,
): { readonly before: Version[]; readonly after: Version[]; readonly cutOff: Timestamp | undefined } {
  let cutOff: Timestamp | undefined;
  for (const v of verified) {
    if (v.ts.node !== self || (v.sig === undefined && v.proof === undefined)) continue;
    if (cutOff === undefined || compareTs(v.ts, cutOff) < 0) cutOff = v.ts;
  }
  const before: Version[] = [];
  const after: Version[] = [];
  for (const v of ownUnsigned) {
    if (cutOff === undefined || compareTs(v.ts, cutOff) <= 0) before.push(v);
    else after.push(v);
  }
  before.sort((a, b) => compareTs(b.ts, a.ts));
  return { before, after, cutOff };
}
