import type { EvidenceStats } from '../../core/store/evidence';
import { sameBytes } from '../../core/bytes/same-bytes';
import type { NodeId } from '../../core/ids';
import { MAX_UNKNOWN_KINDS_PER_AUTHOR, MAX_UNKNOWN_KINDS_PER_ENTITY } from '../../core/entity/kind-cap';
import { MAX_CONTEXT_ENTRIES } from '../../core/merge/context-limits';
import type { Version } from '../../core/merge/version';
import { batchRootSigningBytes } from '../../core/signing/batch-signing';
import type { FrameBatch } from '../../core/signing/frame-batch';
import { LEAF_FORM_BINARY } from '../../core/signing/leaf-form';
import { buildTree } from '../../core/signing/merkle';
import { sha256Engine } from '../../core/signing/sha256';
import {
  HANDSHAKE_NONCE_BYTES,
  MAX_REFUSAL_PROOF_VERSIONS,
  MAX_WAITING_REFUSAL_PROOFS,
  type LimitName,
  type RefusalProof,
  type VerifyVerdict,
} from '../../core/sync';
import { isRosterEntity, ROSTER_OP_KIND } from '../../core/roster/roster-entity';
import { decodeVersions, WireError } from '../../core/wire';
import { FUSED_ID_PREFIX, isFusedId } from '../../core/fusion/fused-id';
import { GATE_AUTHORITY_REASON, gateAuthorityRefusal } from '../../core/task/gate-authority';
import { EXPIRY_IN_PAST_REASON, expiryRefusal } from '../../core/store/expiry-floor';
import type { SignatureVerifier } from '../../ports/signature-verifier';
import type { Signer } from '../../ports/signer';
import {
  DEFAULT_REGISTER_LIMITS,
  NewRegisterLimit,
  type Holding,
  type RegisterLimits,
  REGISTER_HEAP_BYTES,
  type RegisterSplit,
} from './new-entity-limit';
import {
  KeyRing,
  REJECT_REASONS,
  VersionVerifier,
  type RejectReason,
  type Rejection,
  type VerifyOutcome,
} from './version-verifier';

/** Why a verified version was refused for who wrote it (the roster, src/node/roster/membership-gate.ts). */
export type MembershipGate = (versions: readonly Version[]) => {
  readonly accepted: readonly Version[];
  /** `soon`: may pass at the next round (asked for again then); else not asked for again for a long while. */
  readonly rejected: readonly { readonly version: Version; readonly reason: string; readonly soon: boolean }[];
};

/**
 * Limits the node counts outside the sync protocol, by the name they are counted under in
 * securityStats().limitsHit (docs/security.md, "Every limit, in one table").
 */
export const NodeLimitName = {
  /** Keys evicted from the key ring at MAX_KNOWN_KEYS (version-verifier.ts). */
  KnownKeys: 'knownKeys',
  /** Writes refused by the skew hold (skew-hold.ts DEFAULT_HOLD_LIMITS): full (maxHeld), */
  SkewHeld: 'skewHeld',
  /** their author over its share (maxPerAuthor), */
  SkewHeldPerAuthor: 'skewHeldPerAuthor',
  /** over the bytes held in all or by their author (maxBytes, maxBytesPerAuthor). */
  SkewHeldBytes: 'skewHeldBytes',
} as const;
export type NodeLimitName = (typeof NodeLimitName)[keyof typeof NodeLimitName];

/** Limits hit, by name: the sync protocol's (core/sync/limits.ts) and the node's (NodeLimitName). */
export type LimitsHit = Readonly<Record<LimitName | NodeLimitName, number>>;

