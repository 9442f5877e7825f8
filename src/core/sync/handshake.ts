import type { FingerprintKey } from '../reconcile/fingerprint';
import { linkProofBytes } from '../signing/link-proof';
import { fingerprintKeyOf } from './fingerprint-key';
import {
  HANDSHAKE_NONCE_BYTES,
  MessageType,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  SYNC_PROTOCOL_VERSION,
  type HelloMessage,
  type ProofMessage,
  type RefusalProof,
  type SyncMessage,
} from './messages';
import type { ResolvedSessionOptions, SessionHost } from './session-types';

/** How a refusing side's bye begins (`not admitted: <reason>`), for the refused side to tell it apart. */
export const NOT_ADMITTED = 'not admitted: ';

/** The hello's key when the session was given none (tests of the session alone): hashes to no node id. */
const NO_KEY = new Uint8Array(PUBLIC_KEY_BYTES);
/** The nonce when the session was given none (tests of the session alone). */
const NO_NONCE = new Uint8Array(HANDSHAKE_NONCE_BYTES);
/** Our proof's signature when the host signs nothing (tests of the session alone). */
const NO_SIG = new Uint8Array(SIGNATURE_BYTES);

/** What the handshake needs of its session. */
export interface HandshakeIo {
  send(m: SyncMessage): void;
  /** Later frames wait until the returned resume (PeerSession.hold). */
  hold(): (now: number) => void;
  invalid(reason: string): void;
  bye(reason: string): void;
  /** Admission refused the peer: the bye goes, and the link waits for the peer's close (PeerSession). */
  refuse(reason: string, proof: RefusalProof | undefined, now: number): void;
  isOpen(): boolean;
  /**
   * The peer proved its key and was admitted: data may flow. `key`: the session's fingerprint key,
   * from both hellos' nonces and node ids (fingerprint-key.ts); the peer derives the same one.
   */
  done(peer: HelloMessage, now: number, key: FingerprintKey): void;
}

/**
 * The link handshake (sync protocol 4, docs/security.md): hellos, then mutual proof of key
 * possession over both fresh nonces, then admission, before any data flows.
 *
 *   hello  → the peer's hello: lattice, id and the transport's claim checked here, its key against
 *            its id by the host (`hello`); then we sign our proof (`prove`) and send it.
 *   proof  → the peer's proof: checked under its hello's key (`checkProof`), then the host admits
 *            it or not (`admit`, with the invitation the proof carries); then `done`.
 *
 * Every step that waits for the host holds the link's later frames, in order; anything but a
 * hello, a proof or a bye before `done` is the session's to refuse (PeerSession.dispatch).
 */
export class Handshake {
  private step: 'hello' | 'proof' | 'done' = 'hello';
  private peer: HelloMessage | undefined;
  private readonly nonce: Uint8Array;

  constructor(
    private readonly o: ResolvedSessionOptions,
    private readonly host: SessionHost,
    private readonly io: HandshakeIo,
  ) {
    this.nonce = o.nonce ?? NO_NONCE;
  }

  get complete(): boolean {
    return this.step === 'done';
  }

  hello(now: number, items: number, newest: number): HelloMessage {
    return {
      type: MessageType.Hello,
      protocol: SYNC_PROTOCOL_VERSION,
      node: this.o.self,
      lattice: this.o.lattice,
      time: now,
      items,
      newest,
      key: this.o.key ?? NO_KEY,
      nonce: this.nonce,
    };
  }

  onHello(m: HelloMessage): void {
    if (this.step !== 'hello') return this.io.invalid('second hello');
    if (m.lattice !== this.o.lattice) return this.io.bye(`different lattice: we are ${this.o.lattice}`);
    if (m.node === this.o.self) return this.io.bye('connected to ourselves');
    if (this.o.peer !== undefined && m.node !== this.o.peer)
      return this.io.bye('node id differs from the signaled one');
    const check = this.host.hello;
    if (check === undefined) return this.prove(m);
    // The key must stand for the id (its hash): only then can a proof under it bind the link to the id.
    const resume = this.io.hold();
    check.call(this.host, m.key, m.node, (ok, later) => {
      if (this.waiting('hello')) {
        if (ok) this.prove(m);
        else this.io.bye('hello key does not match the node id');
      }
      resume(later);
    });
  }

  onProof(m: ProofMessage, now: number): void {
    const peer = this.peer;
    if (this.step === 'done') return this.io.invalid('second proof');
    if (this.step !== 'proof' || peer === undefined) return this.io.invalid('proof before hello');
    const bytes = linkProofBytes({
      lattice: this.o.lattice,
      challenge: this.nonce,
      nonce: peer.nonce,
      prover: peer.node,
      verifier: this.o.self,
      invitation: m.invitation,
    });
    const check = this.host.checkProof;
    if (check === undefined) return this.admit(peer, m.invitation, now);
    const resume = this.io.hold();
    check.call(this.host, peer.key, bytes, m.sig, peer.node, (ok, later) => {
      if (this.waiting('proof')) {
        if (ok) this.admit(peer, m.invitation, later);
        else this.io.bye('proof of key possession failed');
      }
      resume(later);
    });
  }

  /** The peer's hello is accepted: we sign its nonce with ours, both ids and the lattice. */
  private prove(peer: HelloMessage): void {
    this.peer = peer;
    this.step = 'proof';
    const invitation = this.o.invitation;
    const bytes = linkProofBytes({
      lattice: this.o.lattice,
      challenge: peer.nonce,
      nonce: this.nonce,
      prover: this.o.self,
      verifier: peer.node,
      invitation,
    });
    const sent = (sig: Uint8Array): void =>
      this.io.send({ type: MessageType.Proof, sig, ...(invitation === undefined ? {} : { invitation }) });
    const sign = this.host.prove;
    if (sign === undefined) return sent(NO_SIG);
    // The peer's proof may come meanwhile: it waits, so ours always goes out first.
    const resume = this.io.hold();
    sign.call(this.host, bytes, (sig, later) => {
      if (this.waiting('proof')) {
        if (sig === undefined) this.io.bye('could not sign our proof');
        else sent(sig);
      }
      resume(later);
    });
  }

  private admit(peer: HelloMessage, invitation: string | undefined, now: number): void {
    const admit = this.host.admit;
    if (admit === undefined) return this.finish(peer, now);
    const resume = this.io.hold();
    admit.call(this.host, peer.node, invitation, (verdict, later) => {
      if (this.waiting('proof')) {
        if (verdict.ok) this.finish(peer, later);
        else this.io.refuse(`${NOT_ADMITTED}${verdict.reason}`, verdict.proof, later);
      }
      resume(later);
    });
  }

  private finish(peer: HelloMessage, now: number): void {
    this.step = 'done';
    const key = fingerprintKeyOf({ node: this.o.self, nonce: this.nonce }, { node: peer.node, nonce: peer.nonce });
    this.io.done(peer, now, key);
  }

  /** An answer from the host still concerns this step of an open link. */
  private waiting(step: 'hello' | 'proof'): boolean {
    return this.io.isOpen() && this.step === step;
  }
}
