import type { FingerprintKey } from '../reconcile/fingerprint';
import { Reconciler } from '../reconcile/reconciler';
import type { ReconcileStorage } from '../reconcile/storage';

/** The initiator's side of one anti-entropy session. */
export interface InitiatorRound {
  readonly id: number;
  readonly reconciler: Reconciler;
  /** When our snapshot was taken: everything we held then is settled when the round completes. */
  readonly startedAt: number;
  lastProgressAt: number;
  /** The reconciler has finished; what remains is moving the versions. */
  reconciled: boolean;
}

interface ResponderRound {
  readonly reconciler: Reconciler;
  readonly openedAt: number;
  lastAt: number;
}

/** Most responder sessions kept per link: a peer cannot make us hold many snapshots. */
const MAX_RESPONDER_ROUNDS = 2;

/** The responder's sessions on one link, keyed by the initiator's session id. */
export class ResponderRounds {
  private readonly rounds = new Map<number, ResponderRound>();

  constructor(
    private readonly frameSizeLimit: number,
    /** A session was dropped without the initiator's word (expired, or pushed out by a newer one). */
    private readonly dropped: (id: number) => void = () => {},
  ) {}

  get active(): number {
    return this.rounds.size;
  }

  open(id: number, storage: ReconcileStorage, now: number, key: FingerprintKey): Reconciler {
    this.rounds.delete(id);
    while (this.rounds.size >= MAX_RESPONDER_ROUNDS) {
      const oldest = this.rounds.keys().next().value as number;
      this.rounds.delete(oldest);
      this.dropped(oldest);
    }
    // Push mode: what the initiator lacks is sent ahead of each reply, not listed for it to want.
    const reconciler = new Reconciler(storage, { frameSizeLimit: this.frameSizeLimit, push: true, key });
    this.rounds.set(id, { reconciler, openedAt: now, lastAt: now });
    return reconciler;
  }

  get(id: number, now: number): Reconciler | undefined {
    const r = this.rounds.get(id);
    if (r !== undefined) r.lastAt = now;
    return r?.reconciler;
  }

  /** Ends a session; returns when it was opened (undefined if unknown). */
  finish(id: number): number | undefined {
    const r = this.rounds.get(id);
    this.rounds.delete(id);
    return r?.openedAt;
  }

  /** Something of the open sessions moved (our frames left for the wire, a part of theirs came). */
  touch(now: number): void {
    for (const r of this.rounds.values()) r.lastAt = Math.max(r.lastAt, now);
  }

  /** Drops sessions the initiator abandoned. */
  expire(now: number, idleMs: number): void {
    for (const [id, r] of this.rounds) {
      if (now - r.lastAt <= idleMs) continue;
      this.rounds.delete(id);
      this.dropped(id);
    }
  }

  clear(): void {
    this.rounds.clear();
  }
}