/** What securityStats() reports (docs/security.md, "Signed versions on ingest"). */
export interface SecurityStats {
  /** Versions refused on ingest, by reason: the verifier's (RejectReason) and the roster gate's. */
  readonly rejected: Readonly<Record<RejectReason, number>> & Readonly<Record<string, number>>;
  /** Ed25519 verifications made, and versions accepted from the verified-versions cache. */
  readonly checked: number;
  readonly cacheHits: number;
  /** Public keys filed, and those we pass on (ours, direct peers', verified authors'). */
  readonly keys: number;
  readonly vouched: number;
  /** Hellos refused because their key does not hash to the claimed id. */
  readonly badHelloKeys: number;
  /**
   * Links ended because the peer's handshake proof did not verify: a replayed hello (someone
   * else's key), a proof from another link, a proof made with another key.
   */
  readonly badProofs: number;
  /** Links ended because admission (MeshNodeOptions.admit) refused the proven peer. */
  readonly notAdmitted: number;
  /**
   * Versions that came with refusals of us (ByeMessage.proof: the roster ops removing us,
   * docs/security.md "A removed device"): `merged` passed every check; `refused` did not (not
   * decodable, not a roster op, or refused by the verifier or the roster gate: by reason in
   * `rejected` too); `dropped`, proofs that came while one was being checked.
   */
  readonly refusalProofs: { readonly merged: number; readonly refused: number; readonly dropped: number };
  /** Links closed for repeated invalid input (refused versions count as invalid input). */
  readonly peersPenalised: number;
  /**
   * New registers (entity, kind) refused because their author was over its bound or the entity
   * over its unknown kinds (NewRegisterLimit); their versions are counted in `rejected['entity-limit']`,
   * `rejected['kinds-per-entity']` and `rejected['kinds-per-author']`.
   */
  readonly newRegistersRefused: number;
  /** The SHA-256 the node hashes leaves and tree nodes with (core/signing/sha256.ts): WebAssembly once compiled. */
  readonly sha256: 'wasm' | 'js';
  /**
   * New registers taken from the node's budget (NODE_REGISTER_BUDGET, each author its fair share
   * before its bucket applies), and by how many authors.
   */
  readonly registerBudget: { readonly registers: number; readonly authors: number; readonly limit: number };
  /**
   * Twins the merge met: deliveries of a content under a timestamp (entity, kind, clock) that a
   * register held with another content, whatever the verifier's cache still remembered; counted per
   * delivery (docs/security.md, "Twins and evidence"). 0 for a mesh whose node does not say.
   */
  readonly equivocations: number;
  /**
   * Evidence the store keeps (core/store/evidence.ts): versions refused or dropped whose contexts
   * taught it something, stored and served so every replica learns the same; how many authors were
   * charged for it, deliveries refused at the bound, and the bounds.
   */
  readonly evidence: Omit<EvidenceStats, 'equivocations'>;
  /**
   * Every limit hit, by name (docs/security.md, "Every limit, in one table"): the sync limits as in
   * syncStatus().limitsHit (open links, links refused while backing off, the node's sync index),
   * the key ring's bound, and writes the skew hold refused at its bounds.
   */
  readonly limitsHit: LimitsHit;
}

/** What the mesh's security counts by itself (the mesh node adds the rest of SecurityStats). */
export type MeshSecurityStats = Omit<SecurityStats, 'equivocations' | 'evidence' | 'limitsHit'>;

/**
 * A rule that reads a version alone, so every node of this build refuses the same ones: `refusal`
 * says why a version is refused (undefined: not refused), `describe` names the first one in the log
 * line `refused N <what> from <link> <why> (<first>)`.
 */
interface VersionRule {
  readonly reason: string;
  readonly refusal: (v: Version) => string | undefined;
  readonly describe: (v: Version, why: string) => string;
  readonly what: string;
  readonly why: string;
}

/**
 * `approval` and intercept `task` versions their author may not write (core/task/gate-authority.ts:
 * a decision attributed to another node, a request or task written by a node that is not its
 * actor, a follower's time-out before the deadline and grace), counted as `gate-authority`.
 */
const gateForgeries: VersionRule = {
  reason: GATE_AUTHORITY_REASON,
  refusal: gateAuthorityRefusal,
  describe: (v, why) => `${v.entity}/${v.kind} by ${v.ts.node}: ${why}`,
  what: 'approval/task versions',
  why: 'that their authors may not write',
};

/**
 * Expiries whose deadline is not after their own write (core/store/expiry-floor.ts, expiryRefusal),
 * counted as `expiry-in-past`. The store would refuse them too: they would split floors. No honest
 * node of this build writes one: its door refuses them against the write's stamp.
 */
const pastExpiries: VersionRule = {
  reason: EXPIRY_IN_PAST_REASON,
  refusal: expiryRefusal,
  describe: (v, why) => `${v.entity} by ${v.ts.node}: ${why}`,
  what: 'expiries',
  why: 'whose deadline is not after their own write',
};

/** Reasons that prove the sending link at fault: an honest relay verifies before it relays, so never sends one. */
const LINK_AT_FAULT: ReadonlySet<RejectReason> = new Set([
  'unsigned',
  'malformed-signature',
  'bad-signature',
  'self-author',
  'forged-author',
]);

