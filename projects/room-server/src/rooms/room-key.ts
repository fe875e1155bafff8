import type { RoomId } from './types.js';

/**
 * The ion-sfu session id of a room: app + namespace + room, so a client can
 * never name another app's room, and room 42 and room "42" stay apart.
 */
export function sfuSessionId(sdkAppId: number, roomId: RoomId): string {
  return typeof roomId === 'number' ? `${sdkAppId}:n:${roomId}` : `${sdkAppId}:s:${roomId}`;
}
