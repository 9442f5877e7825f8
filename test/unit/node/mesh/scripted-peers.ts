/** Test helper (not a test file): a real LatticeNode + MeshNode whose peers are scripted Links driven by hand. */
import { createMemoryBacking, MemoryStorage } from '../../../../src/adapters/memory-storage';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import type { FingerprintKey } from '../../../../src/core/reconcile/fingerprint';
import { fingerprintKeyOf } from '../../../../src/core/sync/fingerprint-key';
import {
  decodeMessage,
  encodeMessage,
  MessageType,
  SYNC_PROTOCOL_VERSION,
  type SyncMessage,
} from '../../../../src/core/sync';
import { decodeVersions, encodeVersions } from '../../../../src/core/wire';
import { LatticeNode } from '../../../../src/node/lattice-node';
import { MeshNode, type Admission } from '../../../../src/node/mesh';
import type { RegisterLimits } from '../../../../src/node/security/new-entity-limit';
import type { Link, LinkHandler } from '../../../../src/ports/transport';
import { signedProof, signNow, testIdentity, testSecurity } from '../../support/test-keys';

export const T0 = 1_700_000_000_000;

export class Peer {
  readonly out: Uint8Array[] = [];
  closedWith: string | undefined;
  handler!: LinkHandler;
  readonly link: Link;
  /** Bytes the link reports buffered (set it above the high-water mark to hold the node's sends). */
  buffered = 0;
  constructor(
    readonly id: NodeId,
    private readonly h: Harness,
  ) {
    const buffered = (): number => this.buffered;
    this.link = {
      peer: id,
      send: (f) => void this.out.push(f.slice()),
      get bufferedAmount() {
        return buffered();
      },
      close: (reason) => {
        this.closedWith ??= reason;
      },
    };
  }
  open(): this {
    this.handler = this.h.mesh.accept(this.link);
    return this;
  }
  /** Authors whose keys this peer sent the node (`keys`, ahead of their first versions). */
  private readonly keysSent = new Set<string>();
  send(m: SyncMessage): void {
    if (m.type === MessageType.Versions && m.batch.length > 0) {
      let decoded: Version[] = [];
      try {
        decoded = decodeVersions(m.batch);
      } catch {
        // a batch the node refuses anyway: no keys to send ahead of it
      }
      const authors = [...new Set(decoded.map((v) => v.ts.node as string))];
      const fresh = authors.filter((a) => !this.keysSent.has(a) && a !== this.id);
      for (const a of fresh) this.keysSent.add(a);
      if (fresh.length > 0) {
        this.handler.receive(
          encodeMessage({ type: MessageType.Keys, keys: fresh.map((a) => testIdentity(a).publicKey) }),
        );
      }
    }
    this.handler.receive(encodeMessage(m));
  }
  /** This peer's hello nonce (fixed: a scripted peer's proofs are tested, not its randomness). */
  readonly nonce = new Uint8Array(16).fill(7);
  /**
   * Our hello, then our proof over the node's nonce (the handshake an honest peer makes); no proof
   * if the node refused the link without a hello of its own.
   */
  hello(items = 0, invitation?: string): void {
    this.helloOnly(items);
    if (this.msgs().some((m) => m.type === MessageType.Hello)) this.prove(invitation);
  }
  /** Our hello alone (what the node's hello check sees). */
  helloOnly(items = 0): void {
    this.send({
      type: MessageType.Hello,
      protocol: SYNC_PROTOCOL_VERSION,
      node: this.id,
      lattice: 'test',
      time: this.h.clock,
      items,
      newest: 0,
      key: testIdentity(this.id).publicKey,
      nonce: this.nonce,
    } as SyncMessage);
  }
  /** The node's hello on this link (its nonce is what our proof must sign). */
  nodeHello(): Extract<SyncMessage, { type: 'hello' }> {
    const hello = this.msgs().find((m) => m.type === MessageType.Hello);
    if (hello?.type !== MessageType.Hello) throw new Error('the node has not said hello');
    return hello;
  }
  /** Our proof, signed by `signer` (default: our own key) over the node's nonce and ours. */
  prove(invitation?: string, signer: string = this.id): void {
    const node = this.nodeHello();
    this.send(
      signedProof(signer, {
        lattice: 'test',
        challenge: node.nonce,
        nonce: this.nonce,
        prover: this.id,
        verifier: node.node,
        invitation,
      }),
    );
  }
  /** The link session's fingerprint key, from both hellos (what a reconciler of ours must use). */
  fingerprintKey(): FingerprintKey {
    const node = this.nodeHello();
    return fingerprintKeyOf({ node: this.id, nonce: this.nonce }, { node: node.node, nonce: node.nonce });
  }
  msgs(): SyncMessage[] {
    return this.out.map((f) => decodeMessage(f));
  }
  bytes(): number {
    return this.out.reduce((s, f) => s + f.length, 0);
  }
  versionsOut(): Version[] {
    return this.msgs().flatMap((m) => (m.type === 'versions' && m.batch.length > 0 ? decodeVersions(m.batch) : []));
  }
  reset(): void {
    this.out.length = 0;
  }
}