/**
 * The mesh's side of signed versions (docs/security.md): the key ring (a key filed only under
 * the id it hashes to), the verifier every remote version passes before the merge, and the keys
 * a node passes on so that relayed authors can be verified everywhere:
 *
 * - every hello carries the sender's key, accepted only if it hashes to the claimed id (which
 *   binds the link to that id); a direct peer is thereby vouched for;
 * - a link sends an author's key just ahead of a version by that author, if the peer is not known
 *   to hold it (PeerSession.ahead, core/sync/peer-keys.ts): only keys vouched for here (ours, our
 *   direct peers', authors of versions that verified here) are passed on, so a flood of made-up
 *   keys is filed (bounded) but never spread; `keys` frames are `control`, ahead of the versions.
 *
 * It also holds the node's side of the link handshake's proof of key possession (sync protocol 4,
 * core/signing/link-proof.ts): a fresh nonce per link, our proof signed with the node's key, the
 * peer's proof verified under the key its hello carried; failures counted (`badProofs`).
 */
export class MeshSecurity {
  readonly keys: KeyRing;
  readonly verifier: VersionVerifier;
  private badHelloKeys = 0;
  private badProofs = 0;
  private notAdmitted = 0;
  private readonly refusals = { merged: 0, refused: 0, dropped: 0 };
  private checkingRefusal = false;
  /**
   * Proofs that came while one was being checked, by refuser, oldest first: checked in turn, at
   * most MAX_WAITING_REFUSAL_PROOFS refusers' (a refuser's later proof replaces its own earlier one).
   */
  private readonly waitingRefusals = new Map<
    NodeId,
    { readonly proof: RefusalProof; readonly merge: (v: readonly Version[]) => void }
  >();
  /**
   * Peers this node refused at admission as removed members (`refused`, with `removed`): a proof
   * one of them sends is never merged. A removed member may still sign roster ops stamped below
   * its cut-off, which the gate takes (docs/security.md, "Known limit"); refusing it at the
   * handshake is what bounds how long it can hand them over, and its bye must not reopen that.
   * Bounded by the removed members of the roster (no other peer is refused as removed).
   */
  private readonly refusedRemoved = new Set<NodeId>();
  peersPenalised = 0;
  /**
   * The roster's check of who may write (the worker sets it, RosterService.gate): run on versions
   * that verified, before they are merged. None: everyone whose signature verifies (an open lattice).
   */
  gate: MembershipGate | undefined;
  /** Versions the gate and the new-entity limit refused, by reason. */
  private readonly gateRejected: Record<string, number> = {};
  /** New registers per author (docs/security.md, "New registers per author"). */
  private readonly newRegisters: NewRegisterLimit;
  /** What the store holds of an entity (the MeshNode sets it from its store); none: every register is new. */
  holding: Holding = () => undefined;
  /**
   * Among how many authors the node's new-register budget is shared (the worker: the roster's other
   * members in a closed lattice, RosterService.sharers; undefined: the authors met, an open lattice).
   */
  registerSharers(sharers: () => number | undefined): void {
    this.newRegisters.sharers = sharers;
  }

  private saveKeys: () => void = () => undefined;

  /** A key first vouched for: kept across restarts (each link sends it ahead of its author's versions). */
  private vouched(): void {
    this.saveKeys();
  }

  private constructor(
    readonly self: NodeId,
    readonly publicKey: Uint8Array,
    private readonly crypto: SignatureVerifier,
    private readonly signer: Signer,
    private readonly randomBytes: (n: number) => Uint8Array,
    private readonly now: () => number,
    private readonly log: (message: string, detail?: unknown) => void,
    private readonly registerLimits: RegisterLimits,
  ) {
    this.keys = new KeyRing(crypto);
    this.verifier = new VersionVerifier(self, crypto, this.keys);
    this.newRegisters = new NewRegisterLimit(self, registerLimits);
  }

