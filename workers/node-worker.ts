/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { acquireIdentity, type HeldIdentity } from '../src/adapters/identity/acquire-identity';
import { signerOf } from '../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../src/adapters/identity/webcrypto-verifier';
import { openIdbStorage } from '../src/adapters/idb/open-idb-storage';
import { PortLink } from '../src/adapters/port-link';
import { LinkShaping } from '../src/adapters/shaped-link';
import { asLatticeName } from '../src/core/lattice-name';
import { sha256Ready } from '../src/core/signing/sha256';
import { createWorkerApi, type RunningNode } from '../src/node/create-worker-api';
import { LatticeNode } from '../src/node/lattice-node';
import { MeshNode } from '../src/node/mesh';
import type { Scheduler } from '../src/node/scheduler';
import { MeshSecurity } from '../src/node/security/mesh-security';
import { removalOf, REMOVAL_NOTICE_MS, RosterService, SIBLING_REFRESH_MS } from '../src/node/roster/roster-service';
import { idbDeviceDirectory } from '../src/adapters/identity/device-db';
import type { StartOptions } from '../src/node/worker-api';

const TICK_MS = 1000;
/** Sync sessions resume flow-controlled sends and run heartbeats on this beat. */
const MESH_TICK_MS = 50;
const CHANGE_BATCH_MS = 16;
/** Chromium's prioritized task scheduler (`scheduler.postTask`), where the worker has it. */
interface TaskScheduler {
  postTask(fn: () => void, options: { priority: 'background' | 'user-visible' }): Promise<unknown>;
}
const tasks = (globalThis as { scheduler?: TaskScheduler }).scheduler;
const timers: Scheduler = {
  after: (ms, fn) => clearTimeout.bind(undefined, setTimeout(fn, ms)),
  // Bulk work's next part runs after the worker's other ready tasks (scheduler.ts).
  background: (fn) => {
    if (tasks === undefined || typeof tasks.postTask !== 'function') setTimeout(fn, 0);
    else void tasks.postTask(fn, { priority: 'background' });
  },
  // A frame's merge parts, one task each: nested timers would add 4 ms a part (scheduler.ts).
  soon: (fn) => {
    if (tasks === undefined || typeof tasks.postTask !== 'function') setTimeout(fn, 0);
    else void tasks.postTask(fn, { priority: 'user-visible' });
  },
};

// `shapeLinks` (a field exercise): every link's sends through one shape, timed on the monotonic clock.
const shaping = new LinkShaping(() => performance.now(), timers);

// Held for the life of the worker: the lock is released when the tab goes away.
let identity: HeldIdentity | undefined;
let running: RosterService | undefined;

function log(message: string, detail?: unknown): void {
  console.warn(`[lattice node] ${message}`, detail ?? '');
}

