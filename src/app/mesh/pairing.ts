import { PairingError, decodePairing, encodePairing } from '../../adapters/signaling/pairing-codec';
import type { PeerConnection, PeerSignal } from '../../adapters/webrtc/peer-connection';
import type { NodeId } from '../../core/ids';
import type { PairingApi } from '../../node/lattice-api';
import { randomToken } from '../../ports/signaling';
import type { ConnSlot } from './conn-slot';
import type { LinkManager } from './link-manager';
import type { MeshClock } from './timers';

export type { PairingApi };

/** Gathering every candidate takes well under a second with host candidates; a STUN server may add a few. */
const GATHER_TIMEOUT_MS = 20_000;

interface PendingOffer {
  readonly session: string;
  readonly conn: PeerConnection;
  readonly slot: ConnSlot;
  /** Cancels the offer's expiry timer. */
  readonly expiry: () => void;
}

/**
 * Serverless pairing (docs/requirements.md §5): the offer and the answer each carry every ICE candidate
 * (no trickle), so two devices with no signaling path at all connect by exchanging two texts.
 */
export class Pairing implements PairingApi {
  private pending: PendingOffer | undefined;

  constructor(
    private readonly manager: LinkManager,
    private readonly timeoutMs: number,
  ) {}

  async createOffer(): Promise<string> {
    this.cancel();
    if (this.manager.isolated) throw new PairingError('this node is partitioned: heal it first');
    if (!this.manager.hasCapacity()) throw new PairingError('every link slot is in use: close a link first');
    const session = randomToken();
    const { conn, slot } = this.manager.newConnection(true, false);
    this.manager.pendingOutside += 1;
    const expiry = this.manager.clock.after(this.timeoutMs, () => this.cancel());
    this.pending = { session, conn, slot, expiry };
    try {
      const sdp = await firstSignal(slot, 'offer', this.manager.clock);
      return await encodePairing({
        kind: 'offer',
        from: this.manager.self,
        lattice: this.manager.lattice,
        session,
        sdp,
      });
    } catch (error) {
      if (this.pending?.session === session) this.cancel();
      throw error;
    }
  }

  async acceptOffer(text: string): Promise<string> {
    const offer = await decodePairing(text);
    if (offer.kind !== 'offer') throw new PairingError('this is an answer: enter it on the device that made the offer');
    this.checkPeer(offer.from, offer.lattice);
    const link = this.manager.linkFor(offer.from);
    if (link === undefined || (!link.active && !this.manager.hasCapacity())) {
      throw new PairingError('every link slot is in use: close a link first');
    }
    const { conn, slot } = this.manager.newConnection(false, false);
    const answer = new Promise<string>((resolve, reject) => {
      const stopTimer = this.manager.clock.after(GATHER_TIMEOUT_MS, () =>
        reject(new PairingError('no answer could be made (timed out)')),
      );
      link.attach(conn, slot, {
        session: offer.session,
        initiator: false,
        manual: (signal: PeerSignal) => {
          if (signal.type !== 'answer') return;
          stopTimer();
          resolve(signal.sdp);
        },
      });
    });
    link.signal({ type: 'offer', sdp: offer.sdp });
    const sdp = await answer;
    return encodePairing({
      kind: 'answer',
      from: this.manager.self,
      to: offer.from,
      lattice: this.manager.lattice,
      session: offer.session,
      sdp,
    });
  }

  async acceptAnswer(text: string): Promise<NodeId> {
    const answer = await decodePairing(text);
    if (answer.kind !== 'answer') throw new PairingError('this is an offer: enter it on the other device');
    if (answer.to !== this.manager.self) throw new PairingError(`this answer is for node ${answer.to}, not this one`);
    this.checkPeer(answer.from, answer.lattice);
    const pending = this.pending;
    if (pending === undefined || pending.session !== answer.session) {
      throw new PairingError('this answer is for an older offer: make a new offer');
    }
    const link = this.manager.linkFor(answer.from);
    if (link === undefined) throw new PairingError('too many known peers');
    this.release(pending);
    link.attach(pending.conn, pending.slot, { session: answer.session, initiator: true, manual: () => undefined });
    link.signal({ type: 'answer', sdp: answer.sdp });
    return answer.from;
  }

  cancel(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.release(pending);
    pending.slot.target = undefined;
    pending.conn.destroy();
  }

  private release(pending: PendingOffer): void {
    pending.expiry();
    this.pending = undefined;
    this.manager.pendingOutside -= 1;
  }

  private checkPeer(peer: NodeId, lattice: string): void {
    if (lattice !== this.manager.lattice) {
      throw new PairingError(`this code is for lattice "${lattice}"; this tab is in "${this.manager.lattice}"`);
    }
    if (peer === this.manager.self) throw new PairingError('this code was made by this same node');
    if (this.manager.isRefused(peer)) throw new PairingError('that node is partitioned from this one: heal first');
  }
}

/** The first offer or answer a non-trickle connection produces (it carries every candidate). */
function firstSignal(slot: ConnSlot, type: 'offer' | 'answer', clock: MeshClock): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = clock.after(GATHER_TIMEOUT_MS, () =>
      reject(new PairingError('gathering network candidates timed out')),
    );
    slot.target = {
      signal: (signal) => {
        if (signal.type !== type) return;
        done();
        resolve(signal.sdp);
      },
      close: (reason) => {
        done();
        reject(new PairingError(`the connection failed before the ${type} was ready (${reason})`));
      },
      connect: () => undefined,
      data: () => undefined,
      bufferedLow: () => undefined,
    };
  });
}