  /** Our key must stand for our id: a node that could not verify its own writes is misconfigured. */
  static async create(options: {
    readonly self: NodeId;
    readonly publicKey: Uint8Array;
    readonly crypto: SignatureVerifier;
    /** The node's key (its public half is `publicKey`): signs our handshake proofs. */
    readonly signer: Signer;
    /** Fresh random bytes (the worker: crypto.getRandomValues): each link's hello nonce. */
    readonly randomBytes: (n: number) => Uint8Array;
    readonly now: () => number;
    readonly log?: (message: string, detail?: unknown) => void;
    /** Keys vouched for before a restart (LatticeNode.authorKeys): filed under their hashes again. */
    readonly stored?: readonly Uint8Array[];
    /** Keeps the vouched keys each time one is added (LatticeNode.saveAuthorKeys). */
    readonly save?: (keys: readonly Uint8Array[]) => Promise<void>;
    /** New registers per author (default DEFAULT_REGISTER_LIMITS). */
    readonly registerLimits?: RegisterLimits;
  }): Promise<MeshSecurity> {
    if (!sameBytes(options.signer.publicKey, options.publicKey)) throw new Error('the signer holds another key');
    const s = new MeshSecurity(
      options.self,
      options.publicKey,
      options.crypto,
      options.signer,
      options.randomBytes,
      options.now,
      options.log ?? (() => undefined),
      options.registerLimits ?? DEFAULT_REGISTER_LIMITS,
    );
    const id = await s.keys.learn(options.publicKey);
    if (id !== options.self) throw new Error(`our key stands for ${id}, not our id ${options.self}`);
    s.keys.vouch(id);
    s.keys.pin(id);
    for (const key of options.stored ?? []) s.keys.vouch(await s.keys.learn(key));
    const save = options.save;
    if (save !== undefined) {
      s.saveKeys = () =>
        void save(s.keys.vouched()).catch((error: unknown) => s.log('keeping the vouched keys failed', error));
    }
    return s;
  }

  /**
   * Files and vouches for an author's key that came by another trusted path (a roster entry, the
   * versions of an imported picture): its id is still the key's hash.
   */
  async trust(publicKey: Uint8Array): Promise<NodeId> {
    const id = await this.keys.learn(publicKey);
    if (this.keys.vouch(id)) this.vouched();
    return id;
  }

  /** A peer's hello: its key must hash to the id it claims. */
  hello(key: Uint8Array, node: NodeId, done: (ok: boolean, now: number) => void): void {
    this.settle(this.keys.learn(key), (id) => {
      const ok = id === node;
      if (!ok) {
        this.badHelloKeys += 1;
        this.log(`refused a hello: its key stands for ${id}, not for ${node}`);
      } else {
        this.keys.pin(node); // while a link to it is open (unlinked)
        if (this.keys.vouch(node)) this.vouched();
      }
      done(ok, this.now());
    });
  }

  /** A fresh nonce for a link's hello: the peer's proof must sign it. */
  nonce(): Uint8Array {
    const nonce = this.randomBytes(HANDSHAKE_NONCE_BYTES);
    if (nonce.length !== HANDSHAKE_NONCE_BYTES) throw new Error(`randomBytes gave ${nonce.length} bytes`);
    return nonce;
  }

  /** Signs our handshake proof with the node's key; undefined (logged) if signing failed. */
  prove(bytes: Uint8Array, done: (sig: Uint8Array | undefined, now: number) => void): void {
    let signed: Uint8Array | Promise<Uint8Array>;
    try {
      signed = this.signer.sign(bytes);
    } catch (error) {
      this.log('signing our handshake proof failed', error);
      return done(undefined, this.now());
    }
    if (!(signed instanceof Promise)) return done(signed, this.now());
    signed.then(
      (sig) => done(sig, this.now()),
      (error: unknown) => {
        this.log('signing our handshake proof failed', error);
        done(undefined, this.now());
      },
    );
  }

  /**
   * Signs a frame batch of our own versions (docs/security.md, "Frame batches"). The signed bytes
   * are built here, from our id, the batch's leaf count and the root of its leaves as given, so
   * this key signs only batch roots in our own name over a tree it has checked, and only over
   * versions all ours; which of our versions may be re-signed at all is FrameSigner's (signedHere).
   */
  signOwnBatch(batch: FrameBatch): Uint8Array | Promise<Uint8Array> {
    if (batch.author !== this.self || batch.versions.some((v) => v.ts.node !== this.self))
      throw new Error('a frame batch of versions not all ours');
    if (batch.leaves.length !== batch.versions.length) throw new Error('a frame batch with a leaf per version');
    const levels = buildTree(batch.leaves);
    const root = levels[levels.length - 1]![0]!;
    if (!sameBytes(root, batch.root)) throw new Error('a frame batch whose root is not its leaves’');
    return this.signer.sign(batchRootSigningBytes(this.self, batch.versions.length, root, LEAF_FORM_BINARY));
  }

