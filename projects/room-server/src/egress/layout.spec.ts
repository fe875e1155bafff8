import type { StreamInfo } from '../rooms/types.js';
import { gridCells, resolveLayout, type RoomView } from './layout.js';
import type { MixUser } from './types.js';

const canvas = { width: 640, height: 360 };

function stream(userId: string, type: 'main' | 'auxiliary' = 'main', flags: Partial<StreamInfo> = {}): StreamInfo {
  return { streamId: `${userId}-${type}`, userId, type, hasAudio: true, hasVideo: true, audioMuted: false, videoMuted: false, simulcast: false, ...flags };
}

function room(users: string[], streams: StreamInfo[], roles: Record<string, 'anchor' | 'audience'> = {}): RoomView {
  return { members: users.map((userId) => ({ userId, role: roles[userId] ?? 'anchor' })), streams };
}

describe('egress layout', () => {
  describe('grid', () => {
    it('puts one stream over the whole picture, two side by side, three in a 2×2 grid with the last row centred', () => {
      expect(gridCells(1, canvas)).toEqual([{ x: 0, y: 0, width: 640, height: 360 }]);
      expect(gridCells(2, canvas)).toEqual([
        { x: 0, y: 0, width: 320, height: 360 },
        { x: 320, y: 0, width: 320, height: 360 },
      ]);
      expect(gridCells(3, canvas)).toEqual([
        { x: 0, y: 0, width: 320, height: 180 },
        { x: 320, y: 0, width: 320, height: 180 },
        { x: 160, y: 180, width: 320, height: 180 },
      ]);
      expect(gridCells(0, canvas)).toEqual([]);
    });

    it('keeps cells on even pixels for any count', () => {
      for (let n = 1; n <= 16; n++) {
        for (const cell of gridCells(n, { width: 854, height: 480 })) {
          expect([cell.x % 2, cell.y % 2, cell.width % 2, cell.height % 2]).toEqual([0, 0, 0, 0]);
          expect(cell.x + cell.width).toBeLessThanOrEqual(854);
          expect(cell.y + cell.height).toBeLessThanOrEqual(480);
        }
      }
    });

    it('orders tiles by join order (main before auxiliary) and mixes every unmuted audio', () => {
      const view = room(['bob', 'alice'], [stream('alice'), stream('bob', 'auxiliary', { hasAudio: false }), stream('bob'), stream('carol-gone')]);
      const layout = resolveLayout({ kind: 'grid' }, view, canvas);
      expect(layout.tiles.map((t) => t.streamId)).toEqual(['bob-main', 'bob-auxiliary', 'alice-main', 'carol-gone-main']);
      expect(layout.audio).toEqual(['bob-main', 'alice-main', 'carol-gone-main']);
    });

    it('keeps a muted camera\'s place (the tile shows the background) and drops muted audio', () => {
      const layout = resolveLayout({ kind: 'grid' }, room(['a', 'b'], [stream('a', 'main', { videoMuted: true, audioMuted: true }), stream('b')]), canvas);
      expect(layout.tiles.map((t) => [t.streamId, t.isMuted])).toEqual([
        ['a-main', true],
        ['b-main', false],
      ]);
      expect(layout.audio).toEqual(['b-main']);
    });

    it('mixes audio-only streams without a tile', () => {
      const layout = resolveLayout({ kind: 'grid' }, room(['a', 'b'], [stream('a', 'main', { hasVideo: false }), stream('b')]), canvas);
      expect(layout.tiles.map((t) => t.streamId)).toEqual(['b-main']);
      expect(layout.tiles[0]).toEqual(jasmine.objectContaining({ x: 0, y: 0, width: 640, height: 360 }));
      expect(layout.audio).toEqual(['a-main', 'b-main']);
    });
  });

  describe('mix (trtc-js-sdk mixUsers)', () => {
    const users: MixUser[] = [
      { userId: 'alice', pureAudio: false, width: 640, height: 360, locationX: 0, locationY: 0, zOrder: 1 },
      { userId: 'bob', pureAudio: false, width: 160, height: 90, locationX: 470, locationY: 260, zOrder: 2 },
      { userId: 'carol', pureAudio: true },
    ];
    const view = room(['alice', 'bob', 'carol'], [stream('bob'), stream('alice'), stream('carol')]);

    it('places each user at locationX/Y with its size, bottom to top by zOrder, and mixes pure-audio users', () => {
      const layout = resolveLayout({ kind: 'mix', mode: 'manual', owner: 'alice', mixUsers: [users[1]!, users[0]!, users[2]!] }, view, canvas);
      expect(layout.tiles).toEqual([
        { streamId: 'alice-main', x: 0, y: 0, width: 640, height: 360, zOrder: 1, isMuted: false },
        // Odd coordinates move to even pixels (I420); the tile is clipped to the picture.
        { streamId: 'bob-main', x: 470, y: 260, width: 160, height: 90, zOrder: 2, isMuted: false },
      ]);
      expect(layout.audio).toEqual(['bob-main', 'alice-main', 'carol-main']);
    });

    it('clips tiles to the picture, aligns them to even pixels and drops empty ones', () => {
      const layout = resolveLayout(
        {
          kind: 'mix',
          mode: 'manual',
          owner: 'alice',
          mixUsers: [
            { userId: 'alice', pureAudio: false, width: 401, height: 301, locationX: 301, locationY: 101, zOrder: 1 },
            { userId: 'bob', pureAudio: false, width: 0, height: 0, zOrder: 1 },
          ],
        },
        view,
        canvas,
      );
      expect(layout.tiles).toEqual([{ streamId: 'alice-main', x: 300, y: 100, width: 340, height: 260, zOrder: 1, isMuted: false }]);
    });

    it('picks the auxiliary stream when streamType says so, and leaves users not in the room out', () => {
      const v = room(['alice'], [stream('alice'), stream('alice', 'auxiliary')]);
      const layout = resolveLayout(
        { kind: 'mix', mode: 'manual', owner: 'alice', mixUsers: [{ userId: 'alice', pureAudio: false, width: 320, height: 180, streamType: 'auxiliary' }, { userId: 'zed', pureAudio: false, width: 320, height: 180 }] },
        v,
        canvas,
      );
      expect(layout.tiles.map((t) => t.streamId)).toEqual(['alice-auxiliary']);
    });

    it('preset layout: local placeholders are the caller\'s streams, remote ones the other anchors in join order', () => {
      const v = room(['alice', 'viewer', 'carol', 'bob'], [stream('alice'), stream('alice', 'auxiliary'), stream('bob'), stream('carol')], { viewer: 'audience' });
      const layout = resolveLayout(
        {
          kind: 'mix',
          mode: 'preset-layout',
          owner: 'alice',
          mixUsers: [
            { userId: '$PLACE_HOLDER_LOCAL_MAIN$', pureAudio: false, width: 320, height: 180, locationX: 0, locationY: 0, zOrder: 1 },
            { userId: '$PLACE_HOLDER_LOCAL_SUB$', pureAudio: false, width: 320, height: 180, locationX: 320, locationY: 0, zOrder: 1 },
            { userId: '$PLACE_HOLDER_REMOTE$', pureAudio: false, width: 320, height: 180, locationX: 0, locationY: 180, zOrder: 1 },
            { userId: '$PLACE_HOLDER_REMOTE$', pureAudio: false, width: 320, height: 180, locationX: 320, locationY: 180, zOrder: 1 },
            { userId: '$PLACE_HOLDER_REMOTE$', pureAudio: false, width: 100, height: 100, zOrder: 2 },
          ],
        },
        v,
        canvas,
      );
      expect(layout.tiles.map((t) => t.streamId)).toEqual(['alice-main', 'alice-auxiliary', 'carol-main', 'bob-main']);
    });
  });

  it('single: one user\'s main stream over the whole picture, with its audio', () => {
    const layout = resolveLayout({ kind: 'single', userId: 'bob' }, room(['alice', 'bob'], [stream('alice'), stream('bob'), stream('bob', 'auxiliary')]), canvas);
    expect(layout).toEqual({ tiles: [{ streamId: 'bob-main', x: 0, y: 0, width: 640, height: 360, zOrder: 1, isMuted: false }], audio: ['bob-main'] });
    expect(resolveLayout({ kind: 'single', userId: 'nobody' }, room([], []), canvas)).toEqual({ tiles: [], audio: [] });
  });
});
