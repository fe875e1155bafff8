/**
 * Type names of trtc-js-sdk v4's index.d.ts that are not defined elsewhere,
 * so code written against trtc-js-sdk's types compiles against ngx-trtc.
 */
import type { LocalStream } from '../stream/local-stream';
import type { RemoteStream } from '../stream/remote-stream';
import type { SystemRequirementsResult } from '../devices/index';
import type { ClientEventMap as ClientEventMapOf, UserAudioVolume as UserAudioVolumeOf } from '../client/client-types';

/** trtc-js-sdk `CheckResult`. */
export type CheckResult = SystemRequirementsResult;

/** trtc-js-sdk `ClientEventMap`, with ngx-trtc's RemoteStream. */
export type ClientEventMap = ClientEventMapOf<RemoteStream>;

/** trtc-js-sdk `UserAudioVolume`. */
export type UserAudioVolume = UserAudioVolumeOf;

/** trtc-js-sdk `Stream`: what local and remote streams share. */
export type Stream = LocalStream | RemoteStream;

/** trtc-js-sdk `RemoteStreamUpdatedInfo`. */
export interface RemoteStreamUpdatedInfo {
  stream: RemoteStream;
}