  /**
   * A peer's handshake proof: `sig` over `bytes` under the key of its hello (already bound to
   * `node` by `hello`). A failure ends the link; it is counted and logged with the peer's id.
   */
  checkProof(
    key: Uint8Array,
    bytes: Uint8Array,
    sig: Uint8Array,
    node: NodeId,
    done: (ok: boolean, now: number) => void,
  ): void {
    const verdict = (ok: boolean): void => {
      if (!ok) {
        this.badProofs += 1;
        this.log(`refused ${node}: its handshake proof does not verify under its key (a replayed hello or proof?)`);
      }
      done(ok, this.now());
    };
    let checked: boolean | Promise<boolean>;
    try {
      checked = this.crypto.verify(key, bytes, sig);
    } catch (error) {
      this.log('checking a handshake proof failed', error);
      return verdict(false);
    }
    if (!(checked instanceof Promise)) return verdict(checked);
    checked.then(verdict, (error: unknown) => {
      this.log('checking a handshake proof failed', error);
      verdict(false);
    });
  }

  /** Admission refused a proven peer (MeshNode's admit hook): counted and logged. */
  refused(node: NodeId, reason: string, removed = false): void {
    this.notAdmitted += 1;
    if (removed) this.refusedRemoved.add(node);
    this.log(`refused ${node} at admission: ${reason}`);
  }

  /**
   * The proof a refusal of us carried (ByeMessage.proof): signed roster ops from a peer that did
   * not admit us, so a new input path, bounded and checked as any ingest (docs/security.md, "A
   * removed device"). One at a time: the latest that comes meanwhile waits and is checked next, an
   * older one waiting then dropped (counted). At most
   * MAX_REFUSAL_PROOF_VERSIONS versions, roster ops only; keys filed (each only under the id it
   * hashes to; no more than the proof has authors), then the versions verified and gated like any
   * from a link (`verify`), and only what passed handed to `merge`. What is refused is counted
   * (`refusalProofs.refused`) and logged; never charged to a link (the link is over).
   */
  refusalProof(proof: RefusalProof, from: NodeId, merge: (versions: readonly Version[]) => void): void {
    if (this.refusedRemoved.has(from)) {
      this.refusals.refused += 1;
      this.log(`refused the proof ${from} sent with its refusal: this node refused ${from} as a removed member`);
      return;
    }
    if (this.checkingRefusal) {
      // It waits for its turn: the one being checked may fail (a hostile refuser's), and the
      // removed device would otherwise learn only at a later refusal. One waiting slot per refuser,
      // so a stranger's junk proof cannot push out a member's; past the bound the new one is
      // dropped (counted), not one already waiting.
      const own = this.waitingRefusals.get(from);
      if (own !== undefined || this.waitingRefusals.size >= MAX_WAITING_REFUSAL_PROOFS) {
        this.refusals.dropped += 1;
        this.log(
          own !== undefined
            ? `dropped a refusal's proof from ${from}: a later one from it waits instead`
            : `dropped a refusal's proof from ${from}: ${MAX_WAITING_REFUSAL_PROOFS} others wait`,
        );
        if (own === undefined) return;
        this.waitingRefusals.delete(from);
      }
      this.waitingRefusals.set(from, { proof, merge });
      return;
    }
    let versions: Version[];
    try {
      versions = decodeVersions(proof.batch, { maxVersions: MAX_REFUSAL_PROOF_VERSIONS });
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      this.refusals.refused += 1;
      this.log(`refused the proof ${from} sent with its refusal: not a versions batch`, error.message);
      return;
    }
    const roster = versions.filter((v) => isRosterEntity(v.entity) && v.kind === ROSTER_OP_KIND);
    if (roster.length < versions.length) {
      this.refusals.refused += versions.length - roster.length;
      this.log(`refused ${versions.length - roster.length} versions ${from} sent with its refusal: not roster ops`);
    }
    if (roster.length === 0) return;
    this.checkingRefusal = true;
    const authors = new Set(roster.map((v) => v.ts.node)).size;
    this.learnKeys(proof.keys.slice(0, authors), () =>
      this.verify(roster, from, (verdict) => {
        this.checkingRefusal = false;
        this.refusals.refused += verdict.rejected.length;
        this.refusals.merged += verdict.accepted.length;
        if (verdict.rejected.length > 0) {
          const reasons = [...new Set(verdict.rejected.map((r) => r.reason))].join(', ');
          this.log(`refused ${verdict.rejected.length} roster ops ${from} sent with its refusal (${reasons})`);
        }
        // Refused as removed while its proof was being checked (its bye came before our verdict).
        if (this.refusedRemoved.has(from) && verdict.accepted.length > 0) {
          this.refusals.refused += verdict.accepted.length;
          this.refusals.merged -= verdict.accepted.length;
          this.log(`refused the proof ${from} sent with its refusal: this node refused ${from} as a removed member`);
        } else if (verdict.accepted.length > 0) merge(verdict.accepted);
        const [next] = this.waitingRefusals;
        if (next !== undefined) {
          this.waitingRefusals.delete(next[0]);
          this.refusalProof(next[1].proof, next[0], next[1].merge);
        }
      }),
    );
  }

