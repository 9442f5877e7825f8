/**
 * The link handshake of sync protocol 4 (core/sync/handshake.ts) between PeerSessions whose hosts
 * sign and verify with real Ed25519 keys (test-keys.ts, ids the keys' hashes): honest sides prove
 * their keys and sync; a replayed hello, a proof from another session, a proof by another key, a
 * moved invitation and frames before the proof are refused; admission refuses with its reason on
 * both sides. Hooks answer at once or later (WebCrypto); both are run.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  decodeMessage,
  encodeMessage,
  MessageType,
  PeerSession,
  REFUSAL_LINGER_MS,
  SessionState,
  SyncIndex,
  SYNC_PROTOCOL_VERSION,
  type AdmitVerdict,
  type RefusalProof,
  type SessionHost,
  type SyncMessage,
} from '../../../../src/core/sync';
import { signedProof, syncSigner, syncVerifier, testIdentity } from '../../support/test-keys';
import { version } from './session-pair';

const LATTICE = 'L';
const verifier = syncVerifier('hashed');
let nonceSeq = 0;
/** A fresh nonce per session (the host's randomness; a counter is enough to make them differ). */
const freshNonce = (): Uint8Array => new Uint8Array(16).map((_, i) => (i === 0 ? ++nonceSeq : i));

interface Options {
  readonly admit?: AdmitVerdict;
  readonly invitation?: string;
  /** Hooks answer on a later microtask, as WebCrypto does. */
  readonly later?: boolean;
  readonly versions?: Version[];
}

/** One honest side: a session whose host proves and checks with `name`'s real key. */
class End {
  readonly id: NodeId;
  readonly session: PeerSession;
  readonly out: Uint8Array[] = [];
  readonly sent: SyncMessage[] = [];
  readonly applied: Version[] = [];
  readonly admitted: [NodeId, string | undefined][] = [];
  /** Proofs the peer's refusals of us carried (refusedWith). */
  readonly proofs: RefusalProof[] = [];
  readonly nonce = freshNonce();
  ended: string | undefined;

  constructor(name: string, peer: NodeId, now: number, o: Options = {}) {
    const me = testIdentity(name);
    this.id = me.id;
    const answer = (f: () => void): void => (o.later === true ? void Promise.resolve().then(f) : f());
    const host: SessionHost = {
      bufferedAmount: () => 0,
      apply: (vs) => {
        this.applied.push(...vs);
        return vs;
      },
      hello: (key, node, done) => answer(() => done(verifier.nodeIdOf(key) === node, now)),
      prove: (bytes, done) => answer(() => done(syncSigner(me).sign(bytes) as Uint8Array, now)),
      checkProof: (key, bytes, sig, _node, done) =>
        answer(() => done(verifier.verify(key, bytes, sig) as boolean, now)),
      refusedWith: (proof) => void this.proofs.push(proof),
      admit: (p, invitation, done) =>
        answer(() => {
          this.admitted.push([p, invitation]);
          done(o.admit ?? { ok: true }, now);
        }),
    };
    this.session = new PeerSession(
      {
        self: me.id,
        lattice: LATTICE,
        peer,
        key: me.publicKey,
        nonce: this.nonce,
        ...(o.invitation === undefined ? {} : { invitation: o.invitation }),
      },
      new SyncIndex(o.versions ?? []),
      host,
      now,
    );
    this.session.on('message', (f) => {
      this.out.push(f);
      this.sent.push(decodeMessage(f));
    });
    this.session.on('end', (r) => (this.ended = r));
    this.session.start(now);
  }

  sentTypes(): string[] {
    return this.sent.map((m) => m.type);
  }
}

const NOW = 50_000;
const idOf = (name: string): NodeId => testIdentity(name).id;

/** Delivers frames both ways until none are left, letting later answers settle in between. */
async function run(a: End, b: End): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ab = a.out.splice(0);
    const ba = b.out.splice(0);
    for (const f of ab) b.session.receive(f, NOW);
    for (const f of ba) a.session.receive(f, NOW);
    await new Promise((r) => setTimeout(r, 0));
    if (ab.length === 0 && ba.length === 0 && a.out.length === 0 && b.out.length === 0) return;
  }
}

const honestPair = (o: Options = {}, ob: Options = {}): [End, End] => [
  new End('alice', idOf('bob'), NOW, { versions: [version(1, idOf('alice'))], ...o }),
  new End('bob', idOf('alice'), NOW, ob),
];

