/** Shared room-side types; wire shapes match docs/protocol.md. */
import type { RoomId } from '../auth/private-map-key.js';
import type { EgressView } from '../egress/types.js';

export type { RoomId };

/** Room mode; `videoCall` is accepted on the wire as an alias of `rtc`. */
export type Mode = 'rtc' | 'live';
/** A peer's role. In `rtc` mode everyone is an anchor. */
export type Role = 'anchor' | 'audience';
/** Main (camera/mic) or auxiliary (screen share) stream. */
export type StreamType = 'main' | 'auxiliary';

/** What a publisher announces about a stream. */
export interface StreamDescriptor {
  /** MediaStream id (msid) of the published stream; ion-sfu keeps it for subscribers. */
  readonly streamId: string;
  readonly type: StreamType;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly audioMuted: boolean;
  readonly videoMuted: boolean;
  readonly simulcast: boolean;
}

/** A stream as other peers see it. */
export interface StreamInfo extends StreamDescriptor {
  readonly userId: string;
}

/** A peer as other peers see it. */
export interface PeerInfo {
  readonly userId: string;
  readonly role: Role;
}

/** The state a joining peer receives. */
export interface RoomSnapshot {
  readonly roomId: RoomId;
  readonly mode: Mode;
  readonly role: Role;
  readonly peers: PeerInfo[];
  readonly streams: StreamInfo[];
  readonly heartbeatIntervalMs: number;
}

/** Why a peer left, as `peer-leave` reports it. */
export type LeaveReason = 'leave' | 'disconnect' | 'kick' | 'timeout';
/** Why a client was removed, as `client-banned` reports it. */
export type BanReason = 'kick' | 'banned' | 'room-disband';

/** A user's ban from one room (admin API), as the state store records it. */
export interface BanRecord {
  /** ion-sfu session id of the room (`sfuSessionId`). */
  readonly sessionId: string;
  readonly sdkAppId: number;
  readonly roomId: RoomId;
  readonly userId: string;
  /** When it was made, Unix seconds. */
  readonly createdAt: number;
  /** When it ends, Unix seconds: in force while `now < expiresAt`. */
  readonly expiresAt: number;
  /** The administrator's reason, told to the user; null when none was given. */
  readonly reason: string | null;
}

/** Every notification the server sends to a client. */
export type ServerNotification =
  | { readonly method: 'peer-join'; readonly params: PeerInfo }
  | { readonly method: 'peer-leave'; readonly params: { readonly userId: string; readonly reason: LeaveReason } }
  | { readonly method: 'stream-added' | 'stream-removed' | 'stream-updated'; readonly params: { readonly stream: StreamInfo } }
  | {
      readonly method: 'mute-audio' | 'unmute-audio' | 'mute-video' | 'unmute-video';
      readonly params: { readonly userId: string; readonly streamId: string };
    }
  | { readonly method: 'role-changed'; readonly params: PeerInfo }
  | { readonly method: 'client-banned'; readonly params: { readonly reason: BanReason; readonly message: string } }
  | { readonly method: 'offer'; readonly params: { readonly desc: { readonly type: 'offer'; readonly sdp: string } } }
  | { readonly method: 'trickle'; readonly params: { readonly target: 0 | 1; readonly candidate: unknown } }
  | { readonly method: 'sfu-error'; readonly params: { readonly message: string } }
  | { readonly method: 'egress-started' | 'egress-stopped'; readonly params: { readonly egress: EgressView } }
  | { readonly method: 'egress-failed'; readonly params: { readonly egress: EgressView; readonly error: string; readonly isRestarting: boolean } };

/** A connected, authenticated peer as a room sees it. */
export interface RoomMember {
  readonly userId: string;
  /** Distinguishes two connections of one user. */
  readonly connectionId: string;
  readonly role: Role;
  /** Sends a notification to this peer's client. */
  notify(notification: ServerNotification): void;
  /** Sends `client-banned` and closes the connection; the member leaves its room. */
  evict(reason: BanReason, message: string): void;
  /** Its connection dropped and it waits, for the reconnect grace, to be resumed by a new connection of the same user. */
  readonly isSuspended?: boolean;
  /** Hands its place over to a resuming connection: ends quietly, without leaving the room. */
  handOver?(): void;
}

/** Whether `joining` takes over `previous`'s place silently (a reconnect within the grace) instead of evicting it. */
export function resumes(previous: RoomMember | undefined, joining: { role: Role }): previous is RoomMember & { handOver(): void } {
  return !!previous?.isSuspended && typeof previous.handOver === 'function' && previous.role === joining.role;
}