  /** The last link to `node` closed: its key may be evicted again (it comes back with the next hello). */
  unlinked(node: NodeId): void {
    this.keys.unpin(node);
  }

  learnKeys(keys: readonly Uint8Array[], done: (now: number) => void): void {
    const learnt = keys.map((k) => this.keys.learn(k));
    const later = learnt.filter((x): x is Promise<NodeId> => x instanceof Promise);
    if (later.length === 0) return done(this.now());
    Promise.all(later).then(
      () => done(this.now()),
      (error: unknown) => {
        this.log('filing keys failed', error);
        done(this.now());
      },
    );
  }

  /**
   * Checks versions from the link to `from` before they are merged: the new-register bound is
   * read first (charging nothing), so a flood over its author's bound costs no signature check;
   * what passes is verified, gated by the roster, and only then charged to its authors.
   */
  verify(input: readonly Version[], from: NodeId, done: (verdict: VerifyVerdict, now: number) => void): void {
    const fused = [
      ...this.refuseFusedIds(input, from),
      ...this.refuseLargeContexts(input, from),
      ...this.refuseByRule(input, from, gateForgeries),
      ...this.refuseByRule(input, from, pastExpiries),
    ];
    const refused = new Set(fused.map((r) => r.version));
    const versions = fused.length === 0 ? input : input.filter((v) => !refused.has(v));
    const pre = this.newRegisters.precheck(versions, this.holding, this.now());
    if (pre.refused.length > 0) this.countRegisterRefusals(pre, from);
    const checked = (outcome: VerifyOutcome): void => {
      const verdict = this.afterSignatures(outcome, from);
      // Going over the new-register bound is not charged to any link, the author's own included: an
      // honest sensor's first sync of a large picture goes over it too, and is fetched again after
      // the hold-back (docs/security.md, "New registers per author").
      done(
        { ...verdict, rejected: [...fused, ...registerRejections(pre, 'this-link'), ...verdict.rejected] },
        this.now(),
      );
    };
    if (pre.accepted.length === 0) return checked({ accepted: [], rejected: [] });
    this.verifier.verify(pre.accepted, from, checked, (error) => {
      // Our failure, not the peer's: nothing merged, nothing charged; the next round asks again.
      this.log('verifying versions failed', error);
      done({ accepted: [], rejected: [...fused, ...registerRejections(pre, 'this-link')] }, this.now());
    });
  }

  /**
   * Versions under a fused id (core/fusion/fused-id.ts): refused before any check, whoever signed
   * them, counted as `fused-id` and logged. Charged to the link when it is their author (no honest
   * node of this build writes one); a relay may hold one from a node without this check. Set aside
   * on the sending link only (unchecked, so possibly not its author's).
   */
  private refuseFusedIds(versions: readonly Version[], from: NodeId): VerifyVerdict['rejected'] {
    const out: VerifyVerdict['rejected'][number][] = [];
    for (const v of versions) {
      if (!isFusedId(v.entity)) continue;
      out.push({ version: v, reason: 'fused-id', penalise: v.ts.node === from, later: 'this-link' });
    }
    if (out.length === 0) return out;
    this.gateRejected['fused-id'] = (this.gateRejected['fused-id'] ?? 0) + out.length;
    const first = out[0]!.version;
    this.log(
      `refused ${out.length} versions from ${from} under fused ids (${first.entity}/${first.kind} by ${first.ts.node} first): ` +
        `ids starting with ${FUSED_ID_PREFIX} are fusion's derived tracks, never written`,
    );
    return out;
  }

