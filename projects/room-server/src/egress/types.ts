/**
 * Egress (recording and RTMP push of a room) types shared by room-server's
 * egress manager, its worker process and the protocol. Client-facing shapes
 * follow trtc-js-sdk 4.15's index.d.ts (`MixTranscodeConfig`, `MixUser`,
 * `PublishCDNStreamOptions`).
 */
import type { RoomId } from '../rooms/types.js';

/** One user's place in a mix: trtc-js-sdk's `MixUser`. */
export interface MixUser {
  readonly userId: string;
  /** Only the caller's own room can be mixed here. */
  readonly roomId?: RoomId;
  /** Mix only the user's audio. */
  readonly pureAudio: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly locationX?: number;
  readonly locationY?: number;
  /** 1..15; higher is drawn on top. */
  readonly zOrder?: number;
  readonly streamType?: 'main' | 'auxiliary';
}

/** trtc-js-sdk's preset-layout placeholders. */
export const PLACEHOLDER = {
  REMOTE: '$PLACE_HOLDER_REMOTE$',
  LOCAL_MAIN: '$PLACE_HOLDER_LOCAL_MAIN$',
  LOCAL_SUB: '$PLACE_HOLDER_LOCAL_SUB$',
} as const;

/** What an egress shows. */
export type LayoutSpec =
  /** Every video stream of the room in an even grid, every audio mixed (the admin default). */
  | { readonly kind: 'grid' }
  /** trtc-js-sdk's startMixTranscode layout. */
  | { readonly kind: 'mix'; readonly mode: 'manual' | 'preset-layout'; readonly owner: string; readonly mixUsers: readonly MixUser[] }
  /** One user's main stream over the whole picture (startPublishCDNStream without a mix). */
  | { readonly kind: 'single'; readonly userId: string };

/** Output picture and sound. */
export interface EncodingSpec {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly videoBitrateKbps: number;
  /** Seconds between keyframes. */
  readonly gopSeconds: number;
  readonly audioSampleRate: number;
  readonly audioChannels: 1 | 2;
  readonly audioBitrateKbps: number;
  /** 0xRRGGBB behind the tiles. */
  readonly backgroundColor: number;
}

/** One stream's rectangle in the output picture (pixels, even-aligned). */
export interface Tile {
  readonly streamId: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly zOrder: number;
  /** Video muted: the tile keeps its place and shows the background. */
  readonly isMuted: boolean;
}

/** A layout resolved against the room's streams: what the worker draws and mixes. */
export interface ResolvedLayout {
  /** Bottom to top. */
  readonly tiles: readonly Tile[];
  /** Stream ids whose audio is mixed. */
  readonly audio: readonly string[];
}

/** Where the encoded egress goes. */
export type EgressOutput =
  | { readonly id: string; readonly kind: 'file'; readonly path: string }
  | { readonly id: string; readonly kind: 'rtmp'; readonly url: string };

/** An egress's life: starting → active ⇄ restarting → stopping → stopped, or failed. */
export type EgressStatus = 'starting' | 'active' | 'restarting' | 'stopping' | 'stopped' | 'failed';

/** Why an egress ended. */
export type EgressEndReason = 'requested' | 'room-empty' | 'owner-left' | 'failed' | 'shutdown';

/** What the worker measures, reported every second. */
export interface EgressStats {
  /** Frames written to the encoder. */
  readonly framesOut: number;
  /** Frames the encoder could not take in time (skipped). */
  readonly framesDropped: number;
  /** CPU of the worker (WebRTC receive, decode, compose, mix), % of one core over the last second. */
  readonly workerCpuPercent: number;
  /** CPU of its ffmpeg processes (encode + remux), % of one core over the last second. */
  readonly ffmpegCpuPercent: number;
  /** Streams whose frames or samples arrived in the last second. */
  readonly liveInputs: readonly string[];
}

/** An egress as the admin API shows it. */
export interface EgressInfo {
  readonly egressId: string;
  readonly sdkAppId: number;
  readonly roomId: RoomId;
  /** The user whose startMixTranscode/startPublishCDNStream made it; null for the admin API. */
  readonly owner: string | null;
  /** The CDN stream id (client egress) or null. */
  readonly streamId: string | null;
  readonly layout: LayoutSpec['kind'];
  readonly status: EgressStatus;
  readonly encoding: EncodingSpec;
  /** Recording files so far, one per run of its output (a restart starts a new part). */
  readonly files: readonly string[];
  /** Whether a recording file is being written now. */
  readonly isRecording: boolean;
  /** The RTMP destination now, or null. */
  readonly rtmpUrl: string | null;
  /** Unix ms when it was requested, when its outputs begin (time 0 of the first file), when it ended. */
  readonly requestedAt: number;
  readonly startedAt: number | null;
  /** Unix ms when a participant's picture was first drawn into it. */
  readonly firstMediaAt: number | null;
  readonly endedAt: number | null;
  readonly restarts: number;
  readonly endReason: EgressEndReason | null;
  /** The last failure, if any. */
  readonly error: string | null;
  readonly stats: EgressStats | null;
  /** PID of the worker process now (null between runs and after the end). */
  readonly workerPid: number | null;
}

/** Which outputs an egress should have. */
export interface EgressOutputsSpec {
  /** Write a recording file (fragmented MP4 in `egress.recordingsDir`). */
  readonly file: boolean;
  /** Push to this RTMP URL, or not at all. */
  readonly rtmpUrl: string | null;
}

/** What starts an egress. */
export interface EgressRequest {
  readonly sdkAppId: number;
  readonly roomId: RoomId;
  /** The user whose client API call made it (it ends when they leave), or null (admin API). */
  readonly owner: string | null;
  readonly streamId: string | null;
  readonly layout: LayoutSpec;
  readonly encoding: EncodingSpec;
  readonly outputs: EgressOutputsSpec;
}

/** An egress as room members see it (`egress-*` notifications): no server paths, no stream keys. */
export interface EgressView {
  readonly egressId: string;
  readonly owner: string | null;
  readonly streamId: string | null;
  readonly status: EgressStatus;
  /** Whether it writes a recording file. */
  readonly isRecording: boolean;
  /** Whether it pushes to an RTMP URL. */
  readonly isPublishingCdn: boolean;
  readonly startedAt: number | null;
  readonly restarts: number;
  readonly endReason: EgressEndReason | null;
}

/** The member view of an egress. */
export function egressView(info: EgressInfo): EgressView {
  return {
    egressId: info.egressId,
    owner: info.owner,
    streamId: info.streamId,
    status: info.status,
    isRecording: info.isRecording,
    isPublishingCdn: info.rtmpUrl !== null,
    startedAt: info.startedAt,
    restarts: info.restarts,
    endReason: info.endReason,
  };
}
