import { createMemoryBacking, MemoryStorage, type MemoryBacking } from '../../../../src/adapters/memory-storage';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { ROSTER_OP_KIND, rosterEntityId, valueOfOp } from '../../../../src/core/roster/roster-entity';
import type { RosterBody, RosterOp } from '../../../../src/core/roster/roster-op';
import { gateVersions } from '../../../../src/node/roster/membership-gate';
import type { RosterState } from '../../../../src/node/roster/roster-state';
import { LatticeNode } from '../../../../src/node/lattice-node';
import { RosterService } from '../../../../src/node/roster/roster-service';
import type { DeviceDirectory } from '../../../../src/ports/device-directory';
import { testIdentity } from '../../support/test-keys';
import { openTestNode } from '../../support/test-node';

export const T0 = 1_800_000_000_000;

let scratchIds = 0;
/**
 * Another signer with `name`'s key, its own store and a wall clock stopped at `at`: what a member
 * (or a removed one) signs when it picks its clock, concurrent with its own node's writes.
 */
export async function signerAt(name: string, at: number): Promise<LatticeNode> {
  const me = testIdentity(name);
  return openTestNode({
    identity: me,
    lattice: 'ops',
    storage: new MemoryStorage({ backing: createMemoryBacking() }),
    now: () => at,
    newId: () => `scratch-${scratchIds++}`,
  });
}

/** A verified roster op's version, as its author signs it: stamped `ms` (counter 0) by `author`. */
export function rosterOpVersion(author: NodeId, seq: number, lamport: number, ms: number, body: RosterBody): Version {
  const op: RosterOp = { author, seq, lamport, verified: true, body };
  const ts = { ms, c: 0, node: author };
  return { entity: rosterEntityId(op) as EntityId, kind: ROSTER_OP_KIND, value: valueOfOp(op), ts, seen: [] };
}

/**
 * The gate's judgement of `versions` delivered one by one to a node holding `state` (a node that is
 * none of their authors, without sibling tabs): the state after, what it accepted, each refusal's reason.
 */
export function gateEach(
  state: RosterState,
  versions: readonly Version[],
): { state: RosterState; accepted: Version[]; reasons: string[] } {
  const accepted: Version[] = [];
  const reasons: string[] = [];
  for (const x of versions) {
    const r = gateVersions([x], state, () => false, 'me' as NodeId);
    accepted.push(...r.accepted);
    reasons.push(...r.rejected.map((y) => y.reason));
    state = r.state;
  }
  return { state, accepted, reasons };
}

/** A wall clock the test moves by hand, shared by every node of a test. */
export function manualClock(start = T0): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** One browser profile: its node ids and its anchors, shared by its "tabs". */
export function fakeDevice(): DeviceDirectory & { ids: Set<NodeId> } {
  const ids = new Set<NodeId>();
  const anchors = new Map<string, string>();
  return {
    ids,
    siblings: async () => [...ids],
    anchor: async (lattice, proposal, replacing) => {
      const held = anchors.get(lattice);
      const free = held === undefined || (replacing !== undefined && held === replacing);
      if (free && proposal !== undefined) anchors.set(lattice, proposal);
      return free ? (proposal ?? held) : held;
    },
  };
}

export interface RosterNode {
  readonly id: NodeId;
  readonly node: LatticeNode;
  readonly roster: RosterService;
  readonly backing: MemoryBacking;
}

let counter = 0;

/** A signed node with its roster, as the worker builds it (without the mesh). */
export async function rosterNode(
  name: string,
  clock: { now: () => number },
  device = fakeDevice(),
  options: { invitation?: string; open?: boolean; backing?: MemoryBacking; lattice?: string } = {},
): Promise<RosterNode> {
  const me = testIdentity(name);
  device.ids.add(me.id);
  const backing = options.backing ?? createMemoryBacking();
  const node = await openTestNode({
    identity: me,
    lattice: options.lattice ?? 'ops',
    storage: new MemoryStorage({ backing }),
    now: clock.now,
    newId: () => `e${counter++}`,
  });
  const roster = await RosterService.open({
    host: node,
    device,
    ...(options.invitation === undefined ? {} : { invitation: options.invitation }),
    openAtFounding: options.open ?? false,
    now: clock.now,
    randomBytes: (n) => Uint8Array.from({ length: n }, (_, i) => (counter++ * 7 + i) & 0xff),
  });
  return { id: me.id, node, roster, backing };
}

/** The roster ops a node holds, as versions (what anti-entropy would carry). */
export function rosterVersions(n: RosterNode): Version[] {
  return [...n.node.versions()].filter((v) => v.entity.startsWith('roster:'));
}

/** What a peer's ingest does: the roster gate, then the merge of what passed. */
export function deliver(to: RosterNode, versions: readonly Version[]) {
  const outcome = to.roster.gate(versions);
  to.node.applyRemote(outcome.accepted);
  return outcome;
}

/** Versions of one entity a node holds. */
export function versionsOf(n: RosterNode, entity: string): Version[] {
  return [...n.node.versions()].filter((v) => v.entity === entity);
}

/**
 * A new device `name` that `inviter` invites and admits (its own fake device), as a member joins;
 * throws if the admission is refused.
 */
export async function invitedNode(
  inviter: RosterNode,
  name: string,
  clock: { now: () => number },
): Promise<RosterNode> {
  const { token } = await inviter.roster.invite('https://app.example/');
  const n = await rosterNode(name, clock, fakeDevice(), { invitation: token });
  const admitted = await inviter.roster.admit(n.id, token);
  if (!admitted.ok) throw new Error(`${name} not admitted: ${JSON.stringify(admitted)}`);
  return n;
}

/** A node's current members, sorted. */
export const membersOf = (n: RosterNode): NodeId[] => [...n.roster.current.view.members].sort();

/** The five nodes of invitationChain. */
export interface InvitationChain {
  /** The founder. */
  readonly a: RosterNode;
  /** A member a invited, who later invites h. */
  readonly m: RosterNode;
  /** A member a invited, whom h removes. */
  readonly y: RosterNode;
  /** An honest member m invited. */
  readonly h: RosterNode;
  /** A member h invited. */
  readonly k: RosterNode;
}

/**
 * The roster history the admission attacks start from (names `${prefix}-founder` and so on): a
 * founds; a invites m and y; a minute later m invites h, and h learns a's and m's ops; a minute
 * later h invites k, a minute later h removes y, and a learns h's ops. The clock ends three
 * minutes past its start.
 */
export async function invitationChain(prefix: string, clock: ReturnType<typeof manualClock>): Promise<InvitationChain> {
  const a = await rosterNode(`${prefix}-founder`, clock);
  const m = await invitedNode(a, `${prefix}-inviter`, clock);
  const y = await invitedNode(a, `${prefix}-removed`, clock);
  deliver(m, rosterVersions(a));
  clock.advance(60_000);
  const h = await invitedNode(m, `${prefix}-honest`, clock);
  deliver(a, rosterVersions(m));
  deliver(h, [...rosterVersions(a), ...rosterVersions(m)]);
  clock.advance(60_000);
  const k = await invitedNode(h, `${prefix}-invitee`, clock);
  clock.advance(60_000);
  await h.roster.removeMember(y.id);
  deliver(a, rosterVersions(h));
  return { a, m, y, h, k };
}