/** Our side `alice` against frames a script sends as `bob`. */
function scripted(o: Options = {}): {
  a: End;
  send: (m: SyncMessage) => void;
  bobHello: (nonce?: Uint8Array) => SyncMessage;
} {
  const a = new End('alice', idOf('bob'), NOW, o);
  const bob = testIdentity('bob');
  return {
    a,
    send: (m) => a.session.receive(encodeMessage(m), NOW),
    bobHello: (nonce = new Uint8Array(16).fill(9)) => ({
      type: MessageType.Hello,
      protocol: SYNC_PROTOCOL_VERSION,
      node: bob.id,
      lattice: LATTICE,
      time: NOW,
      items: 0,
      newest: 0,
      key: bob.publicKey,
      nonce,
    }),
  };
}

const aliceNonce = (a: End): Uint8Array => a.nonce;

describe.each([
  ['answering at once', false],
  ['answering later (WebCrypto)', true],
])('link handshake, hooks %s', (_label, later) => {
  it('two honest sides prove their keys, admit each other and sync', async () => {
    const [a, b] = honestPair({ later, invitation: 'tok-1' }, { later });
    await run(a, b);
    expect(a.session.state).toBe(SessionState.Synced);
    expect(b.session.state).toBe(SessionState.Synced);
    expect(b.applied.map((v) => v.entity)).toEqual(['e1']);
    // Each side sent its hello, then its proof, before anything else.
    expect(a.sentTypes().slice(0, 2)).toEqual(['hello', 'proof']);
    expect(b.sentTypes().slice(0, 2)).toEqual(['hello', 'proof']);
    expect(b.admitted).toEqual([[a.id, 'tok-1']]);
    expect(a.admitted).toEqual([[b.id, undefined]]);
  });

  it('admission refuses with its reason on both sides, before any data flows', async () => {
    const [a, b] = honestPair({ later }, { later, admit: { ok: false, reason: 'not a member of L' } });
    await run(a, b);
    expect(b.sent.at(-1)).toEqual({ type: 'bye', reason: 'not admitted: not a member of L' });
    expect(a.ended).toBe('peer said bye: not admitted: not a member of L');
    // The refuser leaves the close to the refused side (a transport may lose what is in flight at
    // a close), for REFUSAL_LINGER_MS at most: a's close never reaches it here.
    expect(b.ended).toBeUndefined();
    expect(b.session.state).toBe(SessionState.Closed);
    b.session.tick(NOW + REFUSAL_LINGER_MS - 1);
    expect(b.ended).toBeUndefined();
    b.session.tick(NOW + REFUSAL_LINGER_MS);
    expect(b.ended).toBe('not admitted: not a member of L');
    expect(b.sentTypes()).toEqual(['hello', 'proof', 'bye']);
    expect(b.applied).toEqual([]);
  });

  it('refusals crossing (each side refuses the other): each reads the other’s bye, and its proof', async () => {
    const proof = { keys: [], batch: new Uint8Array([1, 2, 3]) };
    const [a, b] = honestPair(
      { later, admit: { ok: false, reason: 'a stranger' } },
      { later, admit: { ok: false, reason: 'removed', proof } },
    );
    await run(a, b);
    expect(a.sentTypes()).toEqual(['hello', 'proof', 'bye']);
    expect(b.sentTypes()).toEqual(['hello', 'proof', 'bye']);
    expect(a.proofs).toEqual([proof]);
    expect(b.proofs).toEqual([]);
    expect(a.ended).toBe('peer said bye: not admitted: removed');
    expect(b.ended).toBe('peer said bye: not admitted: a stranger');
  });
});

