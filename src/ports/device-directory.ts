import type { NodeId } from '../core/ids';

/**
 * What the tabs of one browser profile share as one device (docs/security.md, "Founding and
 * siblings"): the node ids the profile runs, and per lattice the founding the device trusts.
 */
export interface DeviceDirectory {
  /** Node ids of this profile (its tabs, past and present): admitted by each other without an invitation. */
  siblings(): Promise<readonly NodeId[]>;
  /**
   * The founding op id this device trusts in `lattice`. With `proposal`, records it if the device
   * has none yet, or if what it has is `replacing` (a founding the device gives up to join with an
   * invitation), atomically across tabs; returns what is recorded (the proposal or another one).
   */
  anchor(lattice: string, proposal?: string, replacing?: string): Promise<string | undefined>;
}