  /**
   * Versions whose context names more than MAX_CONTEXT_ENTRIES authors (core/merge/context-limits.ts):
   * refused before any check, counted as `context-too-large`, logged and charged to the sending link
   * as invalid input. Every node of this build refuses them (the store reads such a context as
   * malformed, hasHonestContext) and no honest writer makes one (its contexts are trimmed,
   * Knowledge.contextFor), so no honest link sends one. Set aside on the sending link only.
   */
  private refuseLargeContexts(versions: readonly Version[], from: NodeId): VerifyVerdict['rejected'] {
    const out: VerifyVerdict['rejected'][number][] = [];
    for (const v of versions) {
      if (v.seen.length <= MAX_CONTEXT_ENTRIES || isFusedId(v.entity)) continue;
      out.push({ version: v, reason: 'context-too-large', penalise: true, later: 'this-link' });
    }
    if (out.length === 0) return out;
    this.gateRejected['context-too-large'] = (this.gateRejected['context-too-large'] ?? 0) + out.length;
    const first = out[0]!.version;
    this.log(
      `refused ${out.length} versions from ${from} whose contexts name more than ${MAX_CONTEXT_ENTRIES} authors ` +
        `(${first.entity}/${first.kind} by ${first.ts.node} first, ${first.seen.length}): no honest writer makes one`,
    );
    return out;
  }

  /**
   * Versions a rule that reads the version alone refuses (gateForgeries, pastExpiries, defined before the class):
   * refused before any check, counted under the rule's reason and logged once with the first
   * one. Versions refused above (fused ids, large contexts) are left to those. Charged to the link
   * when it is their author (no honest node of this build writes one); a relay may hold one from a
   * node without this check. Set aside on the sending link only (unchecked, so possibly not its
   * author's), like fused ids.
   */
  private refuseByRule(versions: readonly Version[], from: NodeId, rule: VersionRule): VerifyVerdict['rejected'] {
    const out: VerifyVerdict['rejected'][number][] = [];
    let first: string | undefined;
    for (const v of versions) {
      if (isFusedId(v.entity) || v.seen.length > MAX_CONTEXT_ENTRIES) continue; // refused above
      const why = rule.refusal(v);
      if (why === undefined) continue;
      first ??= rule.describe(v, why);
      out.push({ version: v, reason: rule.reason, penalise: v.ts.node === from, later: 'this-link' });
    }
    if (out.length === 0) return out;
    this.gateRejected[rule.reason] = (this.gateRejected[rule.reason] ?? 0) + out.length;
    this.log(`refused ${out.length} ${rule.what} from ${from} ${rule.why} (${first})`);
    return out;
  }

  /** The roster's gate and the charge for new registers, on what the signature check left. */
  private afterSignatures(outcome: VerifyOutcome, from: NodeId): VerifyVerdict {
    // An equivocation is counted (and charged to its author's own link) but still merged: the
    // merge keeps the same one of two contents under one timestamp on every node
    // (compareContent), whereas refusing whichever came second would split the picture by
    // arrival order for good. The signed pair is the evidence for removing the author.
    let accepted = [...outcome.accepted];
    const rejected = outcome.rejected.filter((r) => {
      if (r.reason !== 'equivocation') return true;
      accepted.push(r.version);
      return false;
    });
    // Who may write: refused here, the author's key is not vouched for nor its versions relayed.
    // Not the link's fault (an honest relay may hold an admission we have not seen yet).
    const gated = this.gate?.(accepted);
    if (gated !== undefined && gated.rejected.length > 0) {
      accepted = [...gated.accepted];
      for (const r of gated.rejected) this.gateRejected[r.reason] = (this.gateRejected[r.reason] ?? 0) + 1;
      this.logGated(gated.rejected, from);
    }
    // How many registers one author can make us hold, charged only now that the signatures verified
    // (after the gate: a stranger's are refused there and cost no tokens). Not the link's fault: an
    // honest relay passes a member's burst on.
    const charged = this.newRegisters.charge(accepted, this.holding, this.now());
    if (charged.refused.length > 0) {
      accepted = charged.accepted;
      this.countRegisterRefusals(charged, from);
    }
    let fresh = false;
    for (const v of accepted) if (this.keys.vouch(v.ts.node)) fresh = true;
    if (fresh) this.vouched();
    if (outcome.rejected.length > 0) this.logRejected(outcome.rejected, from);
    return {
      accepted,
      rejected: [
        ...rejected.map(({ version, reason }) => ({
          version,
          reason,
          penalise: LINK_AT_FAULT.has(reason),
          // Asked for again at the next round: an unknown author's key comes by then (the sender
          // sends it again ahead of a version we lack, docs/security.md "Keys on the wire"); a
          // forgery is charged to its link.
          later: 'next-round' as const,
        })),
        // What may pass soon (an admission on its way) is asked for at the next round; what will
        // not (a removed member's late write) is set aside instead.
        ...(gated?.rejected ?? []).map((r) => ({
          version: r.version,
          reason: r.reason,
          penalise: false,
          later: r.soon ? ('next-round' as const) : ('hold-back' as const),
        })),
        ...registerRejections(charged, 'hold-back'),
      ],
      // The author's own link sent both contents: charged like a forgery.
      penalty: outcome.rejected.filter((r) => r.reason === 'equivocation' && r.version.ts.node === from).length,
    };
  }