describe('link handshake against an impostor', () => {
  it('a replayed hello (another node’s real key and id) fails: the replayer cannot sign the fresh nonce', () => {
    const s = scripted({ versions: [version(1, idOf('alice'))] });
    s.send(s.bobHello()); // bob's public hello, replayed by mallory: the key does hash to bob's id
    expect(s.a.sentTypes()).toEqual(['hello', 'proof']);
    s.send(
      signedProof('mallory', {
        lattice: LATTICE,
        challenge: aliceNonce(s.a),
        nonce: new Uint8Array(16).fill(9),
        prover: idOf('bob'),
        verifier: s.a.id,
      }),
    );
    expect(s.a.ended).toBe('proof of key possession failed');
    expect(s.a.sentTypes()).toEqual(['hello', 'proof', 'bye']);
  });

  it('a proof replayed from another session (old nonce) fails', async () => {
    const [a1, b1] = honestPair();
    const fromBob = [...b1.out];
    await run(a1, b1);
    expect(a1.session.state).toBe(SessionState.Synced);
    // Mallory recorded bob's hello and proof of that session and replays them on a new link.
    const hello = fromBob.map((f) => decodeMessage(f)).find((m) => m.type === 'hello')!;
    const proof = b1.sent.find((m) => m.type === 'proof')!;
    const s = scripted();
    s.send(hello);
    s.send(proof);
    expect(s.a.ended).toBe('proof of key possession failed');
  });

  it('a proof signed by a different key fails, even over the right fields', () => {
    const s = scripted();
    const bobHello = s.bobHello();
    s.send(bobHello);
    s.send(
      signedProof('carol', {
        lattice: LATTICE,
        challenge: aliceNonce(s.a),
        nonce: (bobHello as { nonce: Uint8Array }).nonce,
        prover: idOf('bob'),
        verifier: s.a.id,
      }),
    );
    expect(s.a.ended).toBe('proof of key possession failed');
  });

  it('an invitation moved onto a proof signed without it fails', () => {
    const s = scripted();
    const bobHello = s.bobHello() as { nonce: Uint8Array };
    s.send(s.bobHello());
    const proof = signedProof('bob', {
      lattice: LATTICE,
      challenge: aliceNonce(s.a),
      nonce: bobHello.nonce,
      prover: idOf('bob'),
      verifier: s.a.id,
    });
    s.send({ ...proof, invitation: 'stolen-token' });
    expect(s.a.ended).toBe('proof of key possession failed');
    expect(s.a.admitted).toEqual([]);
  });

  it('frames before the proof are refused, counted and not applied; the honest proof then completes it', () => {
    const s = scripted();
    const bobHello = s.bobHello() as { nonce: Uint8Array };
    s.send(s.bobHello());
    const early: SyncMessage[] = [
      { type: 'versions', live: true, completes: 0, batch: encodeMessage({ type: 'prune' }) },
      { type: 'keys', keys: [testIdentity('mallory').publicKey] },
      { type: 'ping', time: 1 },
      { type: 'reconcile', session: 0, phase: 'request', payload: new Uint8Array(0) },
    ];
    for (const m of early) s.send(m);
    expect(s.a.session.stats(NOW).invalidFrames).toBe(early.length);
    expect(s.a.applied).toEqual([]);
    expect(s.a.sentTypes()).toEqual(['hello', 'proof']); // no pong, no round
    s.send(
      signedProof('bob', {
        lattice: LATTICE,
        challenge: aliceNonce(s.a),
        nonce: bobHello.nonce,
        prover: idOf('bob'),
        verifier: s.a.id,
      }),
    );
    expect(s.a.ended).toBeUndefined();
    expect(s.a.session.state).toBe(SessionState.Syncing);
    expect(s.a.admitted).toEqual([[idOf('bob'), undefined]]);
  });

  it('a proof before the hello, or a second proof, is invalid', () => {
    const s = scripted();
    s.send({ type: 'proof', sig: new Uint8Array(64) });
    expect(s.a.session.stats(NOW).invalidFrames).toBe(1);
    const bobHello = s.bobHello() as { nonce: Uint8Array };
    s.send(s.bobHello());
    const proof = signedProof('bob', {
      lattice: LATTICE,
      challenge: aliceNonce(s.a),
      nonce: bobHello.nonce,
      prover: idOf('bob'),
      verifier: s.a.id,
    });
    s.send(proof);
    s.send(proof);
    expect(s.a.session.stats(NOW).invalidFrames).toBe(2);
    expect(s.a.ended).toBeUndefined();
  });

  it('a protocol 3 peer is refused with a bye naming the version we speak', () => {
    const s = scripted();
    const v3 = encodeMessage(s.bobHello()).subarray(0, -16);
    v3[0] = 3;
    s.a.session.receive(v3, NOW);
    expect(s.a.ended).toBe(`unsupported protocol version (we speak ${SYNC_PROTOCOL_VERSION})`);
  });
});
