import { RpcError } from '../rpc/errors.js';
import { RecordingMember } from '../../test/support/members.js';
import { Room } from './room.js';
import type { StreamDescriptor } from './types.js';

const cam = (streamId = 'cam-a'): StreamDescriptor => ({
  streamId,
  type: 'main',
  hasAudio: true,
  hasVideo: true,
  audioMuted: false,
  videoMuted: false,
  simulcast: false,
});

describe('Room', () => {
  let room: Room;
  let alice: RecordingMember;
  let bob: RecordingMember;

  beforeEach(() => {
    room = new Room(1400000000, 1234);
    alice = new RecordingMember('alice');
    bob = new RecordingMember('bob', 'audience');
    room.add(alice);
    room.add(bob);
  });

  it('derives the ion-sfu session id from app + room, numeric and string apart', () => {
    expect(room.sessionId).toBe('1400000000:n:1234');
    expect(new Room(1400000000, '1234').sessionId).toBe('1400000000:s:1234');
  });

  it('tells existing members about a newcomer, not the newcomer itself', () => {
    expect(alice.received).toEqual([{ method: 'peer-join', params: { userId: 'bob', role: 'audience' } }]);
    expect(bob.received).toEqual([]);
  });

  it('gives a snapshot of everyone else and their streams', () => {
    room.publish('alice', cam());
    expect(room.snapshotFor('bob')).toEqual({ peers: [{ userId: 'alice', role: 'anchor' }], streams: [{ ...cam(), userId: 'alice' }] });
    expect(room.snapshotFor('alice')).toEqual({ peers: [{ userId: 'bob', role: 'audience' }], streams: [] });
  });

  it('announces stream-added with the publisher userId and type', () => {
    room.publish('alice', { ...cam('screen-a'), type: 'auxiliary' });
    expect(bob.received).toEqual([{ method: 'stream-added', params: { stream: { ...cam('screen-a'), type: 'auxiliary', userId: 'alice' } } }]);
    expect(alice.methods()).toEqual(['peer-join']);
  });

  it('refuses a stream id already used by another user, and a second stream of one type', () => {
    room.publish('alice', cam());
    expect(() => room.publish('bob', cam())).toThrowMatching((e) => e instanceof RpcError && e.reason === 'STREAM_CONFLICT');
    expect(() => room.publish('alice', cam('cam-b'))).toThrowMatching((e) => e instanceof RpcError && e.reason === 'STREAM_CONFLICT');
  });

  it('treats re-publishing one own stream as an update', () => {
    room.publish('alice', cam());
    room.publish('alice', { ...cam(), hasVideo: false });
    expect(bob.methods()).toEqual(['stream-added', 'stream-updated']);
  });

  it('sends stream-updated plus mute/unmute notifications when mute flags flip', () => {
    room.publish('alice', cam());
    bob.received.length = 0;
    room.update('alice', 'cam-a', { audioMuted: true });
    room.update('alice', 'cam-a', { audioMuted: true }); // no change, no noise
    room.update('alice', 'cam-a', { videoMuted: true, audioMuted: false });
    expect(bob.methods()).toEqual(['stream-updated', 'mute-audio', 'stream-updated', 'unmute-audio', 'mute-video']);
    expect(bob.received[1]).toEqual({ method: 'mute-audio', params: { userId: 'alice', streamId: 'cam-a' } });
  });

  it('refuses updates and unpublishes of streams one does not own', () => {
    room.publish('alice', cam());
    expect(() => room.update('bob', 'cam-a', { audioMuted: true })).toThrowMatching((e) => e instanceof RpcError && e.reason === 'STREAM_NOT_FOUND');
    expect(() => room.unpublish('bob', 'cam-a')).toThrowMatching((e) => e instanceof RpcError && e.reason === 'STREAM_NOT_FOUND');
    expect(() => room.unpublish('alice', 'nope')).toThrowMatching((e) => e instanceof RpcError && e.reason === 'STREAM_NOT_FOUND');
  });

  it('withdraws streams before peer-leave when a member leaves', () => {
    room.publish('alice', cam());
    bob.received.length = 0;
    expect(room.remove(alice, 'disconnect')).toBeTrue();
    expect(bob.received).toEqual([
      { method: 'stream-removed', params: { stream: { ...cam(), userId: 'alice' } } },
      { method: 'peer-leave', params: { userId: 'alice', reason: 'disconnect' } },
    ]);
    expect(room.streamCount).toBe(0);
    expect(room.remove(alice, 'disconnect')).toBeFalse();
  });

  it('does not remove a newer member of the same user', () => {
    room.remove(alice, 'kick');
    const alice2 = new RecordingMember('alice');
    room.add(alice2);
    expect(room.remove(alice, 'disconnect')).toBeFalse();
    expect(room.memberOf('alice')).toBe(alice2);
  });

  it('withdraws streams when an anchor becomes audience, and tells everyone', () => {
    room.publish('alice', cam());
    bob.received.length = 0;
    alice.role = 'audience';
    room.changeRole(alice, 'audience');
    expect(bob.methods()).toEqual(['stream-removed', 'role-changed']);
    expect(alice.methods()).toContain('role-changed');
  });
});
