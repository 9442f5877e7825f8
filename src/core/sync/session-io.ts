import type { SyncMessage } from './messages';

/** How a session's parts talk to its link (PeerSession provides it: counting, invalid-frame policy). */
export interface SessionIo {
  send(m: SyncMessage): void;
  sendFrame(frame: Uint8Array, versions: number): void;
  /** The link can take more traffic now (its buffer is under the high-water mark). */
  room(): boolean;
  invalid(reason: string, detail?: unknown): void;
  log(message: string, detail?: unknown): void;
}