async function open(options: StartOptions): Promise<RunningNode> {
  asLatticeName(options.lattice);
  identity = await acquireIdentity(options.preferredId, Date.now());
  // Leaves and tree nodes hashed on WebAssembly from the first frame (core/signing/sha256.ts).
  await sha256Ready;
  const nodeId = identity.key.nodeId;
  // Storage reports before the node exists; it reaches the node once there is one.
  const opening: { node?: LatticeNode } = {};
  const storage = await openIdbStorage(`lattice-mesh:${options.lattice}:${nodeId}`, {
    onEvent: (event) => {
      log(`storage: ${event.message}`);
      // A closed database takes no more writes: the operator must see it, not only the console.
      if (event.type === 'closed') opening.node?.reportStorage('error', event.message);
    },
  });
  const signer = signerOf(identity.key);
  // Verification in the worker, off the page's thread (docs/security.md). Made before the node, with
  // the keys kept from before the restart, so the node checks its stored proofs right after it opens
  // (LatticeNode.storedChecked), before any link is attached (docs/security.md, "Stored proofs on load").
  const security = await MeshSecurity.create({
    self: nodeId,
    publicKey: identity.key.publicKey,
    crypto: webCryptoVerifier(),
    // Handshake proofs (docs/security.md): signed with the node's key over fresh random nonces.
    signer,
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    now: () => Date.now(),
    log: (m, d) => log(`security: ${m}`, d),
    stored: await LatticeNode.storedAuthorKeys(storage),
    // Keys are vouched for only once links run, after the node has opened.
    save: (keys) => opening.node?.saveAuthorKeys(keys) ?? Promise.resolve(),
  });
  const node = await LatticeNode.open({
    nodeId,
    lattice: options.lattice,
    storage,
    backend: 'indexeddb',
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
    scheduleChanges: (fn) => setTimeout(fn, CHANGE_BATCH_MS),
    scheduler: timers,
    log,
    signer,
    checkStored: (versions, signal) => security.verifier.checkStored(versions, signal),
  });
  opening.node = node;
  setInterval(() => node.tick(), TICK_MS);
  // The roster (docs/security.md): founds the lattice unless the device trusts one or joins; its gate
  // checks who wrote every verified version before the merge.
  const roster = await RosterService.open({
    host: node,
    device: idbDeviceDirectory(),
    ...(options.invitation === undefined ? {} : { invitation: options.invitation }),
    openAtFounding: options.open ?? false,
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    log,
  });
  running = roster;
  security.gate = (versions) => roster.gate(versions);
  security.registerSharers(() => roster.sharers());
  // A new tab of this profile is a sibling: its id is read again on this beat and on each new link.
  setInterval(() => void roster.refreshSiblings(false), SIBLING_REFRESH_MS * 2);
  const mesh = new MeshNode({
    node,
    security,
    now: () => Date.now(),
    budgets: node.budgets,
    // Each link's budgeter wakes its link at the time it said (one timer per link).
    scheduler: timers,
    // A burst of our own writes goes live as one message per link (scenario 7's small messages).
    coalesceLocalMs: 0,
    // Who may sync with us (docs/security.md, "Admission"): members, sibling tabs, and a device
    // presenting an invitation this node issued; and the invitation we join with, if any.
    admit: roster.admit,
    ...(roster.invitation === undefined ? {} : { invitation: roster.invitation }),
    // Round trips are timed on the monotonic clock: a wall-clock step must not show as RTT.
    session: { monotonic: () => performance.now() },
    // A joiner keeps its inviter's refusal (a used or expired invitation) for members() and the roster panel.
    onLinkClosed: (peer, reason) => roster.linkClosed(peer, reason),
    log: (m, d) => log(`mesh: ${m}`, d),
  });
  // The link to a removed member closes once the removal op, pushed live like any write, has left
  // on it (handed whole to the link and the channel drained), REMOVAL_NOTICE_MS at the latest, not
  // at once: it reaches the device without a reconnect cycle. If it does not (a slow link, the
  // device offline), its next handshake with a member is refused with the signed ops of its removal
  // (docs/security.md, "A removed device"). Meanwhile the gate refuses what it writes after its
  // cut-off, as on every path.
  roster.onRemoved = (peer, by) =>
    void mesh.retire(peer, `removed from lattice ${node.lattice} by ${by}`, removalOf(peer), REMOVAL_NOTICE_MS);
  setInterval(() => mesh.tick(), MESH_TICK_MS);
  return { node, mesh, roster };
}

Comlink.expose(
  createWorkerApi({
    open,
    attachPort: (peer, port, accept) => {
      // A sibling tab's id is in the identity database before its node starts: read it now.
      void running?.refreshSiblings(true);
      // Each link goes through the shaper, which passes frames straight on while no shape is set.
      new PortLink({ peer, port, accept: shaping.accept(accept), log });
    },
    shapeLinks: (shape) => shaping.set(shape),
    proxy: (value) => Comlink.proxy(value),
    transfer: (value, buffers) => Comlink.transfer(value, buffers),
    log,
  }),
);
