import type { SignalingLimits } from './signaling-limits';

interface Load {
  sockets: number;
  unannounced: number;
}

/** Which per-address limit refuses a new socket. */
export type AddressLimit = 'maxSocketsPerAddress' | 'maxUnannouncedPerAddress';

/**
 * Open sockets per remote address, and how many of them have not announced (proven) a node id
 * yet: one machine may not hold the server's sockets, nor a pile of pending challenges.
 */
export class AddressBook {
  private readonly loads = new Map<string, Load>();

  constructor(private readonly limits: SignalingLimits) {}

  /** The limit a new socket from the address would exceed, or undefined: then it is counted. */
  admit(address: string): AddressLimit | undefined {
    const load = this.loads.get(address) ?? { sockets: 0, unannounced: 0 };
    if (load.sockets >= this.limits.maxSocketsPerAddress) return 'maxSocketsPerAddress';
    if (load.unannounced >= this.limits.maxUnannouncedPerAddress) return 'maxUnannouncedPerAddress';
    load.sockets += 1;
    load.unannounced += 1;
    this.loads.set(address, load);
    return undefined;
  }

  /** An admitted socket proved its node id. */
  announced(address: string): void {
    const load = this.loads.get(address);
    if (load !== undefined) load.unannounced -= 1;
  }

  /** An admitted socket closed, announced or not. */
  closed(address: string, announced: boolean): void {
    const load = this.loads.get(address);
    if (load === undefined) return;
    load.sockets -= 1;
    if (!announced) load.unannounced -= 1;
    if (load.sockets === 0) this.loads.delete(address);
  }

  counts(): { addresses: number; unannounced: number } {
    let unannounced = 0;
    for (const load of this.loads.values()) unannounced += load.unannounced;
    return { addresses: this.loads.size, unannounced };
  }
}
