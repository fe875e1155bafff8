import { VideoEffects } from '../media/video/video-effects';

/** Options of `TRTC.createStream()`, as trtc-js-sdk v4's `StreamConfig`, plus `effects`. */
export interface StreamConfig {
  userId?: string;
  /** Capture the microphone. */
  audio?: boolean;
  /** Capture the camera. */
  video?: boolean;
  microphoneId?: string;
  cameraId?: string;
  facingMode?: 'user' | 'environment';
  /** Share a screen (an auxiliary stream). */
  screen?: boolean;
  /** Capture the shared screen's (tab's/system's) audio. */
  screenAudio?: boolean;
  /** A custom audio track instead of the microphone. */
  audioSource?: MediaStreamTrack;
  /** A custom video track instead of the camera. */
  videoSource?: MediaStreamTrack;
  /** Mirror the local preview (`play()`'s default). Default true for the camera. */
  mirror?: boolean;
  /** ngx-trtc: video effects to apply from the start (see `LocalStream.setVideoEffects`). */
  effects?: VideoEffects;
}

/** `localStream.setAudioProcessing(…)`: processing of the captured audio before it is published. */
export interface AudioProcessingOptions {
  /**
   * RNNoise (a recurrent-network denoiser, in WebAssembly) in the capture
   * worklet, before gain and metering; switchable live, ~10 ms added latency.
   */
  noiseSuppression?: boolean;
}
