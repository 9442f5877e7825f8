import type { WebSocket } from 'ws';
import type { NodeId } from '../src/core/ids';

/** One announced socket: the node id and lattice it claimed in its first message, fixed for its life. */
export interface Member {
  readonly socket: WebSocket;
  readonly id: NodeId;
  readonly lattice: string;
}

/** Sockets by lattice, then by node id. A lattice is a room: nothing crosses between rooms. */
export class Rooms {
  private readonly rooms = new Map<string, Map<NodeId, Member>>();

  get(lattice: string, id: NodeId): Member | undefined {
    return this.rooms.get(lattice)?.get(id);
  }

  size(lattice: string): number {
    return this.rooms.get(lattice)?.size ?? 0;
  }

  /** Adds the member; returns the member it replaced (the same node reconnecting, e.g. after a reload). */
  add(member: Member): Member | undefined {
    let room = this.rooms.get(member.lattice);
    if (room === undefined) this.rooms.set(member.lattice, (room = new Map()));
    const previous = room.get(member.id);
    room.set(member.id, member);
    return previous;
  }

  /** Removes the member if it is still the one registered under its id. */
  remove(member: Member): boolean {
    const room = this.rooms.get(member.lattice);
    if (room?.get(member.id) !== member) return false;
    room.delete(member.id);
    if (room.size === 0) this.rooms.delete(member.lattice);
    return true;
  }

  /** Everyone else in the member's lattice. */
  *others(member: Member): Iterable<Member> {
    for (const m of this.rooms.get(member.lattice)?.values() ?? []) if (m !== member) yield m;
  }

  counts(): { rooms: number; members: number } {
    let members = 0;
    for (const room of this.rooms.values()) members += room.size;
    return { rooms: this.rooms.size, members };
  }
}
