import type { PeerEvents, PeerSignal } from '../../adapters/webrtc/peer-connection';

/**
 * Forwards one connection's events to whoever owns it now. A connection can be made before its
 * owner is known (a pairing offer), and its late events must stop once its owner let it go.
 */
export class ConnSlot implements PeerEvents {
  target: PeerEvents | undefined;

  signal(signal: PeerSignal): void {
    this.target?.signal(signal);
  }
  connect(): void {
    this.target?.connect();
  }
  data(bytes: Uint8Array): void {
    this.target?.data(bytes);
  }
  bufferedLow(): void {
    this.target?.bufferedLow();
  }
  close(reason: string): void {
    const target = this.target;
    this.target = undefined;
    target?.close(reason);
  }
}