export class Harness {
  clock = T0;
  node!: LatticeNode;
  mesh!: MeshNode;
  logs: string[] = [];
  static async create(
    self = 'm',
    opts: {
      maxSkewMs?: number;
      maxLinks?: number;
      admit?: Admission;
      invitation?: string;
      registerLimits?: RegisterLimits;
    } = {},
  ): Promise<Harness> {
    const h = new Harness();
    const now = (): number => h.clock;
    h.node = await LatticeNode.open({
      nodeId: self as NodeId,
      lattice: 'test',
      storage: new MemoryStorage({ backing: createMemoryBacking() }),
      backend: 'memory',
      now,
      newId: () => `e${Math.random()}`,
      scheduleChanges: (fn) => fn(),
      signer: testIdentity(self).signer,
      ...(opts.maxSkewMs === undefined ? {} : { maxSkewMs: opts.maxSkewMs }),
    });
    h.mesh = new MeshNode({
      node: h.node,
      security: await testSecurity(self, now, 'named', (m) => h.logs.push(m), undefined, opts.registerLimits),
      now,
      ...(opts.maxLinks === undefined ? {} : { maxLinks: opts.maxLinks }),
      ...(opts.admit === undefined ? {} : { admit: opts.admit }),
      ...(opts.invitation === undefined ? {} : { invitation: opts.invitation }),
      log: (m) => {
        if (h.logs.length < 2000) h.logs.push(m);
      },
    });
    return h;
  }
  peer(id: string): Peer {
    return new Peer(id as NodeId, this).open();
  }
  tick(ms = 50): void {
    this.clock += ms;
    this.node.tick();
    this.mesh.tick();
  }

  /**
   * Lets the node's commits land and what waits on them run (a peer's versions are relayed, and
   * served, only once durable: docs/architecture.md, "Nothing leaves before it is durable"), then ticks.
   */
  async landed(ms = 0): Promise<void> {
    await this.node.durable();
    this.tick(ms);
  }
}

export const pos = (entity: string, node: string, ms: number, c = 0): Version =>
  ({ entity, kind: 'position', value: { lat: 1, lon: 2 }, ts: { ms, c, node }, seen: [] }) as unknown as Version;

/** A versions frame; each unsigned version is signed by its author's test key (a signed one goes as it is). */
export const versionsFrame = (vs: Version[], live: boolean): SyncMessage =>
  ({
    type: MessageType.Versions,
    live,
    completes: 0,
    batch: encodeVersions(vs.map((v) => (v.sig === undefined ? signNow(testIdentity(v.ts.node), v) : v))),
  }) as SyncMessage;
