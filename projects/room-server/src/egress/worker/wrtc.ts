/**
 * The part of @roamhq/wrtc (libwebrtc for Node) the egress worker uses,
 * typed here so room-server type-checks and runs without the package;
 * only the worker loads it, when an egress starts.
 */
import { createRequire } from 'node:module';

import type { I420Frame } from './compositor.js';
import type { PcmChunk } from './audio-mixer.js';

/** A received track. */
export interface WrtcTrack {
  readonly kind: string;
  readonly id: string;
  stop(): void;
}

/** A received MediaStream (its id is the publisher's msid, kept by ion-sfu). */
export interface WrtcStream {
  readonly id: string;
  getTracks(): WrtcTrack[];
}

/** An SDP description. */
export interface WrtcDescription {
  readonly type: string;
  readonly sdp: string;
}

/** An ICE candidate as libwebrtc reports it. */
export interface WrtcCandidate {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
}

/** RTCPeerConnection. */
export interface WrtcPeerConnection {
  createOffer(): Promise<WrtcDescription>;
  createAnswer(): Promise<WrtcDescription>;
  setLocalDescription(d: WrtcDescription): Promise<void>;
  setRemoteDescription(d: WrtcDescription): Promise<void>;
  addIceCandidate(c: object): Promise<void>;
  createDataChannel(label: string): { close(): void };
  close(): void;
  readonly remoteDescription: WrtcDescription | null;
  readonly connectionState: string;
  onicecandidate: ((e: { candidate: WrtcCandidate | null }) => void) | null;
  ontrack: ((e: { track: WrtcTrack; streams: WrtcStream[] }) => void) | null;
  onconnectionstatechange: (() => void) | null;
}

/** The nonstandard sinks: decoded frames (I420) and PCM (s16) of a remote track. */
export interface WrtcVideoSink {
  stop(): void;
  onframe: ((e: { frame: I420Frame & { rotation?: number } }) => void) | null;
}
export interface WrtcAudioSink {
  stop(): void;
  ondata: ((e: PcmChunk) => void) | null;
}

/** The module. */
export interface Wrtc {
  RTCPeerConnection: new (config?: object) => WrtcPeerConnection;
  nonstandard: {
    RTCVideoSink: new (track: WrtcTrack) => WrtcVideoSink;
    RTCAudioSink: new (track: WrtcTrack) => WrtcAudioSink;
  };
}

/** Loads @roamhq/wrtc; throws an Error saying how to install it when it is missing. */
export function loadWrtc(): Wrtc {
  try {
    return createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;
  } catch (err) {
    throw new Error(`egress needs the @roamhq/wrtc package (npm install @roamhq/wrtc): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