  private countRegisterRefusals(split: RegisterSplit, from: NodeId): void {
    for (const r of split.refused) this.gateRejected[r.reason] = (this.gateRejected[r.reason] ?? 0) + 1;
    this.logRegisterLimit(split, from);
  }

  stats(): MeshSecurityStats {
    const v = this.verifier;
    const rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, v.rejectedByReason[r]])) as Record<
      RejectReason,
      number
    >;
    return {
      rejected: { ...rejected, ...this.gateRejected },
      checked: v.checked,
      cacheHits: v.cacheHits,
      keys: this.keys.size,
      vouched: this.keys.vouchedCount,
      badHelloKeys: this.badHelloKeys,
      badProofs: this.badProofs,
      notAdmitted: this.notAdmitted,
      refusalProofs: { ...this.refusals },
      peersPenalised: this.peersPenalised,
      newRegistersRefused: this.newRegisters.hits,
      sha256: sha256Engine(),
      registerBudget: { ...this.newRegisters.budgetUsed, limit: this.registerLimits.nodeBudget ?? 0 },
    };
  }

  private logGated(rejected: readonly { readonly version: Version; readonly reason: string }[], from: NodeId): void {
    const byReason: Record<string, number> = {};
    for (const r of rejected) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    const first = rejected[0]!.version;
    this.log(`roster refused ${rejected.length} versions from ${from}`, {
      byReason,
      first: `${first.entity}/${first.kind} by ${first.ts.node}`,
    });
  }

  private logRegisterLimit(split: RegisterSplit, from: NodeId): void {
    const authors = [...new Set(split.refused.map((r) => r.version.ts.node))];
    const { burst, ratePerSecond, nodeBudget } = this.registerLimits;
    this.log(
      `refused ${split.refused.length} versions of new registers from ${from}: their authors (${authors.join(', ')}) ` +
        `made more than their share of the node's ${nodeBudget ?? 0} new registers and ${burst} more here ` +
        `(~${Math.round((burst * REGISTER_HEAP_BYTES) / 1e6)} MB of heap), ` +
        `then ${ratePerSecond} a second, or an entity held ` +
        `${MAX_UNKNOWN_KINDS_PER_ENTITY} unknown kinds (${MAX_UNKNOWN_KINDS_PER_AUTHOR} by one author); asked for again later`,
    );
  }

  private logRejected(rejected: readonly Rejection[], from: NodeId): void {
    const byReason: Record<string, number> = {};
    for (const r of rejected) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    const first = rejected[0]!.version;
    this.log(`refused ${rejected.length} versions from ${from}`, {
      byReason,
      first: `${first.entity}/${first.kind} by ${first.ts.node}`,
    });
  }

  private settle<T>(x: T | Promise<T>, f: (t: T) => void): void {
    if (!(x instanceof Promise)) return f(x);
    x.then(f, (error: unknown) => this.log('filing a key failed', error));
  }
}

/**
 * Versions over the new-register bound or an entity's kinds cap, never the link's fault (an honest
 * relay passes a member's burst on, and an honest sensor's first sync of a large picture goes over
 * the bound too). Refused by the precheck (`this-link`: not verified, so possibly
 * a forged copy of an honest version; set aside on the sending link only, docs/security.md, "The
 * hold-back") or by the charge after their signatures verified (`hold-back`: the author's bucket
 * refills meanwhile, and a flood's excess is not fetched again round after round).
 */
function registerRejections(split: RegisterSplit, later: 'this-link' | 'hold-back'): VerifyVerdict['rejected'] {
  // Each until when its author's bucket should take it (NewRegisterLimit.retryAt), if known.
  return split.refused.map(({ version, reason, until }) =>
    until === undefined
      ? { version, reason, penalise: false, later }
      : { version, reason, penalise: false, later, until },
  );
}
