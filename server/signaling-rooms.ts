import type { WebSocket } from 'ws';
import type { NodeId } from '../src/core/ids';

/** One announced socket: the node id and lattice it proved in its first message, fixed for its life. */
export interface Member {
  readonly socket: WebSocket;
  readonly id: NodeId;
  readonly lattice: string;
  /** The remote address the socket came from (its share of the room is limited). */
  readonly address: string;
  /** When this member was last sent a broadcast (a server-wide sequence number): fan-out serves the oldest first. */
  lastServed: number;
}

interface Room {
  readonly members: Map<NodeId, Member>;
  readonly byAddress: Map<string, number>;
}

/** Sockets by lattice, then by node id. A lattice is a room: nothing crosses between rooms. */
export class Rooms {
  private readonly rooms = new Map<string, Room>();
  private served = 0;

  get(lattice: string, id: NodeId): Member | undefined {
    return this.rooms.get(lattice)?.members.get(id);
  }

  size(lattice: string): number {
    return this.rooms.get(lattice)?.members.size ?? 0;
  }

  /** Members of the lattice that came from the address. */
  shareOf(lattice: string, address: string): number {
    return this.rooms.get(lattice)?.byAddress.get(address) ?? 0;
  }

  /** Adds the member; returns the member it replaced (the same node reconnecting, e.g. after a reload). */
  add(member: Member): Member | undefined {
    let room = this.rooms.get(member.lattice);
    if (room === undefined) this.rooms.set(member.lattice, (room = { members: new Map(), byAddress: new Map() }));
    const previous = room.members.get(member.id);
    if (previous !== undefined) bump(room.byAddress, previous.address, -1);
    room.members.set(member.id, member);
    bump(room.byAddress, member.address, 1);
    return previous;
  }

  /** Removes the member if it is still the one registered under its id. */
  remove(member: Member): boolean {
    const room = this.rooms.get(member.lattice);
    if (room?.members.get(member.id) !== member) return false;
    room.members.delete(member.id);
    bump(room.byAddress, member.address, -1);
    if (room.members.size === 0) this.rooms.delete(member.lattice);
    return true;
  }

  /** Everyone else in the member's lattice. */
  *others(member: Member): Iterable<Member> {
    for (const m of this.rooms.get(member.lattice)?.members.values() ?? []) if (m !== member) yield m;
  }

  /**
   * Up to `k` others of the member's lattice for a broadcast: those least recently served, ties by
   * node id, so repeated broadcasts rotate through the whole room and no member is sent more than
   * its turn. The chosen ones are marked served.
   */
  fanout(member: Member, k: number): Member[] {
    const others = [...this.others(member)];
    if (others.length > k) {
      others.sort((a, b) => a.lastServed - b.lastServed || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      others.length = k;
    }
    this.served += 1;
    for (const m of others) m.lastServed = this.served;
    return others;
  }

  counts(): { rooms: number; members: number } {
    let members = 0;
    for (const room of this.rooms.values()) members += room.members.size;
    return { rooms: this.rooms.size, members };
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}
