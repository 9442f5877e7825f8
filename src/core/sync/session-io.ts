import type { SyncMessage } from './messages';

/** How a session's parts talk to its link (PeerSession provides it: counting, invalid-frame policy). */
export interface SessionIo {
  send(m: SyncMessage): void;
  sendFrame(frame: Uint8Array, versions: number): void;
  /** The link can take more traffic now (its buffer is under the high-water mark). */
  room(): boolean;
  /** Invalid input from the peer; `weight` counts it as that many invalid frames (default 1). */
  invalid(reason: string, detail?: unknown, weight?: number): void;
  /**
   * A frame of a reconcile session this side already ended on its own (ended-sessions.ts): the
   * peer had not heard yet. Dropped and counted, never charged as invalid.
   */
  late(reason: string): void;
  /**
   * Stops taking the peer's frames until the returned `resume` is called: frames arriving
   * meanwhile wait, in order (an asynchronous check of the current frame, e.g. signatures).
   */
  hold(): (now: number) => void;
  /**
   * The frames waiting behind a hold have passed half of what the link may hold back
   * (MAX_BACKLOG_BYTES): a merge in parts then finishes at once rather than let them overflow,
   * which counts against the peer as invalid.
   */
  backlogged(): boolean;
  log(message: string, detail?: unknown): void;
}
