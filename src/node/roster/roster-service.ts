import type { JsonValue } from '../../core/entity/component-types';
import { ValidationError } from '../../core/errors';
import { asNodeId, type ComponentKind, type EntityId, type NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { fingerprint } from '../../core/roster/fingerprint';
import {
  issueInvitation,
  redeemInvitation,
  releaseInvitation,
  type InvitationLedger,
} from '../../core/roster/invitation-ledger';
import { foundingsAdmitting } from '../../core/roster/roster-anchor';
import { decodeToken, encodeToken, invitationUrl } from '../../core/roster/invitation-token';
import {
  isRosterEntity,
  opOfVersion,
  rosterEntityId,
  ROSTER_OP_KIND,
  valueOfOp,
  type RosterOpValue,
} from '../../core/roster/roster-entity';
import {
  compareOps,
  MAX_ROSTER_OPS_PER_AUTHOR,
  opId,
  type RosterBody,
  type RosterOp,
  type RosterOpId,
} from '../../core/roster/roster-op';
import { compareTs, type Timestamp } from '../../core/clock/timestamp';
import { windowsKey, type RemovalWindow } from '../../core/clock/removal-window';
import type { DeviceDirectory } from '../../ports/device-directory';
import { MAX_REFUSAL_PROOF_VERSIONS, NOT_ADMITTED, PEER_BYE } from '../../core/sync';
import type {
  InvitationView,
  JoinRefusalView,
  MembersView,
  RefusedPeerView,
  RosterCalls,
  SelfRemovalView,
} from '../roster-api';
import type { Admission } from '../mesh/mesh-types';
import { admissionPolicy } from '../security/admission-policy';
import type { VersionListener } from '../version-listeners';
import { ledgerFromJson, ledgerToJson, LEDGER_META } from './ledger-record';
import { gateVersions, type GateOutcome } from './membership-gate';
import { opOfHeads, RosterState, type StampedOp } from './roster-state';

/** What the roster needs of the node: its roster ops as store data, and a place in storage meta. */
export interface RosterHost {
  readonly nodeId: NodeId;
  readonly lattice: string;
  versions(): Iterable<Version>;
  /** The current versions (heads) of one register: the roster follows these, not every version kept. */
  headsOf(entity: EntityId, kind: ComponentKind): readonly Version[];
  /**
   * The versions kept of one register, its heads and its evidence: a roster register keeps the
   * earliest version of each op it was delivered (docs/security.md, "An op signed again").
   */
  retainedOf(entity: EntityId, kind: ComponentKind): Iterable<Version>;
  onVersions(listener: VersionListener): () => void;
  /**
   * Whether the versions restored on open still wait for their proofs to be checked, and when that
   * is done (LatticeNode.storedChecked; docs/security.md, "Stored proofs on load"): cut-offs read
   * from storage take nothing out before, as a damaged roster op would cut intact data.
   */
  readonly storedUnchecked?: boolean;
  storedChecked?(): Promise<void>;
  /**
   * Takes out each author's versions stamped after its cut-off and refuses them from now on
   * (undefined: lifts that): called when removals are merged (docs/security.md, "Writes withdrawn
   * at a removal").
   */
  withdraw?(
    cutoffs: ReadonlyMap<NodeId, Timestamp | undefined>,
    o?: {
      readonly done?: ReadonlySet<NodeId>;
      readonly meta?: Readonly<Record<string, JsonValue>>;
      /** Authors' refused windows, replacing those held (docs/security.md, "A removed device invited again"). */
      readonly windows?: ReadonlyMap<NodeId, readonly RemovalWindow[]>;
    },
  ): number;
  /**
   * Told this node's own standing at start and whenever it changes: the removal while it stands
   * removed (its local writes are then refused: docs/security.md, "A removed device"), undefined
   * otherwise.
   */
  standRemoved?(removal: SelfRemovalView | undefined): void;
  /**
   * The node's clock now: the last HLC stamp it issued or merged (past every roster op it holds).
   * Kept with each invitation issued, to tell one issued after a removal from one issued before.
   */
  lastStamp(): Timestamp;
  /** Writes one roster op as an ordinary signed local write; resolves with its stored version once durable. */
  writeRosterOp(value: RosterOpValue): Promise<Version | undefined>;
  loadMeta(key: string): Promise<unknown>;
  saveMeta(key: string, value: JsonValue): Promise<void>;
}

export interface RosterServiceOptions {
  readonly host: RosterHost;
  readonly device: DeviceDirectory;
  /** The invitation this device joins with (from `?invite=`): it does not found, it waits for its inviter's roster. */
  readonly invitation?: string;
  /** The open flag if this node founds the lattice (`?open=1`, the setting at founding). */
  readonly openAtFounding?: boolean;
  readonly now: () => number;
  readonly randomBytes: (n: number) => Uint8Array;
  readonly log?: (message: string, detail?: unknown) => void;
}

/** Sibling ids are read again at most this often when an unknown author shows up. */
export const SIBLING_REFRESH_MS = 1000;
/**
 * How long the links to a member just removed stay open (the worker closes them then): long enough
 * for the removal, pushed live like any write, to reach the removed device, which then stands
 * removed and refuses its own writes (docs/security.md, "A removed device").
 */
export const REMOVAL_NOTICE_MS = 2000;

/**
 * Picks a roster op removing `member` (MeshNode.retire's watch): the link to a removed device
 * closes once that op has left on it, REMOVAL_NOTICE_MS being only the upper bound.
 */
export function removalOf(member: NodeId): (v: Version) => boolean {
  return (v) => {
    if (v.kind !== ROSTER_OP_KIND || !isRosterEntity(v.entity)) return false;
    const value = v.value as { readonly type?: unknown; readonly member?: unknown } | null;
    return value !== null && typeof value === 'object' && value.type === 'remove' && value.member === member;
  };
}
/** Refused peers remembered for the peers panel (latest refusal each). */
const MAX_REFUSED_PEERS = 64;
/** A cut-off before every version (HLC stamps are positive): all of an author's versions withdrawn. */
const BEFORE_ALL: Timestamp = { ms: 0, c: 0, node: '' as NodeId };
/** After every stamp: a removed node whose cut-off is unknown is admitted again by no invitation. */
const MAX_STAMP: Timestamp = { ms: Number.MAX_SAFE_INTEGER, c: Number.MAX_SAFE_INTEGER, node: '' as NodeId };

/**
 * The node's roster (docs/security.md, "The roster in the store"): its ops kept up to date from the
 * store as they merge, local or remote; founding at start; the ingest gate; the admission policy;
 * the member's invitation ledger, persisted in the node's storage meta; and the roster calls.
 */
export class RosterService implements RosterCalls {
  private state: RosterState;
  private siblings = new Set<NodeId>();
  private siblingsReadAt = -Infinity;
  private ledger: InvitationLedger;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly admitting = new Set<NodeId>();
  private readonly refusedPeers = new Map<NodeId, RefusedPeerView>();
  /** Each removed member's cut-off as last withdrawn at (applyCutoffs). */
  private readonly cutoffs = new Map<NodeId, Timestamp>();
  /** Each author's refused windows as last withdrawn at (applyCutoffs, RosterState.windows). */
  private readonly windows = new Map<NodeId, readonly RemovalWindow[]>();
  /** Authors a withdrawal left neither members nor removed: all their versions withdrawn (applyCutoffs). */
  private readonly unadmitted = new Set<NodeId>();
  private withdrawing = false;
  /** Set once open() has chosen this service: until then it applies no cut-off. */
  private cutting = false;
  /** The inviter this device joins through, and its latest refusal of us (members().joinRefused). */
  private readonly inviter: NodeId | undefined;
  private joinRefusal: JoinRefusalView | undefined;
  /** This node's removal as last told to the host (host.standRemoved), to tell it only changes. */
  private toldRemoval: SelfRemovalView | undefined;
  /** The founding the invitation names (undefined for a version-1 one). */
  private readonly named: RosterOpId | undefined;
  /** When members() first found a version-1 invitation's inviter admitted by several foundings. */
  private ambiguousSince: number | undefined;
  private readonly unsubscribe: () => void;
  /** The handshake hook (admission-policy.ts), for the link handshake to call. */
  readonly admit: Admission;
  /** Told when a member is removed (the worker closes the links to it). */
  onRemoved: ((peer: NodeId, by: NodeId) => void) | undefined;
  /** The token this device presents at the handshake while it joins (undefined once it needs none). */
  readonly invitation: string | undefined;

  private constructor(
    private readonly o: RosterServiceOptions,
    anchor: string | undefined,
    ledger: InvitationLedger,
    /** The device's own founding it gives up to join by invitation (replaced once anchored). */
    private readonly abandoned?: string,
  ) {
    const self = o.host.nodeId;
    this.invitation = o.invitation;
    const token = o.invitation === undefined ? undefined : decodeToken(o.invitation);
    const inviter = token?.inviter;
    this.inviter = inviter;
    this.named = token?.anchor;
    // Every op in storage at once: one view for the lot.
    this.state = RosterState.empty(anchor, inviter, token?.anchor).withHeads(this.headOps(o.host.versions()));
    this.ledger = ledger;
    this.unsubscribe = o.host.onVersions((versions, origin, removed) => {
      if (origin === 'expired') return;
      this.note(removed.length === 0 ? versions : [...versions, ...removed], origin === 'withdrawn' ? removed : []);
    });
    this.admit = admissionPolicy({
      lattice: o.host.lattice,
      self,
      inviter,
      view: () => this.state.view,
      removal: (peer) => this.removalProof(peer),
      isSibling: async (peer) => (await this.refreshSiblings(true)).has(peer),
      redeem: async (token, peer) => {
        const result = redeemInvitation(this.ledger, token, {
          now: o.now(),
          redeemer: peer,
          ownerIsMember: this.state.view.members.has(self),
          ambiguousFounding: () => foundingsAdmitting(this.state.roster, self).some((id) => id !== this.state.anchor),
          // A removed node comes back only with a token issued since its removal (docs/security.md, "Admission").
          ...(this.state.view.removed.has(peer) ? { removedAt: this.state.removedAt(peer) ?? MAX_STAMP } : {}),
        });
        if (result.ok) await this.saveLedger(result.ledger);
        return result;
      },
      release: async (token) => {
        await this.saveLedger(releaseInvitation(this.ledger, token));
      },
      add: (peer, nonce) => this.addMember(peer, nonce),
      refused: (peer, reason) => this.noteRefused(peer, reason),
    });
  }

  /**
   * Opens the roster: reads the ops held, the device's anchor and the ledger; a node with no
   * roster held by its device and no invitation founds the lattice (closed unless `openAtFounding`).
   */
  static async open(o: RosterServiceOptions): Promise<RosterService> {
    const { host, device } = o;
    const self = host.nodeId;
    let anchor = await device.anchor(host.lattice);
    const ownFounding = [...host.versions()].flatMap((v) => {
      const parsed = isRosterEntity(v.entity) ? opOfVersion(v, true) : undefined;
      return parsed !== undefined && 'op' in parsed && parsed.op.author === self && parsed.op.body.type === 'found'
        ? [opId(parsed.op)]
        : [];
    })[0];
    // A founding this node wrote before its device kept anchors counts as the device's.
    if (anchor === undefined && ownFounding !== undefined) anchor = await device.anchor(host.lattice, ownFounding);
    const ledger = ledgerFromJson(await host.loadMeta(LEDGER_META), self, host.lattice);
    let service = new RosterService(o, anchor, ledger);
    const siblings = await service.refreshSiblings(false);
    const own = (id: NodeId): boolean => id === self || siblings.has(id);
    const view = service.state.view;
    if (
      o.invitation !== undefined &&
      anchor !== undefined &&
      view.founder !== undefined &&
      own(view.founder) &&
      [...view.members].every(own)
    ) {
      // The device founded this lattice alone (an earlier visit without an invitation) and now
      // joins it by invitation: it gives its own founding up for the inviter's.
      service.close();
      service = new RosterService(o, undefined, ledger, anchor);
      await service.refreshSiblings(false);
    }
    // Storage may hold a removed member's late writes (a restart between the merge of its removal
    // and the commit of the withdrawal, or a build before withdrawals): taken out now. Only by the
    // service that stays: one anchored on a founding given up set cut-offs (refused at the node,
    // taken out of the store) that nothing lifted, so the lattice joined refused a node that was
    // removed only in the one given up (test/unit/node/roster/founding-swap-cutoffs.test.ts).
    // After the stored proofs are checked, when they wait for it: a roster op that fails its check
    // is taken out then, and its cut-off must not have taken intact versions out before. No peer is
    // linked meanwhile, so nothing arrives that the cut-offs would refuse.
    const cutoffs = cutoffsFromJson(await host.loadMeta(CUTOFFS_META));
    const windows = windowsFromJson(await host.loadMeta(WINDOWS_META));
    const cut = (): void => {
      service.cutting = true;
      service.applyCutoffs(cutoffs, windows);
    };
    if (host.storedUnchecked === true && host.storedChecked !== undefined) {
      host.storedChecked().then(cut, () => {
        // The check failed: no peer is ever linked, and nothing is taken out on unchecked word.
      });
    } else cut();
    // A device removed before it closed is still removed: its writes are refused from the first one.
    service.tellStanding();
    if (anchor === undefined && o.invitation === undefined) await service.found(o.openAtFounding ?? false);
    return service;
  }

  /** The roster now. */
  get current(): RosterState {
    return this.state;
  }

  /**
   * Among how many authors the node's new-register budget is shared (new-entity-limit.ts): the
   * members other than this node in a closed lattice; undefined in an open one (or before its
   * founding), where the authors met share it.
   */
  sharers(): number | undefined {
    const { view } = this.state;
    if (view.open || view.founder === undefined) return undefined;
    const self = this.o.host.nodeId;
    return Math.max(1, view.members.size - (view.members.has(self) ? 1 : 0));
  }

  /**
   * The ingest check on versions that verified (membership-gate.ts). Sibling tabs met whose
   * admission is not written get their `add`; an unknown author makes the sibling ids be read again.
   */
  gate(versions: readonly Version[]): GateOutcome {
    const siblings = this.siblings;
    const outcome = gateVersions(versions, this.state, (n) => siblings.has(n), this.o.host.nodeId);
    if (outcome.state !== this.state) this.raiseCutoffs(outcome.state);
    for (const s of outcome.siblings)
      void this.addMember(s).catch((e: unknown) => this.log(`admitting sibling ${s} failed`, e));
    if (outcome.rejected.some((r) => r.soon)) void this.refreshSiblings(false);
    return outcome;
  }

  async invite(base: string): Promise<InvitationView> {
    const self = this.o.host.nodeId;
    const issued = issueInvitation(this.ledger, {
      now: this.o.now(),
      randomBytes: this.o.randomBytes,
      ownerIsMember: this.state.view.members.has(self),
      // The joiner anchors on the founding this member trusts, not on one it gave up.
      ...(this.state.anchor === undefined ? {} : { anchor: this.state.anchor }),
      // Past every removal this node has merged: the token may admit again a node removed before now.
      stamp: this.o.host.lastStamp(),
    });
    if (!issued.ok) {
      throw new ValidationError(
        issued.reason === 'not-a-member'
          ? `only a member of lattice ${this.o.host.lattice} can invite, and this node is not one`
          : 'too many open invitations: wait for some to be used or to expire',
      );
    }
    await this.saveLedger(issued.ledger);
    return {
      token: encodeToken(issued.token),
      url: invitationUrl(base, issued.token),
      expiresAt: issued.token.expiresAt,
    };
  }

  async members(): Promise<MembersView> {
    const { view } = this.state;
    const self = this.o.host.nodeId;
    const removal = this.selfRemoval();
    return {
      lattice: this.o.host.lattice,
      self,
      founder: view.founder,
      open: view.open,
      members: [...view.members].sort().map((id) => ({
        id,
        fingerprint: fingerprint(id),
        founder: id === view.founder,
        self: id === self,
      })),
      removed: [...view.removed].map(([id, by]) => ({ id, fingerprint: fingerprint(id), by })),
      rejected: [...view.rejected].map(([op, reason]) => ({ op, reason })),
      // A peer refused and admitted since (a removed device invited again) is listed as a member only.
      refused: [...this.refusedPeers.values()].filter((r) => !view.members.has(r.id)),
      ...(view.founder === undefined ? this.joinRefusedView() : {}),
      ...(removal === undefined ? {} : { selfRemoved: removal }),
    };
  }

  /**
   * The signed roster ops that establish `peer`'s removal, for its refusal at admission to carry
   * (docs/security.md, "A removed device"): the remove that took effect last, then the admissions
   * of each op's author (latest first), breadth first back to the founding — what a device that was
   * offline while the remover joined and removed it lacks. At most MAX_REFUSAL_PROOF_VERSIONS
   * versions (the refused side takes no more); empty unless `peer` stands removed.
   */
  removalProof(peer: NodeId): Version[] {
    const state = this.state;
    const last = state.view.removed.has(peer) ? state.lastRemove(peer) : undefined;
    if (last === undefined) return [];
    const ops: RosterOp[] = [last];
    const taken = new Set<RosterOpId>([opId(last)]);
    const authors: NodeId[] = [last.author];
    const asked = new Set<NodeId>(authors);
    const { rejected } = state.view;
    for (let i = 0; i < authors.length && ops.length < MAX_REFUSAL_PROOF_VERSIONS; i++) {
      const author = authors[i]!;
      const admissions = [...state.roster]
        .filter(([id, op]) => {
          if (rejected.has(id) || taken.has(id)) return false;
          return op.body.type === 'found' ? op.author === author : op.body.type === 'add' && op.body.member === author;
        })
        .map(([, op]) => op)
        .sort((a, b) => compareOps(b, a));
      for (const op of admissions) {
        if (ops.length >= MAX_REFUSAL_PROOF_VERSIONS) break;
        ops.push(op);
        taken.add(opId(op));
        if (!asked.has(op.author)) {
          asked.add(op.author);
          authors.push(op.author);
        }
      }
    }
    const versions: Version[] = [];
    for (const op of ops) versions.push(...this.o.host.headsOf(rosterEntityId(op), ROSTER_OP_KIND));
    return versions.slice(0, MAX_REFUSAL_PROOF_VERSIONS);
  }

  /** This node's own removal, if it stands removed (its roster's view, the removal's cut-off). */
  selfRemoval(): SelfRemovalView | undefined {
    const self = this.o.host.nodeId;
    const by = this.state.view.removed.get(self);
    const at = by === undefined ? undefined : this.state.removedAt(self);
    if (by === undefined || at === undefined) return undefined;
    return { by, byFingerprint: fingerprint(by), at: at.ms };
  }

  /** Tells the host this node's standing if it changed (RosterHost.standRemoved). */
  private tellStanding(): void {
    const now = this.selfRemoval();
    const was = this.toldRemoval;
    if (now?.by === was?.by && now?.at === was?.at) return;
    this.toldRemoval = now;
    this.o.host.standRemoved?.(now);
  }

  /**
   * Why this joiner is not in yet, if it knows: its inviter's refusal at the handshake, or else (a
   * version-1 invitation, which names no founding) several foundings held that admit its inviter,
   * of which it takes none (roster-anchor.ts pickAnchor): it would otherwise wait for good and say
   * nothing (docs/security.md, "Invitations", `names-no-founding`).
   */
  private joinRefusedView(): { joinRefused?: JoinRefusalView } {
    if (this.joinRefusal !== undefined) return { joinRefused: this.joinRefusal };
    const { inviter } = this;
    if (inviter === undefined || this.named !== undefined || this.state.anchor !== undefined) return {};
    if (foundingsAdmitting(this.state.roster, inviter).length < 2) return {};
    this.ambiguousSince ??= this.o.now();
    return {
      joinRefused: {
        by: inviter,
        reason:
          'names-no-founding: the invitation is from an older version and names no founding, and more than one ' +
          'founding held admits the inviter: this device cannot tell which is the lattice’s; ask for a new invitation',
        at: this.ambiguousSince,
      },
    };
  }

  /**
   * A link ended (MeshNodeOptions.onLinkClosed). While this node joins, a refusal by its inviter at
   * the handshake (a used or expired invitation, …) is kept for members(): the device is told why
   * it is not admitted for as long as it waits, not only until its next attempt ends otherwise.
   */
  linkClosed(peer: NodeId, reason: string): void {
    const refusedBy = `${PEER_BYE}${NOT_ADMITTED}`;
    if (peer !== this.inviter || this.state.view.founder !== undefined || !reason.startsWith(refusedBy)) return;
    this.joinRefusal = { by: peer, reason: reason.slice(refusedBy.length), at: this.o.now() };
    this.log(`not admitted by the inviter ${peer}: ${this.joinRefusal.reason}`);
  }

  async removeMember(nodeId: string): Promise<void> {
    const member = asNodeId(nodeId);
    const { view, roster } = this.state;
    const self = this.o.host.nodeId;
    if (!view.members.has(self))
      throw new ValidationError('only a member can remove a member, and this node is not one');
    if (!view.members.has(member))
      throw new ValidationError(`${member} is not a member of lattice ${this.o.host.lattice}`);
    if (member === self && view.founder === self) throw new ValidationError('the founder cannot remove itself');
    // The admissions of it we have seen (and that count): the remove undoes those.
    // A twin `add` of it under another op's id admits it too (docs/security.md, "An admission signed
    // over"): its id is named as well, or the remove would end nothing it admits.
    const observed = [
      ...new Set([
        ...[...roster]
          .filter(([id, op]) => !view.rejected.has(id) && admits(op.body, op.author, member))
          .map(([id]) => id),
        ...this.state.twins.filter((t) => t.op.body.type === 'add' && t.op.body.member === member).map((t) => t.id),
      ]),
    ];
    await this.write({ type: 'remove', member, observed });
  }

  /** Sibling ids from the device (at most every SIBLING_REFRESH_MS unless `force`). */
  async refreshSiblings(force: boolean): Promise<ReadonlySet<NodeId>> {
    const now = this.o.now();
    if (!force && now - this.siblingsReadAt < SIBLING_REFRESH_MS) return this.siblings;
    this.siblingsReadAt = now;
    try {
      this.siblings = new Set(await this.o.device.siblings());
    } catch (error) {
      this.log('reading the device’s node ids failed', error);
    }
    return this.siblings;
  }

  close(): void {
    this.unsubscribe();
  }

  private async found(open: boolean): Promise<void> {
    const self = this.o.host.nodeId;
    const op = this.state.next(self, { type: 'found', open });
    const anchor = await this.o.device.anchor(this.o.host.lattice, opId(op));
    this.state = this.state.withAnchor(anchor!);
    // Another tab of this device founded first: its roster is ours (it admits us as its sibling).
    if (anchor === opId(op)) await this.write(op.body);
  }

  /** Writes the `add` for a peer once (a sibling, or on an invitation redeemed). */
  private async addMember(peer: NodeId, invitation?: string): Promise<void> {
    if (this.admitting.has(peer) || this.state.view.members.has(peer)) return;
    this.admitting.add(peer);
    try {
      await this.write(
        invitation === undefined ? { type: 'add', member: peer } : { type: 'add', member: peer, invitation },
      );
    } finally {
      this.admitting.delete(peer);
    }
  }

  /** Roster ops are written one at a time: each takes the next sequence number after the last. */
  private write(body: RosterBody): Promise<void> {
    const next = this.writing.then(async () => {
      const op = this.state.next(this.o.host.nodeId, body);
      if (op.seq > MAX_ROSTER_OPS_PER_AUTHOR) {
        throw new ValidationError(
          `this node has written the most roster ops one node may (${MAX_ROSTER_OPS_PER_AUTHOR}): another member must invite or remove`,
        );
      }
      const version = await this.o.host.writeRosterOp(valueOfOp(op));
      if (version !== undefined) this.note([version]);
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * The op each roster register touched by `versions` now stands for, read from its heads (opOfHeads)
   * and stamped with its earliest version the register keeps (docs/security.md, "An op signed
   * again"): the roster follows the store, so a twin the merge keeps replaces the op, and the state
   * equals one rebuilt from storage after any order of delivery.
   */
  private headOps(versions: Iterable<Version>): StampedOp[] {
    const entities = new Set<EntityId>();
    for (const v of versions) if (isRosterEntity(v.entity)) entities.add(v.entity);
    const out: StampedOp[] = [];
    for (const entity of entities) {
      const picked = opOfHeads(
        stampedOps(this.o.host.headsOf(entity, ROSTER_OP_KIND)),
        stampedOps(this.o.host.retainedOf(entity, ROSTER_OP_KIND)),
      );
      if (picked !== undefined) out.push(picked);
    }
    return out;
  }

  private note(versions: readonly Version[], withdrawn: readonly Version[] = []): void {
    const before = this.state.anchor;
    const wasRemoved = this.state.view.removed;
    let state = this.state.withHeads(this.headOps(versions));
    // A withdrawn op whose register holds no head any more leaves the roster (RosterState.without).
    if (withdrawn.length > 0) state = state.without(this.emptied(withdrawn));
    this.state = state;
    // A member removed just now: its open links go (the handshake refuses it from then on).
    for (const [peer, by] of state.view.removed) {
      if (!wasRemoved.has(peer) && peer !== this.o.host.nodeId) this.onRemoved?.(peer, by);
    }
    this.applyCutoffs();
    this.tellStanding();
    if (before === undefined && state.anchor !== undefined) {
      // A joiner found its inviter's roster: the device trusts it from now on (its other tabs too).
      void this.o.device
        .anchor(this.o.host.lattice, state.anchor, this.abandoned)
        .catch((e: unknown) => this.log('keeping the anchor failed', e));
    }
  }

  /** The ids of the roster ops among `versions` whose registers hold no head now. */
  private emptied(versions: readonly Version[]): RosterOpId[] {
    const out: RosterOpId[] = [];
    for (const v of versions) {
      if (!isRosterEntity(v.entity) || this.o.host.headsOf(v.entity, ROSTER_OP_KIND).length > 0) continue;
      const parsed = opOfVersion(v, true);
      if ('op' in parsed) out.push(opId(parsed.op));
    }
    return out;
  }

  /**
   * Each removed member's cut-off (RosterState.removedAt) as the store last withdrew at: a removal
   * merged, or one whose cut-off moved, has the node take out the member's versions stamped after
   * it (host.withdraw), as if refused on arrival; a member no longer removed has its cut-off lifted
   * (docs/security.md, "Writes withdrawn at a removal"). A withdrawal may change the roster (the
   * member's own late roster ops leave it), so this runs until nothing changes; calls made from
   * within it (note, on the withdrawal's versions) leave the work to the running loop. An author
   * such a change leaves neither a member nor removed (admitted only by a withdrawn op) has all its
   * versions withdrawn, as the gate refuses a non-member's (`not-a-member`), until it is admitted
   * or removed.
   */
  private applyCutoffs(
    stored?: ReadonlyMap<NodeId, Timestamp>,
    storedWindows?: ReadonlyMap<NodeId, readonly RemovalWindow[]>,
  ): void {
    const withdraw = this.o.host.withdraw?.bind(this.o.host);
    if (withdraw === undefined || this.withdrawing || !this.cutting) return;
    this.withdrawing = true;
    try {
      const self = this.o.host.nodeId;
      let lost: NodeId[] = [];
      // Bounded: a pass runs again only if its withdrawal changed the roster (a member's late ops left it).
      for (let pass = 0; pass < 16; pass++) {
        const state = this.state;
        const { members, removed } = state.view;
        const changes = new Map<NodeId, Timestamp | undefined>();
        for (const [member] of removed) {
          this.unadmitted.delete(member);
          const at = state.removedAt(member);
          const held = this.cutoffs.get(member);
          if (member === self || at === undefined || (held !== undefined && compareTs(held, at) === 0)) continue;
          this.cutoffs.set(member, at);
          changes.set(member, at);
        }
        for (const member of [...this.cutoffs.keys()]) {
          if (removed.has(member)) continue;
          this.cutoffs.delete(member);
          changes.set(member, undefined);
        }
        // Admitted (or its tab, or the lattice open) since: lifted. Removed since: its cut-off above.
        for (const author of [...this.unadmitted]) {
          if (this.refusesUnadmitted(state, author)) continue;
          this.unadmitted.delete(author);
          changes.set(author, undefined);
        }
        for (const author of lost) {
          if (this.unadmitted.has(author) || !this.refusesUnadmitted(state, author)) continue;
          this.unadmitted.add(author);
          changes.set(author, BEFORE_ALL);
        }
        // Refused windows: a removed member admitted again keeps its removal's window refused
        // (docs/security.md, "A removed device invited again").
        const windowChanges = new Map<NodeId, readonly RemovalWindow[]>();
        for (const [author, windows] of state.windows) {
          if (author === self || windowsKey(windows) === windowsKey(this.windows.get(author))) continue;
          this.windows.set(author, windows);
          windowChanges.set(author, windows);
        }
        for (const author of [...this.windows.keys()]) {
          if (state.windows.has(author)) continue;
          this.windows.delete(author);
          windowChanges.set(author, []);
        }
        if (changes.size === 0 && windowChanges.size === 0) return;
        // At start, a cut-off the store was withdrawn at already (kept in the withdrawal's own commit)
        // is set again without searching the store: any lattice that ever removed someone scanned
        // every entity at each open (review, session 16).
        const done = new Set<NodeId>();
        for (const [member, at] of changes) {
          const was = pass === 0 ? stored?.get(member) : undefined;
          if (at !== undefined && was !== undefined && compareTs(was, at) === 0) done.add(member);
        }
        const windowsDone = new Set<NodeId>();
        for (const [author, windows] of windowChanges) {
          const was = pass === 0 ? storedWindows?.get(author) : undefined;
          if (was !== undefined && windowsKey(was) === windowsKey(windows)) windowsDone.add(author);
        }
        // One `done` for both: an author withdrawn at its cut-off and windows alike is not searched.
        for (const author of windowChanges.keys()) {
          if (!windowsDone.has(author)) done.delete(author);
          else if (!changes.has(author)) done.add(author);
        }
        withdraw(changes, { done, meta: this.cutoffMeta(), windows: windowChanges });
        if (this.state === state) return;
        // Who the withdrawal's roster change left neither a member nor removed: the next pass.
        lost = [...members, ...removed.keys()];
      }
    } finally {
      this.withdrawing = false;
    }
  }

  /**
   * Cut-offs the batch the gate just passed moves later (`state`: the roster with its accepted ops),
   * set at the node before the batch is merged: the node refuses a removed member's versions past
   * its cut-off on every path (RemoteMerge), and a removed member's remove of its remover, which the
   * gate takes because it moves its author's own cut-off past it (membership-gate.ts
   * removesItsRemover), would otherwise be refused by the merge the gate passed it to (replicas
   * split by the order the two removals came in, test/unit/attack/removed-counter-removal.test.ts).
   * Only later: a cut-off moved later withdraws nothing (no scan), and if the batch is not merged
   * after all, the next roster change sets it back (applyCutoffs).
   *
   * Refused windows alike (docs/security.md, "A removed device invited again"): the same remove of
   * the remover, reaching a node that holds its author's re-admission already, moves the start of
   * the author's window up to it (RosterState.windows), and the held, wider window would have the
   * merge refuse the very remove the gate took: the node never learnt that the remover removed its
   * author (replicas split for good, test/unit/attack/counter-removal-repeat.test.ts, reverse order).
   * Only narrower: each new window inside one held, or none left, so nothing is searched for.
   */
  private raiseCutoffs(state: RosterState): void {
    const withdraw = this.o.host.withdraw?.bind(this.o.host);
    if (withdraw === undefined || this.withdrawing || !this.cutting) return;
    const changes = new Map<NodeId, Timestamp>();
    for (const [member, held] of this.cutoffs) {
      const at = state.removedAt(member);
      if (at !== undefined && compareTs(at, held) > 0) changes.set(member, at);
    }
    const windowChanges = new Map<NodeId, readonly RemovalWindow[]>();
    for (const [author, held] of this.windows) {
      const now = state.windows.get(author) ?? [];
      if (windowsKey(now) === windowsKey(held)) continue;
      if (now.every((w) => held.some((h) => compareTs(w.from, h.from) >= 0 && compareTs(w.to, h.to) <= 0)))
        windowChanges.set(author, now);
    }
    if (changes.size === 0 && windowChanges.size === 0) return;
    for (const [member, at] of changes) this.cutoffs.set(member, at);
    for (const [author, now] of windowChanges) {
      if (now.length === 0) this.windows.delete(author);
      else this.windows.set(author, now);
    }
    this.withdrawing = true;
    try {
      withdraw(changes, {
        meta: this.cutoffMeta(),
        ...(windowChanges.size === 0 ? {} : { windows: windowChanges, done: new Set(windowChanges.keys()) }),
      });
    } finally {
      this.withdrawing = false;
    }
  }

  /** The storage meta of the cut-offs and windows the store was withdrawn at. */
  private cutoffMeta(): Record<string, JsonValue> {
    return { [CUTOFFS_META]: cutoffsToJson(this.cutoffs), [WINDOWS_META]: windowsToJson(this.windows) };
  }

  /**
   * Whether the gate refuses every version of `author` (as `not-a-member`) under `state`: a closed,
   * founded roster that holds it neither a member nor removed, and not this node or one of its tabs.
   */
  private refusesUnadmitted(state: RosterState, author: NodeId): boolean {
    const { members, removed } = state.view;
    if (author === this.o.host.nodeId || this.siblings.has(author)) return false;
    return state.founded && !state.open && !members.has(author) && !removed.has(author);
  }

  private async saveLedger(ledger: InvitationLedger): Promise<void> {
    this.ledger = ledger;
    await this.o.host.saveMeta(LEDGER_META, ledgerToJson(ledger));
  }

  private noteRefused(peer: NodeId, reason: string): void {
    this.refusedPeers.delete(peer);
    this.refusedPeers.set(peer, { id: peer, fingerprint: fingerprint(peer), reason, at: this.o.now() });
    if (this.refusedPeers.size > MAX_REFUSED_PEERS) this.refusedPeers.delete(this.refusedPeers.keys().next().value!);
    this.log(`refused ${peer}: ${reason}`);
  }

  private log(message: string, detail?: unknown): void {
    this.o.log?.(`roster: ${message}`, detail);
  }
}

/** The roster ops among versions (of roster entities, well formed), each with its version's timestamp. */
function stampedOps(versions: Iterable<Version>): StampedOp[] {
  const out: StampedOp[] = [];
  for (const v of versions) {
    if (!isRosterEntity(v.entity)) continue;
    const parsed = opOfVersion(v, true);
    if ('op' in parsed) out.push({ op: parsed.op, ts: v.ts });
  }
  return out;
}

/** Whether an op admits `member` (an `add` of it, or its own founding). */
function admits(body: RosterBody, author: NodeId, member: NodeId): boolean {
  switch (body.type) {
    case 'found':
      return author === member;
    case 'add':
      return body.member === member;
    case 'remove':
      return false;
    default: {
      const never: never = body;
      throw new Error(`unknown roster op ${JSON.stringify(never)}`);
    }
  }
}

/** Storage meta: each removed member's cut-off the store was last withdrawn at (applyCutoffs). */
export const CUTOFFS_META = 'rosterCutoffs';

function cutoffsToJson(cutoffs: ReadonlyMap<NodeId, Timestamp>): JsonValue {
  return [...cutoffs].map(([member, at]) => [member, at.ms, at.c, at.node]);
}

/** The cut-offs kept (anything not read as one is dropped: a damaged record only costs a scan). */
function cutoffsFromJson(raw: unknown): Map<NodeId, Timestamp> {
  const out = new Map<NodeId, Timestamp>();
  if (!Array.isArray(raw)) return out;
  for (const e of raw) {
    if (!Array.isArray(e) || e.length !== 4) continue;
    const [member, ms, c, node] = e as unknown[];
    if (typeof member !== 'string' || typeof node !== 'string') continue;
    if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(c)) continue;
    out.set(member as NodeId, { ms: ms as number, c: c as number, node: node as NodeId });
  }
  return out;
}

/**
 * Storage meta: each author's refused windows the store was last withdrawn at (applyCutoffs), kept
 * in the same commit as the cut-offs (docs/security.md, "A removed device invited again").
 */
export const WINDOWS_META = 'rosterWindows';

function windowsToJson(windows: ReadonlyMap<NodeId, readonly RemovalWindow[]>): JsonValue {
  return [...windows].map(([author, ws]) => [
    author,
    ws.map((w) => [w.from.ms, w.from.c, w.from.node, w.to.ms, w.to.c, w.to.node]),
  ]);
}

/** The windows kept (an author whose record does not read is dropped: a damaged record only costs a scan). */
function windowsFromJson(raw: unknown): Map<NodeId, readonly RemovalWindow[]> {
  const out = new Map<NodeId, readonly RemovalWindow[]>();
  if (!Array.isArray(raw)) return out;
  for (const e of raw) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !Array.isArray(e[1])) continue;
    const ws: RemovalWindow[] = [];
    for (const w of e[1] as unknown[]) {
      if (!Array.isArray(w) || w.length !== 6) break;
      const [fm, fc, fn, tm, tc, tn] = w as unknown[];
      if (typeof fn !== 'string' || typeof tn !== 'string') break;
      if (![fm, fc, tm, tc].every((n) => Number.isSafeInteger(n))) break;
      ws.push({
        from: { ms: fm as number, c: fc as number, node: fn as NodeId },
        to: { ms: tm as number, c: tc as number, node: tn as NodeId },
      });
    }
    if (ws.length === (e[1] as unknown[]).length) out.set(e[0] as NodeId, ws);
  }
  return out;
}
