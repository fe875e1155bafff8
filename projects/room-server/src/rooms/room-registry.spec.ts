import { RpcError } from '../rpc/errors.js';
import { RecordingMember } from '../../test/support/members.js';
import { RoomRegistry } from './room-registry.js';

function reason(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (err) {
    return err instanceof RpcError ? err.reason : 'other';
  }
}

/** A member whose eviction leaves the registry, as a real session does. */
function member(registry: RoomRegistry, userId: string, sdkAppId = 1, roomId: number | string = 1): RecordingMember {
  const m = new RecordingMember(userId);
  m.onEvict = () => {
    const room = registry.find(sdkAppId, roomId);
    if (room) registry.leave(room, m, 'kick', { silent: m.evictedWith?.reason === 'room-disband' });
  };
  return m;
}

describe('RoomRegistry', () => {
  it('creates rooms on demand and drops them when empty', () => {
    const registry = new RoomRegistry({ maxRooms: 10, maxPeersPerRoom: 10 });
    const a = member(registry, 'a');
    const room = registry.join(1, 1, a, { mayCreate: true });
    expect(registry.roomCount).toBe(1);
    expect(registry.peerCount).toBe(1);
    registry.leave(room, a, 'leave');
    expect(registry.roomCount).toBe(0);
  });

  it('keeps apps and numeric/string room ids apart', () => {
    const registry = new RoomRegistry({ maxRooms: 10, maxPeersPerRoom: 10 });
    registry.join(1, 42, member(registry, 'a'), { mayCreate: true });
    registry.join(2, 42, member(registry, 'a'), { mayCreate: true });
    registry.join(1, '42', member(registry, 'a'), { mayCreate: true });
    expect(registry.roomCount).toBe(3);
  });

  it('enforces peers per room (ROOM_FULL) and rooms per server (SERVER_FULL)', () => {
    const registry = new RoomRegistry({ maxRooms: 2, maxPeersPerRoom: 2 });
    registry.join(1, 1, member(registry, 'a'), { mayCreate: true });
    registry.join(1, 1, member(registry, 'b'), { mayCreate: true });
    expect(reason(() => registry.join(1, 1, member(registry, 'c'), { mayCreate: true }))).toBe('ROOM_FULL');
    registry.join(1, 2, member(registry, 'a', 1, 2), { mayCreate: true });
    expect(reason(() => registry.join(1, 3, member(registry, 'a', 1, 3), { mayCreate: true }))).toBe('SERVER_FULL');
  });

  it('requires the create privilege to open a room, not to enter one', () => {
    const registry = new RoomRegistry({ maxRooms: 10, maxPeersPerRoom: 10 });
    expect(reason(() => registry.join(1, 1, member(registry, 'a'), { mayCreate: false }))).toBe('PRIVILEGE_DENIED');
    registry.join(1, 1, member(registry, 'a'), { mayCreate: true });
    expect(reason(() => registry.join(1, 1, member(registry, 'b'), { mayCreate: false }))).toBe('none');
  });

  it('kicks the older connection when the same user joins again, even in a full room', () => {
    const registry = new RoomRegistry({ maxRooms: 10, maxPeersPerRoom: 2 });
    const old = member(registry, 'a');
    const other = member(registry, 'b');
    registry.join(1, 1, old, { mayCreate: true });
    registry.join(1, 1, other, { mayCreate: true });
    other.received.length = 0;
    const fresh = member(registry, 'a');
    const room = registry.join(1, 1, fresh, { mayCreate: true });
    expect(old.evictedWith?.reason).toBe('kick');
    expect(room.memberOf('a')).toBe(fresh);
    expect(other.methods()).toEqual(['peer-leave', 'peer-join']);
  });

  it('re-creates the room when the kicked connection was its only member', () => {
    const registry = new RoomRegistry({ maxRooms: 1, maxPeersPerRoom: 1 });
    registry.join(1, 1, member(registry, 'a'), { mayCreate: true });
    const fresh = member(registry, 'a');
    expect(registry.join(1, 1, fresh, { mayCreate: true }).memberOf('a')).toBe(fresh);
    expect(registry.roomCount).toBe(1);
  });

  it('kicks one user and dismisses a room on request', () => {
    const registry = new RoomRegistry({ maxRooms: 10, maxPeersPerRoom: 10 });
    const a = member(registry, 'a');
    const b = member(registry, 'b');
    registry.join(1, 1, a, { mayCreate: true });
    registry.join(1, 1, b, { mayCreate: true });
    expect(registry.kick(1, 1, 'a')).toBeTrue();
    expect(a.evictedWith?.reason).toBe('kick');
    expect(registry.kick(1, 1, 'a')).toBeFalse();
    expect(registry.dismiss(1, 1)).toBeTrue();
    expect(b.evictedWith?.reason).toBe('room-disband');
    expect(registry.roomCount).toBe(0);
    expect(registry.dismiss(1, 1)).toBeFalse();
  });
});
